// SPDX-License-Identifier: MIT
// moelab-gui [TRACE.h5 | SCENARIO.ini]: the desktop app.
#include "app/gui/main_window.h"

#include <QApplication>
#include <QCommandLineParser>

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
    parser.process(app);

    moe::gui::MainWindow window;
    window.show();
    const QStringList files = parser.positionalArguments();
    if (!files.isEmpty() && !window.openPath(files.first())) return 2;
    return QApplication::exec();
}
