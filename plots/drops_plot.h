// SPDX-License-Identifier: MIT
#pragma once

#include "plots/plot_panel.h"

class QCustomPlot;
class QCPAxisRect;
class QCPLayoutGrid;

namespace moe::io {
struct TraceData;
}

namespace moe::plots {

/// Draws drop_fraction (dropped assignments / T k) and token_drop_fraction (tokens with no
/// kept assignment / T) against the step into `area`, an empty layout grid of `plot`
/// (plot.plotLayout() after clearing it, for a figure of its own).
/// Returns the axes it drew on (owned by the plot).
/// Curves of more than `maxPoints` rows are drawn binned (addCurve).
QCPAxisRect* drawDropsPlot(QCustomPlot& plot, QCPLayoutGrid& area, const io::TraceData& data,
                          int maxPoints = kDefaultCurvePoints);

}  // namespace moe::plots
