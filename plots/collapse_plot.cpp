// SPDX-License-Identifier: MIT
#include "plots/collapse_plot.h"

#include "core/io/trace_reader.h"
#include "plots/plot_panel.h"

#include <qcustomplot.h>

namespace moe::plots {

QCPAxisRect* drawCollapsePlot(QCustomPlot& plot, QCPLayoutGrid& area, const io::TraceData& data,
                          int maxPoints) {
    const Panel panel = addPanel(plot, area, QStringLiteral("Load balance and collapse"), true,
                                 maxPoints);
    QCPAxis& fraction = *panel.axes->axis(QCPAxis::atLeft);
    QCPAxis& ratio = *panel.axes->axis(QCPAxis::atRight);
    fraction.setLabel(QStringLiteral("fraction (0 to 1)"));
    ratio.setLabel(QStringLiteral("ratio to mean demand"));
    ratio.setVisible(true);

    if (const auto* values = findScalar(data, "load_entropy"))
        addSeries(plot, panel, fraction, data.step, *values, "load_entropy",
                  QStringLiteral("load_entropy"));
    if (const auto* values = findScalar(data, "router_entropy"))
        addSeries(plot, panel, fraction, data.step, *values, "router_entropy",
                  QStringLiteral("router_entropy"));
    if (const auto* values = findScalar(data, "dead_experts"); values && data.nExperts > 0) {
        std::vector<double> share(*values);
        for (double& v : share) v /= data.nExperts;
        addSeries(plot, panel, fraction, data.step, share, "dead_experts",
                  QStringLiteral("dead_experts / E"));
    }
    if (const auto* values = findScalar(data, "load_cv"))
        addSeries(plot, panel, ratio, data.step, *values, "load_cv",
                  QStringLiteral("load_cv (right)"));
    if (const auto* values = findScalar(data, "max_over_mean"))
        addSeries(plot, panel, ratio, data.step, *values, "max_over_mean",
                  QStringLiteral("max_over_mean (right)"));

    setStepRange(*panel.axes->axis(QCPAxis::atBottom), data.step);
    // Fixed, so runs compare at a glance: every left-axis series lies in [0, 1] by definition;
    // the room below 0 keeps a series at 0 (no dead experts) visible above the frame.
    fraction.setRange(-0.02, 1.05);
    fitValueAxis(ratio, true);
    return panel.axes;
}

}  // namespace moe::plots
