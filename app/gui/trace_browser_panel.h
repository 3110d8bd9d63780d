// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QWidget>

class QLabel;
class QPlainTextEdit;

namespace moe::io {
struct TraceHeader;
}

namespace moe::gui {

/// What the shown trace is: its file, schema and moelab versions, router, experts, rows, seed
/// and creation time, and the scenario text that produced it.
class TraceBrowserPanel : public QWidget {
    Q_OBJECT
public:
    explicit TraceBrowserPanel(QWidget* parent = nullptr);

    /// Shows `header`; `source` names the file ("live run" for a run in progress).
    void showHeader(const io::TraceHeader& header, const QString& source);
    void clear();
    QString scenarioText() const;

private:
    QLabel* m_summary = nullptr;
    QPlainTextEdit* m_scenario = nullptr;
};

}  // namespace moe::gui
