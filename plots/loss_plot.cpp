// SPDX-License-Identifier: MIT
#include "plots/loss_plot.h"

#include "core/io/trace_reader.h"
#include "plots/plot_panel.h"
#include "plots/trace_labels.h"

#include <qcustomplot.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

namespace moe::plots {
namespace {

/// A balancing loss dataset and its coefficient's key in the scenario's [loss] section.
struct BalancingLoss {
    const char* dataset;
    const char* coefficientKey;
};

constexpr std::array<BalancingLoss, 5> kBalancingLosses = {{
    {"aux_loss", "aux"},
    {"z_loss", "z"},
    {"importance_loss", "importance"},
    {"load_loss", "load"},
    {"seq_aux_loss", "seq_aux"},
}};

/// `values` with everything a log axis cannot show (<= 0) turned into gaps.
std::vector<double> positiveOnly(const std::vector<double>& values) {
    std::vector<double> result(values);
    for (double& v : result)
        if (!(v > 0)) v = std::numeric_limits<double>::quiet_NaN();
    return result;
}

}  // namespace

QCPAxisRect* drawLossPlot(QCustomPlot& plot, QCPLayoutGrid& area, const io::TraceData& data,
                          int maxPoints) {
    const Panel panel = addPanel(plot, area, QStringLiteral("Losses"), true,
                                 maxPoints);
    QCPAxis& loss = *panel.axes->axis(QCPAxis::atLeft);
    loss.setLabel(QStringLiteral("loss (log scale)"));
    loss.setScaleType(QCPAxis::stLogarithmic);
    loss.setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    loss.setNumberFormat(QStringLiteral("eb"));  // 10^n, not 1e+00
    loss.setNumberPrecision(0);

    if (const auto* values = findScalar(data, "task_loss"))
        addSeries(plot, panel, loss, data.step, positiveOnly(*values), "task_loss",
                  QStringLiteral("task_loss"));
    for (const BalancingLoss& balancing : kBalancingLosses) {
        const auto* values = findScalar(data, balancing.dataset);
        if (values == nullptr ||
            std::none_of(values->begin(), values->end(), [](double v) { return std::abs(v) > 0; }))
            continue;
        const std::string coefficient =
            scenarioValue(data.scenario, "loss", balancing.coefficientKey);
        QString name = QString::fromUtf8(balancing.dataset);
        if (!coefficient.empty())
            name += QStringLiteral(" (coef %1)").arg(QString::fromStdString(coefficient));
        QCPGraph* graph =
            addSeries(plot, panel, loss, data.step, positiveOnly(*values), balancing.dataset, name);
        // Dashed: measured but not trained on.
        if (coefficient == "0") {
            QPen pen = graph->pen();
            pen.setStyle(Qt::DashLine);
            graph->setPen(pen);
        }
        // seq_aux_loss equals aux_loss when a sequence is the whole batch (stream.seq_len = 0).
        if (balancing.dataset == std::string_view("aux_loss")) drawUnderneath(plot, *graph);
    }

    setStepRange(*panel.axes->axis(QCPAxis::atBottom), data.step);
    loss.setRange(0.1, 10);  // kept when no loss is positive: an empty decade, not a broken axis
    fitValueAxis(loss, false);
    return panel.axes;
}

}  // namespace moe::plots
