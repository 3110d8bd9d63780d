// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

#include <cstdint>
#include <memory>

namespace moe::io {
struct TraceData;
}

namespace moe::gui {

/// Keeps a trace file shown while another process may still be writing it: reads it at once,
/// then polls its header (HDF5 SWMR read, cheap) and reads it again whenever it has more rows.
/// A run in progress writes NAME.partial; when that file is renamed to NAME (the run completed),
/// the follower moves on to NAME.
class TraceFollower : public QObject {
    Q_OBJECT
public:
    explicit TraceFollower(QObject* parent = nullptr);

    /// Reads `path` now and follows it from then on; returns false (and emits failed()) if it
    /// cannot be read as a trace.
    bool follow(const QString& path);
    void stop();
    QString path() const { return m_path; }
    bool following() const { return m_timer.isActive(); }
    /// Polling period in milliseconds (500 by default).
    void setInterval(int ms) { m_timer.setInterval(ms); }

    /// Reads the trace again if it grew; returns true if it emitted updated().
    bool poll();

signals:
    void updated(std::shared_ptr<const moe::io::TraceData> data);
    void failed(const QString& message);

private:
    QTimer m_timer;
    QString m_path;
    int64_t m_rows = -1;
    QString m_lastError;
};

}  // namespace moe::gui
