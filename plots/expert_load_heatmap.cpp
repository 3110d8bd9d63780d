// SPDX-License-Identifier: MIT
#include "plots/expert_load_heatmap.h"

#include "core/io/trace_reader.h"
#include "core/util/assert.h"
#include "plots/plot_panel.h"
#include "plots/series_style.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace moe::plots {

const Eigen::MatrixXd* heatmapValues(const io::TraceData& data, HeatmapField field) {
    const auto found = data.perExpert.find(heatmapDataset(field));
    if (found == data.perExpert.end() || found->second.rows() == 0 ||
        found->second.rows() != static_cast<Eigen::Index>(data.step.size()))
        return nullptr;
    return &found->second;
}

const char* heatmapDataset(HeatmapField field) {
    switch (field) {
        case HeatmapField::LoadShare:
            return "load";
        case HeatmapField::Demand:
            return "demand";
        case HeatmapField::Dropped:
            return "dropped";
    }
    MOELAB_ASSERT(false, "unknown heatmap field");
}

QString heatmapTitle(HeatmapField field) {
    switch (field) {
        case HeatmapField::LoadShare:
            return QStringLiteral("Expert load share");
        case HeatmapField::Demand:
            return QStringLiteral("Expert demand");
        case HeatmapField::Dropped:
            return QStringLiteral("Assignments dropped per expert");
    }
    MOELAB_ASSERT(false, "unknown heatmap field");
}

QString heatmapValueLabel(HeatmapField field) {
    switch (field) {
        case HeatmapField::LoadShare:
            return QStringLiteral("load share (load / step's total load)");
        case HeatmapField::Demand:
            return QStringLiteral("demand (assignments before capacity)");
        case HeatmapField::Dropped:
            return QStringLiteral("dropped (assignments)");
    }
    MOELAB_ASSERT(false, "unknown heatmap field");
}

HeatmapParts addExpertLoadHeatmap(QCustomPlot& plot, QCPLayoutGrid& area,
                                  const io::TraceData& data, const HeatmapOptions& options) {
    MOELAB_ASSERT(options.maxBins >= 1, "at least one column");
    const Panel panel = addPanel(
        plot, area, options.title.isEmpty() ? heatmapTitle(options.field) : options.title, false);
    HeatmapParts parts;
    parts.axes = panel.axes;
    parts.title = panel.title;
    QCPAxis& stepAxis = *panel.axes->axis(QCPAxis::atBottom);
    QCPAxis& expertAxis = *panel.axes->axis(QCPAxis::atLeft);
    expertAxis.setLabel(QStringLiteral("expert"));
    expertAxis.setTicker(expertTicker(data.nExperts));
    expertAxis.setRange(-0.5, data.nExperts - 0.5);
    expertAxis.grid()->setVisible(false);
    stepAxis.grid()->setVisible(false);
    setStepRange(stepAxis, data.step);

    // The colour scale sits in the legend row, above the map, so the map keeps the full width
    // and lines up with the line plot below it in a dashboard.
    parts.scale = new QCPColorScale(&plot);
    area.addElement(1, 0, parts.scale);
    parts.scale->setType(QCPAxis::atTop);
    parts.scale->setBarWidth(10);
    parts.scale->setGradient(heatmapGradient());
    parts.scale->axis()->setLabel(heatmapValueLabel(options.field));
    auto* columns = new QCPMarginGroup(&plot);
    panel.axes->setMarginGroup(QCP::msLeft | QCP::msRight, columns);
    parts.scale->setMarginGroup(QCP::msLeft | QCP::msRight, columns);

    if (heatmapValues(data, options.field) == nullptr) return parts;
    parts.map = new QCPColorMap(&stepAxis, &expertAxis);
    parts.map->setInterpolate(false);  // one flat cell per expert and bin, not a blur
    parts.map->setColorScale(parts.scale);
    fillExpertLoadHeatmap(parts, data, options, 0, static_cast<int64_t>(data.step.size()));
    // The whole run, edge cells included.
    const QCPRange keys = parts.map->data()->keyRange();
    const int nBins = parts.map->data()->keySize();
    const double halfBin = nBins > 1 ? keys.size() / (2.0 * (nBins - 1)) : 0.0;
    stepAxis.setRange(keys.lower - halfBin, keys.upper + halfBin);
    return parts;
}

QCPAxisRect* drawExpertLoadHeatmap(QCustomPlot& plot, QCPLayoutGrid& area,
                                   const io::TraceData& data, const HeatmapOptions& options) {
    return addExpertLoadHeatmap(plot, area, data, options).axes;
}

void fillExpertLoadHeatmap(HeatmapParts& parts, const io::TraceData& data,
                           const HeatmapOptions& options, int64_t firstRow, int64_t endRow,
                           const Eigen::VectorXd* rowScale) {
    const Eigen::MatrixXd* values = heatmapValues(data, options.field);
    if (parts.map == nullptr || values == nullptr || firstRow >= endRow) return;
    BinOptions binning;
    binning.maxBins = options.maxBins;
    binning.statistic = options.statistic;
    binning.rowShares = options.field == HeatmapField::LoadShare;
    binning.firstRow = firstRow;
    binning.endRow = endRow;
    binning.rowScale = rowScale;
    const StepBins bins = binSteps(*values, data.step, binning);
    const int nBins = static_cast<int>(bins.value.rows());
    const int nExperts = static_cast<int>(bins.value.cols());

    QCPColorMapData& cells = *parts.map->data();
    // With two or more cells along a dimension, its range gives the centres of the first and
    // last cell; a single cell fills the whole range instead, so give it a width of one.
    const double first = bins.centerStep.front();
    const double last = bins.centerStep.back();
    cells.setSize(nBins, nExperts);
    cells.setRange(nBins > 1 ? QCPRange(first, last) : QCPRange(first - 0.5, first + 0.5),
                   nExperts > 1 ? QCPRange(0, nExperts - 1) : QCPRange(-0.5, 0.5));
    double top = 0;
    for (int e = 0; e < nExperts; ++e) {
        const double* column = bins.value.col(e).data();
        for (int b = 0; b < nBins; ++b) {
            cells.setCell(b, e, column[b]);
            if (std::isfinite(column[b]) && column[b] > top) top = column[b];
        }
    }
    const double upper = options.colorMax.value_or(top);
    parts.scale->setDataRange(QCPRange(0, upper > 0 ? upper : 1));
    parts.binFirstRow = bins.firstRow;

    const double rowsPerBin = static_cast<double>(endRow - firstRow) / nBins;
    QCPAxis& stepAxis = *parts.axes->axis(QCPAxis::atBottom);
    if (rowsPerBin > 1)
        stepAxis.setLabel(QStringLiteral("step (each column: %1 of %2 rows)")
                              .arg(options.statistic == BinStatistic::Max
                                       ? QStringLiteral("max")
                                       : QStringLiteral("mean"))
                              .arg(rowsPerBin, 0, 'g', 3));
    else
        stepAxis.setLabel(QStringLiteral("step"));
}

double heatmapPeak(const io::TraceData& data, const HeatmapOptions& options) {
    const Eigen::MatrixXd* values = heatmapValues(data, options.field);
    if (values == nullptr) return 0;
    BinOptions binning;
    binning.maxBins = options.maxBins;
    binning.statistic = options.statistic;
    binning.rowShares = options.field == HeatmapField::LoadShare;
    const StepBins bins = binSteps(*values, data.step, binning);
    double top = 0;
    for (Eigen::Index i = 0; i < bins.value.size(); ++i)
        if (std::isfinite(bins.value.data()[i])) top = std::max(top, bins.value.data()[i]);
    return top;
}

}  // namespace moe::plots
