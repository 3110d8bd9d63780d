// SPDX-License-Identifier: MIT
#pragma once

#include <QSettings>
#include <QString>
#include <QStringList>

#include <memory>

class QMainWindow;

namespace moe::gui {

/// What the app remembers between sessions (QSettings): window geometry and dock layout,
/// recent files and the last scenario.
class AppSettings {
public:
    /// The user's settings ("moelab/moelab-gui"), or the INI file `iniPath` when given (tests).
    explicit AppSettings(const QString& iniPath = {});

    static constexpr int kMaxRecentFiles = 10;
    /// Most recent first; at most kMaxRecentFiles.
    QStringList recentFiles() const;
    /// Moves `path` (made absolute) to the front of the recent files.
    void addRecentFile(const QString& path);
    void clearRecentFiles();

    QString lastScenario() const;
    void setLastScenario(const QString& iniText);

    void saveWindow(const QMainWindow& window);
    void restoreWindow(QMainWindow& window) const;

private:
    std::unique_ptr<QSettings> m_settings;
};

}  // namespace moe::gui
