// SPDX-License-Identifier: MIT
#include "app/gui/trace_follower.h"

#include "core/io/trace_reader.h"

#include <QFileInfo>

namespace moe::gui {

TraceFollower::TraceFollower(QObject* parent) : QObject(parent) {
    m_timer.setInterval(500);
    connect(&m_timer, &QTimer::timeout, this, [this] { poll(); });
}

bool TraceFollower::follow(const QString& path) {
    stop();
    m_path = path;
    m_rows = -1;
    m_lastError.clear();
    if (!poll()) return false;
    m_timer.start();
    return true;
}

void TraceFollower::stop() {
    m_timer.stop();
}

bool TraceFollower::poll() {
    // A run writes NAME.partial and renames it to NAME when it completes: follow the rename.
    const QString partialSuffix = QStringLiteral(".partial");
    if (m_path.endsWith(partialSuffix) && !QFileInfo::exists(m_path)) {
        const QString finalPath = m_path.left(m_path.size() - partialSuffix.size());
        if (QFileInfo::exists(finalPath)) {
            m_path = finalPath;
            m_rows = -1;
        }
    }
    const std::string path = m_path.toStdString();
    const auto header = io::readTraceHeader(path);
    auto fail = [this](const std::string& error) {
        const QString message = QString::fromStdString(error);
        if (message != m_lastError) emit failed(message);  // once per distinct problem
        m_lastError = message;
        return false;
    };
    if (!header) return fail(header.error());
    if (header->rows == m_rows) return false;
    auto trace = io::readTrace(path);
    if (!trace) return fail(trace.error());
    m_lastError.clear();
    m_rows = trace->rows;
    emit updated(std::make_shared<const io::TraceData>(std::move(*trace)));
    return true;
}

}  // namespace moe::gui
