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

/// Draws the collapse indicators against the step into `area`, an empty layout grid of `plot`,
/// on two y axes so that no series is rescaled and each keeps its meaning from the trace:
/// - left, "fraction (0 to 1)": load_entropy and router_entropy (entropy / ln E, 1 = uniform)
///   and dead_experts / E (the share of experts with no demand);
/// - right, "ratio to mean demand": load_cv (std / mean, 0 = balanced) and max_over_mean
///   (1 = balanced, E = everything on one expert), which are unbounded.
/// Returns the axes it drew on (owned by the plot).
/// Curves of more than `maxPoints` rows are drawn binned (addCurve).
QCPAxisRect* drawCollapsePlot(QCustomPlot& plot, QCPLayoutGrid& area, const io::TraceData& data,
                          int maxPoints = kDefaultCurvePoints);

}  // namespace moe::plots
