// SPDX-License-Identifier: MIT
#pragma once

#include "plots/expert_load_heatmap.h"

#include <QObject>
#include <QPointF>
#include <QString>

#include <Eigen/Core>
#include <cstdint>
#include <optional>

class QCustomPlot;
class QCPLayoutGrid;
class QCPRange;

namespace moe::io {
struct TraceData;
}

namespace moe::plots {

/// One cell of a heatmap as drawn: the steps its column stands for, the expert and the value
/// shown (the bin's mean or max).
struct HeatmapCell {
    int64_t stepFirst = 0;
    int64_t stepLast = 0;
    int64_t rows = 0;  ///< trace rows in the bin
    int expert = 0;
    double value = 0;  ///< NaN where nothing applies
};

/// An expert load heatmap for the app: the field and bin statistic can change after drawing,
/// the step axis zooms (mouse wheel) and pans (drag) while the expert axis stays put, and every
/// change of the visible steps re-bins the rows in view, so zooming into 100,000 steps ends at
/// one column per step. The columns follow the pixel width of the map, and the colour range
/// the values in view unless options.colorMax fixes it.
///
/// The view keeps a pointer to the trace data: the data must outlive it, or be replaced with
/// setData() first. It is a child of the plot and goes with it; plot.clear* and drawFigure
/// delete the plottables it draws on, so delete the view before redrawing the plot otherwise.
class HeatmapView : public QObject {
    Q_OBJECT

public:
    /// Draws the heatmap into `area`, an empty layout grid of `plot`, as addExpertLoadHeatmap.
    HeatmapView(QCustomPlot& plot, QCPLayoutGrid& area, const io::TraceData& data,
                const HeatmapOptions& options = {});

    const HeatmapParts& parts() const { return m_parts; }
    const HeatmapOptions& options() const { return m_options; }

    void setField(HeatmapField field);
    void setStatistic(BinStatistic statistic);
    /// Replaces the data (the same trace with more rows, while a run goes on). A view that
    /// showed the last step keeps showing it, a zoomed one keeps its steps.
    void setData(const io::TraceData& data);

    /// Turns on mouse zoom and pan along the steps (QCP::iRangeZoom | iRangeDrag on the plot;
    /// drag and zoom of the axis rect restricted to the step axis).
    void enableZoomAndPan();
    /// Shows every step again.
    void showAllSteps();

    /// The cell under `pixel` (widget coordinates), or nullopt outside the map.
    std::optional<HeatmapCell> cellAt(const QPointF& pixel) const;
    /// "steps 100-199 (100 rows, mean), expert 7: load share 0.0123".
    QString describe(const HeatmapCell& cell) const;

    /// Bins the rows in the visible step range again (called on every range change and when
    /// the map's width changes; public for callers that changed the range themselves).
    void rebin();

private:
    void stepRangeChanged(const QCPRange& range);
    void layoutChanged();
    void redraw();
    /// The steps of every row, with half a row of margin on each side.
    QCPRange fullStepRange() const;

    QCustomPlot& m_plot;
    const io::TraceData* m_data;
    HeatmapOptions m_options;
    HeatmapParts m_parts;
    Eigen::VectorXd m_rowScale;  ///< rowShareScale of the load, for LoadShare
    int m_binnedWidth = 0;       ///< pixel width of the map at the last binning
    bool m_settingRange = false;  ///< the view sets the step range itself: no re-binning
};

/// Shows the value under the mouse of a HeatmapView as a tool tip: step range, expert and
/// value. A child of the view, so it goes with it.
class HeatmapReadout : public QObject {
    Q_OBJECT

public:
    HeatmapReadout(QCustomPlot& plot, HeatmapView& view);

    /// The text shown for the mouse at `pixel`; empty outside the map.
    QString textAt(const QPointF& pixel) const;

private:
    QCustomPlot& m_plot;
    const HeatmapView& m_view;
};

}  // namespace moe::plots
