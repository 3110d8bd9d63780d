// SPDX-License-Identifier: MIT
#include "plots/expert_load_heatmap.h"

#include "core/io/trace_reader.h"
#include "core/util/assert.h"
#include "plots/plot_panel.h"
#include "plots/step_binning.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace moe::plots {
namespace {

/// Viridis from five of its stops (QCustomPlot 2.1 has no gpViridis): perceptually uniform and
/// readable in grey, unlike the default rainbow-like gradients.
QCPColorGradient viridis() {
    QCPColorGradient gradient;
    gradient.setColorStops({{0.00, QColor("#440154")},
                            {0.25, QColor("#3b528b")},
                            {0.50, QColor("#21918c")},
                            {0.75, QColor("#5ec962")},
                            {1.00, QColor("#fde725")}});
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    return gradient;
}

struct FieldText {
    const char* dataset;
    QString title;
    QString scaleLabel;
};

FieldText fieldText(HeatmapField field) {
    switch (field) {
        case HeatmapField::LoadShare:
            return {"load", QStringLiteral("Expert load share"),
                    QStringLiteral("load share (load / step's total load)")};
        case HeatmapField::Demand:
            return {"demand", QStringLiteral("Expert demand"),
                    QStringLiteral("demand (assignments before capacity)")};
        case HeatmapField::Dropped:
            return {"dropped", QStringLiteral("Assignments dropped per expert"),
                    QStringLiteral("dropped (assignments)")};
    }
    MOELAB_ASSERT(false, "unknown heatmap field");
}

}  // namespace

QCPAxisRect* drawExpertLoadHeatmap(QCustomPlot& plot, QCPLayoutGrid& area,
                                   const io::TraceData& data, const HeatmapOptions& options) {
    MOELAB_ASSERT(options.maxBins >= 1, "at least one column");
    const FieldText text = fieldText(options.field);
    const Panel panel = addPanel(plot, area, text.title, false);
    QCPAxis& stepAxis = *panel.axes->axis(QCPAxis::atBottom);
    QCPAxis& expertAxis = *panel.axes->axis(QCPAxis::atLeft);
    expertAxis.setLabel(QStringLiteral("expert"));
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1);
    // Every expert labelled up to 16 of them; beyond that multiples, such as 0, 16, 32 ...
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    ticker->setTickCount(std::min(std::max(data.nExperts, 1), 16));
    expertAxis.setTicker(ticker);
    expertAxis.setRange(-0.5, data.nExperts - 0.5);
    expertAxis.grid()->setVisible(false);
    stepAxis.grid()->setVisible(false);
    setStepRange(stepAxis, data.step);

    // The colour scale sits in the legend row, above the map, so the map keeps the full width
    // and lines up with the line plot below it in a dashboard.
    auto* scale = new QCPColorScale(&plot);
    area.addElement(1, 0, scale);
    scale->setType(QCPAxis::atTop);
    scale->setBarWidth(10);
    scale->setGradient(viridis());
    scale->axis()->setLabel(text.scaleLabel);
    auto* columns = new QCPMarginGroup(&plot);
    panel.axes->setMarginGroup(QCP::msLeft | QCP::msRight, columns);
    scale->setMarginGroup(QCP::msLeft | QCP::msRight, columns);

    const auto found = data.perExpert.find(text.dataset);
    if (found == data.perExpert.end() || found->second.rows() == 0 ||
        found->second.rows() != static_cast<Eigen::Index>(data.step.size()))
        return panel.axes;
    const StepBins bins = binSteps(found->second, data.step, options.maxBins,
                                   options.field == HeatmapField::LoadShare);
    const int nBins = static_cast<int>(bins.mean.rows());
    const int nExperts = static_cast<int>(bins.mean.cols());

    auto* map = new QCPColorMap(&stepAxis, &expertAxis);
    map->setInterpolate(false);  // one flat cell per expert and bin, not a blur
    map->setColorScale(scale);
    // With two or more cells along a dimension, its range gives the centres of the first and
    // last cell; a single cell fills the whole range instead, so give it a width of one.
    const double first = bins.centerStep.front();
    const double last = bins.centerStep.back();
    const double halfBin = nBins > 1 ? (last - first) / (2.0 * (nBins - 1)) : 0.5;
    map->data()->setSize(nBins, nExperts);
    map->data()->setRange(nBins > 1 ? QCPRange(first, last) : QCPRange(first - 0.5, first + 0.5),
                          nExperts > 1 ? QCPRange(0, nExperts - 1) : QCPRange(-0.5, 0.5));
    double top = 0;
    for (int b = 0; b < nBins; ++b) {
        for (int e = 0; e < nExperts; ++e) {
            const double v = bins.mean(b, e);
            map->data()->setCell(b, e, v);
            if (std::isfinite(v) && v > top) top = v;
        }
    }
    scale->setDataRange(QCPRange(0, top > 0 ? top : 1));
    stepAxis.setRange(first - halfBin, last + halfBin);
    const double rowsPerBin = static_cast<double>(data.step.size()) / nBins;
    if (rowsPerBin > 1)
        stepAxis.setLabel(
            QStringLiteral("step (each column: mean of %1 rows)").arg(rowsPerBin, 0, 'g', 3));
    return panel.axes;
}

}  // namespace moe::plots
