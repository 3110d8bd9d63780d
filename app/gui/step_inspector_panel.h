// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

#include <cstdint>
#include <memory>

class QLabel;
class QSlider;
class QSpinBox;
class QTableWidget;

namespace moe::io {
struct TraceData;
}

namespace moe::gui {

/// One recorded step of the shown trace: a slider and a step box choose the row, and the
/// per-expert demand, kept and dropped assignments are listed with the step's capacity.
/// While a run grows the trace, a panel that showed the last row keeps following it.
class StepInspectorPanel : public QWidget {
    Q_OBJECT
public:
    explicit StepInspectorPanel(QWidget* parent = nullptr);

    void setData(std::shared_ptr<const io::TraceData> trace);
    /// Shows the row recording `step` (the nearest recorded one at or before it).
    void showStep(int64_t step);
    /// The trace row shown, or -1 without data.
    int64_t row() const { return m_row; }

private:
    void showRow(int64_t row);

    QSlider* m_slider = nullptr;
    QSpinBox* m_stepBox = nullptr;
    QLabel* m_summary = nullptr;
    QTableWidget* m_table = nullptr;
    std::shared_ptr<const io::TraceData> m_data;
    int64_t m_row = -1;
    bool m_updating = false;
};

}  // namespace moe::gui
