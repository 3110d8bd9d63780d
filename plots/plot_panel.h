// SPDX-License-Identifier: MIT
#pragma once

#include <QSharedPointer>
#include <QString>

#include <cstdint>
#include <string_view>
#include <vector>

// Forward declarations keep qcustomplot.h (about 5 s of compile time) out of every file that
// includes this one.
class QCustomPlot;
class QCPAxis;
class QCPAxisTicker;
class QPen;
class QCPAxisRect;
class QCPGraph;
class QCPLayoutGrid;
class QCPLegend;
class QCPTextElement;

namespace moe::io {
struct TraceData;
}

namespace moe::plots {

/// One plot of a figure: a title, a legend row and an axis rect whose x axis is the step,
/// stacked in a layout grid. The legend sits above the axes, not inside them, so it never hides
/// data.
struct Panel {
    QCPAxisRect* axes = nullptr;  ///< owned by the plot
    QCPLegend* legend = nullptr;  ///< owned by the plot; nullptr for a panel made without one
    QCPTextElement* title = nullptr;  ///< owned by the plot
    /// Most points a curve of this panel draws; 0 draws every row. See addCurve.
    int maxPoints = 0;
};

/// Points a curve draws when no figure width says otherwise: about the pixel width of a panel.
inline constexpr int kDefaultCurvePoints = 1000;

/// Points per curve for a panel `width` pixels wide (less its axis margins): about one per
/// two pixels of the axes.
int curvePointsFor(int width);

/// Heatmap columns for a panel `width` pixels wide: about one per pixel of the map (an image,
/// as cheap at one column per pixel as at fewer).
int heatmapColumnsFor(int width);

/// Fills `area`, an empty layout grid of `plot`, with a panel: the title in row 0, the legend
/// (if `withLegend`) in row 1 and the axes in row 2, with the x axis labelled "step". A panel
/// without a legend may put another key (a colour scale) in row 1. `maxPoints` bounds its
/// curves (Panel::maxPoints).
Panel addPanel(QCustomPlot& plot, QCPLayoutGrid& area, const QString& title, bool withLegend,
               int maxPoints = 0);

/// Adds a second legend below the legend of `panel` (which must have one), styled the same:
/// for a key of another kind (a comparison's metrics below its runs). Owned by the plot.
QCPLegend* addSecondLegend(const Panel& panel);

/// Adds a line of `values` against `step` on the panel's x axis and `valueAxis`, drawn with
/// `pen`, listed in the panel's legend as `name`. NaN values (a metric that does not apply)
/// leave gaps. When there are more rows than panel.maxPoints (> 0), the line is the mean of
/// bins of consecutive rows, one point per bin, over a light band from each bin's minimum to its
/// maximum (two unnamed graphs, kept out of the legend), and the step axis label says so: a
/// noisy metric of 100,000 steps then draws as fast as one of 1,000, and no spike is lost.
/// Returns the line. Precondition (asserted): step.size() == values.size().
QCPGraph* addCurve(QCustomPlot& plot, const Panel& panel, QCPAxis& valueAxis,
                   const std::vector<int64_t>& step, const std::vector<double>& values,
                   const QPen& pen, const QString& name);

/// addCurve in the colour of `dataset` (seriesColor), 1.5 pixels wide.
QCPGraph* addSeries(QCustomPlot& plot, const Panel& panel, QCPAxis& valueAxis,
                    const std::vector<int64_t>& step, const std::vector<double>& values,
                    std::string_view dataset, const QString& name);

/// Draws `graph` wide and light beneath the other lines of its plot, so that a line which often
/// coincides with another (token drops and drops at k = 1; seq_aux_loss and aux_loss when a
/// sequence is the whole batch) still shows around it.
void drawUnderneath(QCustomPlot& plot, QCPGraph& graph);

/// The per-step scalar `name` of `data`, or nullptr when the trace lacks it or its length
/// differs from data.step (an in-memory trace still being filled).
const std::vector<double>* findScalar(const io::TraceData& data, std::string_view name);

/// Integer ticks for an axis of expert indices: every expert up to 16 of them, beyond that
/// multiples such as 0, 16, 32 ...
QSharedPointer<QCPAxisTicker> expertTicker(int nExperts);

/// Sets the range of `axis` to the first and last step (a unit range when there are not two).
void setStepRange(QCPAxis& axis, const std::vector<int64_t>& step);

/// Fits `axis` to the finite values of the graphs drawn against it, with a margin so no line
/// runs along the frame. `fromZero` keeps 0 in range (fractions and counts). A logarithmic
/// axis is fitted to the positive values.
void fitValueAxis(QCPAxis& axis, bool fromZero);

}  // namespace moe::plots
