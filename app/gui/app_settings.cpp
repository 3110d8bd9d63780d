// SPDX-License-Identifier: MIT
#include "app/gui/app_settings.h"

#include <QFileInfo>
#include <QMainWindow>

namespace moe::gui {
namespace {
const QString kRecent = QStringLiteral("recentFiles");
const QString kScenario = QStringLiteral("lastScenario");
const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
constexpr int kLayoutVersion = 1;  // bump when the docks change, so an old layout is ignored
}  // namespace

AppSettings::AppSettings(const QString& iniPath)
    : m_settings(iniPath.isEmpty()
                     ? std::make_unique<QSettings>(QStringLiteral("moelab"),
                                                   QStringLiteral("moelab-gui"))
                     : std::make_unique<QSettings>(iniPath, QSettings::IniFormat)) {}

QStringList AppSettings::recentFiles() const {
    return m_settings->value(kRecent).toStringList();
}

void AppSettings::addRecentFile(const QString& path) {
    QStringList files = recentFiles();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > kMaxRecentFiles) files.removeLast();
    m_settings->setValue(kRecent, files);
}

void AppSettings::clearRecentFiles() {
    m_settings->remove(kRecent);
}

QString AppSettings::lastScenario() const {
    return m_settings->value(kScenario).toString();
}

void AppSettings::setLastScenario(const QString& iniText) {
    m_settings->setValue(kScenario, iniText);
}

void AppSettings::saveWindow(const QMainWindow& window) {
    m_settings->setValue(kGeometry, window.saveGeometry());
    m_settings->setValue(kState, window.saveState(kLayoutVersion));
}

void AppSettings::restoreWindow(QMainWindow& window) const {
    window.restoreGeometry(m_settings->value(kGeometry).toByteArray());
    window.restoreState(m_settings->value(kState).toByteArray(), kLayoutVersion);
}

}  // namespace moe::gui
