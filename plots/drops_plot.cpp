// SPDX-License-Identifier: MIT
#include "plots/drops_plot.h"

#include "core/io/trace_reader.h"
#include "plots/plot_panel.h"

#include <qcustomplot.h>

namespace moe::plots {

QCPAxisRect* drawDropsPlot(QCustomPlot& plot, QCPLayoutGrid& area, const io::TraceData& data,
                          int maxPoints) {
    const Panel panel = addPanel(plot, area, QStringLiteral("Dropped by capacity"), true,
                                 maxPoints);
    QCPAxis& fraction = *panel.axes->axis(QCPAxis::atLeft);
    fraction.setLabel(QStringLiteral("fraction"));
    if (const auto* values = findScalar(data, "drop_fraction"))
        addSeries(plot, panel, fraction, data.step, *values, "drop_fraction",
                  QStringLiteral("drop_fraction (of T·k assignments)"));
    // At k = 1 both fractions are the same number.
    if (const auto* values = findScalar(data, "token_drop_fraction"))
        drawUnderneath(plot,
                       *addSeries(plot, panel, fraction, data.step, *values, "token_drop_fraction",
                                  QStringLiteral("token_drop_fraction (of T tokens)")));
    setStepRange(*panel.axes->axis(QCPAxis::atBottom), data.step);
    fraction.setRange(0, 0.1);  // kept when nothing was dropped: a flat line at 0, not a blank plot
    fitValueAxis(fraction, true);
    return panel.axes;
}

}  // namespace moe::plots
