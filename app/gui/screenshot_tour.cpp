// SPDX-License-Identifier: MIT
#include "app/gui/screenshot_tour.h"

#include "app/gui/main_window.h"
#include "app/gui/compare_view.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QDockWidget>
#include <QEventLoop>
#include <QPixmap>
#include <QTimer>

#include <cstdio>
#include <functional>

namespace moe::gui {
namespace {

constexpr int kLiveSeconds = 6;  // long enough for every live plot to show a trend

/// Runs the event loop for `ms` milliseconds (queued replots, worker batches).
void settle(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

bool waitUntil(const std::function<bool()>& done, int ms) {
    QDeadlineTimer deadline(ms);
    while (!done()) {
        if (deadline.hasExpired()) return false;
        settle(50);
    }
    return true;
}

QDockWidget* dock(MainWindow& window, const char* name) {
    return window.findChild<QDockWidget*>(QString::fromLatin1(name));
}

bool save(MainWindow& window, const QString& folder, const QString& state) {
    settle(400);
    const QString path = QDir(folder).filePath(
        QStringLiteral("%1-%2x%3.png").arg(state).arg(window.width()).arg(window.height()));
    if (!window.grab().save(path)) {
        std::fprintf(stderr, "moelab-gui: cannot write %s\n", qPrintable(path));
        return false;
    }
    std::printf("%s\n", qPrintable(path));
    return true;
}

bool tourAt(MainWindow& window, const QString& folder, const QStringList& files, QSize size) {
    window.resize(size);
    window.resizeDocks({dock(window, "scenarioDock")}, {size.width() > 1600 ? 380 : 300},
                       Qt::Horizontal);
    window.resizeDocks({dock(window, "inspectorDock")}, {size.height() > 1000 ? 240 : 190},
                       Qt::Vertical);
    dock(window, "scenarioDock")->raise();
    dock(window, "inspectorDock")->raise();

    if (!window.openScenario(files.first()) || !window.startRun()) return false;
    settle(kLiveSeconds * 1000);
    if (!save(window, folder, QStringLiteral("live-run"))) return false;
    window.controller().stop();
    if (!waitUntil([&] { return !window.controller().busy(); }, 30000)) return false;

    if (!window.openTrace(files.at(1))) return false;
    dock(window, "browserDock")->raise();
    window.resizeDocks({dock(window, "browserDock")}, {size.width() > 1600 ? 560 : 360},
                       Qt::Horizontal);
    if (!save(window, folder, QStringLiteral("trace"))) return false;

    window.compareView().clearRuns();
    for (const QString& trace : files.mid(1))
        if (!window.compareTrace(trace)) return false;
    window.resizeDocks({dock(window, "browserDock")}, {size.width() > 1600 ? 380 : 300},
                       Qt::Horizontal);
    window.resizeDocks({window.compareDock()}, {size.height() * 2 / 5}, Qt::Vertical);
    window.compareDock()->raise();
    return save(window, folder, QStringLiteral("compare"));
}

}  // namespace

int runScreenshotTour(MainWindow& window, const QString& folder, const QStringList& files) {
    if (files.size() < 2 || !files.first().endsWith(QLatin1String(".ini"))) {
        std::fprintf(stderr,
                     "moelab-gui --screenshot DIR SCENARIO.ini TRACE.h5 [TRACE.h5 ...]\n");
        return 2;
    }
    if (!QDir().mkpath(folder)) {
        std::fprintf(stderr, "moelab-gui: cannot create %s\n", qPrintable(folder));
        return 2;
    }
    window.show();
    for (const QSize size : {QSize(1280, 800), QSize(1920, 1080)}) {
        if (!tourAt(window, folder, files, size)) {
            std::fprintf(stderr, "moelab-gui: the screenshot tour failed at %dx%d; see the log\n",
                         size.width(), size.height());
            return 2;
        }
    }
    return 0;
}

}  // namespace moe::gui
