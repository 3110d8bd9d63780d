// SPDX-License-Identifier: MIT
#pragma once

#include "plots/step_binning.h"

#include <QString>

#include <optional>

class QCustomPlot;
class QCPAxisRect;
class QCPColorMap;
class QCPColorScale;
class QCPLayoutGrid;
class QCPTextElement;

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
    /// Most step columns drawn: about the pixel width of the plot. Longer runs are reduced over
    /// bins of consecutive rows (binSteps), so 100,000 steps x 256 experts draws as fast as
    /// 1,000. >= 1.
    int maxBins = 1000;
    /// What a column shows of its bin's rows.
    BinStatistic statistic = BinStatistic::Mean;
    /// Top of the colour range; unset fits it to the largest value drawn. Heatmaps compared
    /// side by side share one.
    std::optional<double> colorMax;
    /// Panel title; empty names the field ("Expert load share").
    QString title;
};

/// The trace dataset `field` colours: "load", "demand" or "dropped".
const char* heatmapDataset(HeatmapField field);

/// The per-expert array `field` colours, or nullptr when the trace lacks it or its rows differ
/// from data.step (an in-memory trace still being filled) or there are none.
const Eigen::MatrixXd* heatmapValues(const io::TraceData& data, HeatmapField field);

/// The label of the colour scale of `field`, with its unit.
QString heatmapValueLabel(HeatmapField field);

/// The panel title of `field` ("Expert load share").
QString heatmapTitle(HeatmapField field);

/// The parts of a drawn heatmap, all owned by the plot.
struct HeatmapParts {
    QCPAxisRect* axes = nullptr;
    QCPTextElement* title = nullptr;
    QCPColorMap* map = nullptr;  ///< nullptr when the trace lacks the field's dataset
    QCPColorScale* scale = nullptr;
    /// The rows behind each column (StepBins::firstRow); empty without a map.
    std::vector<int64_t> binFirstRow;
};

/// Draws an experts x steps heatmap of `options.field` into `area`, an empty layout grid of
/// `plot`: one cell per expert and step bin, no interpolation between cells, integer expert
/// ticks, and a colour scale above the map (where the line plots have their legend) whose
/// range starts at 0. Cells with no finite value (NaN: does not apply) are left blank.
/// Returns the parts it drew (owned by the plot); nothing refers to `data` afterwards.
HeatmapParts addExpertLoadHeatmap(QCustomPlot& plot, QCPLayoutGrid& area,
                                  const io::TraceData& data, const HeatmapOptions& options = {});

/// addExpertLoadHeatmap, returning only the axes.
QCPAxisRect* drawExpertLoadHeatmap(QCustomPlot& plot, QCPLayoutGrid& area,
                                   const io::TraceData& data, const HeatmapOptions& options = {});

/// Refills the map of `parts` with the rows [firstRow, endRow) of `data` reduced to at most
/// `options.maxBins` columns (binSteps); sets the colour range (options.colorMax or the
/// largest value) and the step axis label, which says how many rows a column stands for.
/// `rowScale` is rowShareScale of the load, or nullptr (computed here when needed). The step
/// axis range is left alone. Does nothing when parts.map is null.
void fillExpertLoadHeatmap(HeatmapParts& parts, const io::TraceData& data,
                           const HeatmapOptions& options, int64_t firstRow, int64_t endRow,
                           const Eigen::VectorXd* rowScale = nullptr);

/// The largest finite value the heatmap of `data` would show with `options` at full extent
/// (0 when there is none): the shared colour range of heatmaps compared side by side.
double heatmapPeak(const io::TraceData& data, const HeatmapOptions& options);

}  // namespace moe::plots
