// SPDX-License-Identifier: MIT
#pragma once

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
QCPAxisRect* drawDropsPlot(QCustomPlot& plot, QCPLayoutGrid& area, const io::TraceData& data);

}  // namespace moe::plots
