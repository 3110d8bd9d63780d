// SPDX-License-Identifier: MIT
// moelab-gui [TRACE.h5 | SCENARIO.ini]: the desktop app.
#include "app/gui/main_window.h"
#include "app/gui/screenshot_tour.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("moelab"));
    QApplication::setApplicationName(QStringLiteral("moelab-gui"));
    QApplication::setApplicationVersion(QStringLiteral(MOELAB_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/moelab/moelab.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Runs MoE routing scenarios live and shows their traces."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"),
                                 QStringLiteral("a trace (.h5) or a scenario (.ini) to open"),
                                 QStringLiteral("[TRACE.h5 | SCENARIO.ini]"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("render the window (live run, trace, compare) at 1280x800 and 1920x1080 "
                       "into DIR and quit; files: SCENARIO.ini TRACE.h5 [TRACE.h5 ...]"),
        QStringLiteral("DIR"));
    parser.addOption(screenshot);
    parser.process(app);
    const QStringList files = parser.positionalArguments();

    if (parser.isSet(screenshot)) {
        // A fresh settings file: the screenshots never depend on this user's layout.
        const QString settings = parser.value(screenshot) + QStringLiteral("/.settings.ini");
        QFile::remove(settings);
        moe::gui::MainWindow window(settings);
        const int status = moe::gui::runScreenshotTour(window, parser.value(screenshot), files);
        QFile::remove(settings);
        return status;
    }

    moe::gui::MainWindow window;
    window.show();
    if (!files.isEmpty() && !window.openPath(files.first())) return 2;
    return QApplication::exec();
}
