// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

namespace moe::gui {

class MainWindow;

/// `moelab-gui --screenshot DIR SCENARIO.ini TRACE.h5 [TRACE.h5 ...]`: renders the window at
/// 1280x800 and 1920x1080 in three states and saves each as DIR/<state>-<W>x<H>.png:
/// live-run (the scenario running for a few seconds), trace (the first trace open, its trace
/// browser shown) and compare (every trace in the compare view). For the README's screenshots;
/// run it under QT_QPA_PLATFORM=offscreen. Returns 0, or 2 after printing what failed.
int runScreenshotTour(MainWindow& window, const QString& folder, const QStringList& files);

}  // namespace moe::gui
