// SPDX-License-Identifier: MIT
#pragma once

#include <QPlainTextEdit>

namespace moe::gui {

/// The log pane: one time-stamped line per event (runs started and ended, files opened and
/// written, errors). Only called on the GUI thread.
class LogView : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit LogView(QWidget* parent = nullptr);

    void info(const QString& message);
    void error(const QString& message);
};

}  // namespace moe::gui
