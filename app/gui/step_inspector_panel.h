// SPDX-License-Identifier: MIT
#pragma once

#include "core/io/trace_writer.h"

#include <QString>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

class QCustomPlot;
class QLabel;
class QSlider;
class QSpinBox;

namespace moe::io {
struct TraceData;
}

namespace moe::gui {

/// One recorded step of the shown trace: a slider and a step box choose the row, and the step
/// inspector plot (plots/step_inspector.h) shows the per-expert demand, kept and dropped
/// assignments against the capacity, with the domain x expert matrix of the nearest per-token
/// snapshot when the trace file has them. While a run grows the trace, a panel that showed the
/// last row keeps following it.
class StepInspectorPanel : public QWidget {
    Q_OBJECT
public:
    explicit StepInspectorPanel(QWidget* parent = nullptr);

    /// Shows `trace`; `tracePath` is its file, read for snapshots (empty for a live run).
    void setData(std::shared_ptr<const io::TraceData> trace, const QString& tracePath = {});
    /// Shows the row recording `step` (the nearest recorded one at or before it).
    void showStep(int64_t step);
    /// The trace row shown, or -1 without data.
    int64_t row() const { return m_row; }
    QCustomPlot* plot() const { return m_plot; }
    /// Whether the plot shows a snapshot's domain x expert matrix.
    bool showsSnapshot() const { return m_snapshot.has_value(); }

private:
    void showRow(int64_t row);
    const io::TraceSnapshot* snapshotNear(int64_t step);

    QSlider* m_slider = nullptr;
    QSpinBox* m_stepBox = nullptr;
    QLabel* m_summary = nullptr;
    QCustomPlot* m_plot = nullptr;
    std::shared_ptr<const io::TraceData> m_data;
    QString m_tracePath;
    std::vector<int64_t> m_snapshotSteps;  ///< of m_tracePath
    int64_t m_snapshotIndex = -1;          ///< position of m_snapshot in m_snapshotSteps
    std::optional<io::TraceSnapshot> m_snapshot;
    int64_t m_row = -1;
    bool m_updating = false;
};

}  // namespace moe::gui
