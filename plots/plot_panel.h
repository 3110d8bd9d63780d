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
};

/// Fills `area`, an empty layout grid of `plot`, with a panel: the title in row 0, the legend
/// (if `withLegend`) in row 1 and the axes in row 2, with the x axis labelled "step". A panel
/// without a legend may put another key (a colour scale) in row 1.
Panel addPanel(QCustomPlot& plot, QCPLayoutGrid& area, const QString& title, bool withLegend);

/// Adds a line of `values` against `step` on the panel's x axis and `valueAxis`, in the colour
/// of `dataset` (seriesColor), listed in the panel's legend as `name`. NaN values (a metric that
/// does not apply) leave gaps. Precondition (asserted): step.size() == values.size().
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
