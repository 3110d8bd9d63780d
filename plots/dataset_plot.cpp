// SPDX-License-Identifier: MIT
#include "plots/dataset_plot.h"

#include "core/io/hdf5_catalog.h"
#include "plots/plot_panel.h"
#include "plots/series_style.h"
#include "plots/step_binning.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace moe::plots {
namespace {

QCPLayoutGrid& clearedLayout(QCustomPlot& plot) {
    plot.clearPlottables();
    plot.clearItems();
    plot.plotLayout()->clear();
    plot.setAutoAddPlottableToLegend(false);
    return *plot.plotLayout();
}

std::vector<int64_t> indices(int64_t count) {
    std::vector<int64_t> result(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) result[static_cast<size_t>(i)] = i;
    return result;
}

}  // namespace

void drawDatasetLine(QCustomPlot& plot, const std::vector<double>& values, const QString& title,
                     int width) {
    QCPLayoutGrid& layout = clearedLayout(plot);
    const Panel panel = addPanel(plot, layout, title, false, curvePointsFor(width));
    QCPAxis& index = *panel.axes->axis(QCPAxis::atBottom);
    QCPAxis& value = *panel.axes->axis(QCPAxis::atLeft);
    index.setLabel(QStringLiteral("index"));
    value.setLabel(QStringLiteral("value"));
    const std::vector<int64_t> keys = indices(static_cast<int64_t>(values.size()));
    addCurve(plot, panel, value, keys, values, QPen(runColor(0), 1.5), title);
    // addCurve names the binning on the x axis; keep "index" as the word for it.
    index.setLabel(index.label().replace(QStringLiteral("step"), QStringLiteral("index")));
    setStepRange(index, keys);
    fitValueAxis(value, false);
}

void drawDatasetHeatmap(QCustomPlot& plot, const Eigen::MatrixXd& values, const QString& title,
                        int width) {
    QCPLayoutGrid& layout = clearedLayout(plot);
    const Panel panel = addPanel(plot, layout, title, false);
    QCPAxis& rowAxis = *panel.axes->axis(QCPAxis::atBottom);
    QCPAxis& columnAxis = *panel.axes->axis(QCPAxis::atLeft);
    rowAxis.setLabel(QStringLiteral("row (dimension 0)"));
    columnAxis.setLabel(QStringLiteral("column (dimension 1)"));
    const auto columns = static_cast<int>(values.cols());
    columnAxis.setTicker(expertTicker(columns));
    for (QCPAxis* axis : {&rowAxis, &columnAxis}) axis->grid()->setVisible(false);

    auto* scale = new QCPColorScale(&plot);
    layout.addElement(1, 0, scale);
    scale->setType(QCPAxis::atTop);
    scale->setBarWidth(10);
    scale->setGradient(heatmapGradient());
    scale->axis()->setLabel(QStringLiteral("value"));
    auto* margins = new QCPMarginGroup(&plot);
    panel.axes->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    scale->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    if (values.rows() == 0 || columns == 0) return;

    const std::vector<int64_t> rows = indices(values.rows());
    BinOptions binning;
    binning.maxBins = heatmapColumnsFor(width);
    const StepBins bins = binSteps(values, rows, binning);
    const auto nBins = static_cast<int>(bins.value.rows());
    auto* map = new QCPColorMap(&rowAxis, &columnAxis);
    map->setInterpolate(false);
    map->setColorScale(scale);
    QCPColorMapData& cells = *map->data();
    cells.setSize(nBins, columns);
    const double first = bins.centerStep.front();
    const double last = bins.centerStep.back();
    cells.setRange(nBins > 1 ? QCPRange(first, last) : QCPRange(first - 0.5, first + 0.5),
                   columns > 1 ? QCPRange(0, columns - 1) : QCPRange(-0.5, 0.5));
    double low = std::numeric_limits<double>::infinity();
    double high = -low;
    for (int c = 0; c < columns; ++c)
        for (int b = 0; b < nBins; ++b) {
            const double v = bins.value(b, c);
            cells.setCell(b, c, v);
            if (!std::isfinite(v)) continue;
            low = std::min(low, v);
            high = std::max(high, v);
        }
    if (!(low <= high)) low = high = 0;
    if (low >= 0) low = 0;
    scale->setDataRange(QCPRange(low, high > low ? high : low + 1));
    const double halfBin = nBins > 1 ? (last - first) / (2.0 * (nBins - 1)) : 0.5;
    rowAxis.setRange(first - halfBin, last + halfBin);
    columnAxis.setRange(-0.5, columns - 0.5);
    if (values.rows() > nBins)
        rowAxis.setLabel(QStringLiteral("row (dimension 0; each column: mean of %1 rows)")
                             .arg(static_cast<double>(values.rows()) / nBins, 0, 'g', 3));
}

tl::expected<void, std::string> drawDataset(QCustomPlot& plot, const std::string& path,
                                            const io::Hdf5Node& node, int width) {
    const std::string& dataset = node.path;
    const QString title = QString::fromStdString(dataset);
    const size_t rank = node.shape.size();
    // What viewers label axes with (docs/trace-schema.md): long_name, then the units.
    QString label;
    for (const io::Hdf5Attribute& attribute : node.attributes)
        if (attribute.name == "long_name") label = QString::fromStdString(attribute.text);
    for (const io::Hdf5Attribute& attribute : node.attributes)
        if (attribute.name == "units" && !label.isEmpty())
            label += QStringLiteral(" [%1]").arg(QString::fromStdString(attribute.text));
    if (node.kind != io::Hdf5NodeKind::Dataset || (rank != 1 && rank != 2))
        return tl::make_unexpected(path + ": " + dataset +
                                   " is not a 1-D or 2-D dataset; only those can be plotted");
    if (rank == 1) {
        const auto values = io::readNumericVector(path, dataset);
        if (!values) return tl::make_unexpected(values.error());
        drawDatasetLine(plot, *values, title, width);
        if (!label.isEmpty()) plot.axisRect()->axis(QCPAxis::atLeft)->setLabel(label);
        return {};
    }
    const auto values = io::readNumericMatrix(path, dataset);
    if (!values) return tl::make_unexpected(values.error());
    drawDatasetHeatmap(plot, *values, title, width);
    if (!label.isEmpty()) {
        for (QCPLayoutElement* element : plot.plotLayout()->elements(true))
            if (auto* scale = qobject_cast<QCPColorScale*>(element)) scale->axis()->setLabel(label);
    }
    return {};
}

}  // namespace moe::plots
