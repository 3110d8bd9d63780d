// SPDX-License-Identifier: MIT
#include "app/gui/log_view.h"

#include <QTime>

namespace moe::gui {

LogView::LogView(QWidget* parent) : QPlainTextEdit(parent) {
    setReadOnly(true);
    setMaximumBlockCount(5000);
    setObjectName(QStringLiteral("log"));
}

void LogView::info(const QString& message) {
    appendPlainText(QTime::currentTime().toString(QStringLiteral("HH:mm:ss  ")) + message);
}

void LogView::error(const QString& message) {
    appendHtml(QStringLiteral("<span style=\"color:#c0392b\">%1  error: %2</span>")
                   .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")),
                        message.toHtmlEscaped()));
}

}  // namespace moe::gui
