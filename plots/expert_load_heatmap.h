// SPDX-License-Identifier: MIT
#pragma once

class QCustomPlot;
class QCPAxisRect;
class QCPLayoutGrid;

namespace moe::io {
struct TraceData;
}

namespace moe::plots {

/// What the heatmap colours.
enum class HeatmapField {
    LoadShare,  ///< load / sum of load over experts, per step: which experts did the work
    Demand,     ///< assignments before capacity
    Dropped,    ///< assignments lost to capacity
};

struct HeatmapOptions {
    HeatmapField field = HeatmapField::LoadShare;
    /// Most step columns drawn: about the pixel width of the plot. Longer runs are averaged over
    /// bins of consecutive rows (binSteps), so 100,000 steps x 256 experts draws as fast as
    /// 1,000. >= 1.
    int maxBins = 1000;
};

/// Draws an experts x steps heatmap of `options.field` into `area`, an empty layout grid of
/// `plot`: one cell per expert and step bin, no interpolation between cells, integer expert
/// ticks, and a colour scale above the map (where the line plots have their legend) whose
/// range starts at 0. Cells with no finite value (NaN: does not apply) are left blank.
/// Returns the axes it drew on (owned by the plot).
QCPAxisRect* drawExpertLoadHeatmap(QCustomPlot& plot, QCPLayoutGrid& area,
                                   const io::TraceData& data, const HeatmapOptions& options = {});

}  // namespace moe::plots
