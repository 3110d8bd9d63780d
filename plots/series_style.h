// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <Qt>

#include <string_view>

namespace moe::plots {

/// The colour of a trace dataset (`drop_fraction`, `task_loss`, ...) wherever it is drawn, so
/// that one metric looks the same in every panel, figure and window. Unknown names get grey.
QColor seriesColor(std::string_view dataset);

/// The colour of run `index` (0, 1, ...) of a comparison, the same in every panel: ten
/// distinct hues, then again from the first.
QColor runColor(int index);

/// The line style of a metric in a comparison, where colour already names the run: the main
/// metric of each panel solid, the others dashed, dotted and so on. Unknown names are solid.
Qt::PenStyle comparisonLineStyle(std::string_view dataset);

}  // namespace moe::plots

class QCPColorGradient;

namespace moe::plots {

/// The colours of every heatmap: viridis (perceptually uniform, readable in grey), with NaN
/// (does not apply) transparent.
QCPColorGradient heatmapGradient();

}  // namespace moe::plots
