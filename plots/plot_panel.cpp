// SPDX-License-Identifier: MIT
#include "plots/plot_panel.h"

#include "core/io/trace_reader.h"
#include "core/util/assert.h"
#include "plots/series_style.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace moe::plots {

int curvePointsFor(int width) {
    // One point per two pixels of the axes: a noisy metric binned to one per pixel still makes
    // a line of tall segments, each of which QPainter fills span by span.
    return std::max(100, (width - 150) / 2);
}

namespace {

void styleLegend(QCPLegend& legend) {
    legend.setLayer(QStringLiteral("legend"));
    // Three entries a row keep the legend narrower than a dashboard panel.
    legend.setFillOrder(QCPLayoutGrid::foColumnsFirst);
    legend.setWrap(3);
    legend.setBorderPen(Qt::NoPen);
    legend.setBrush(Qt::NoBrush);
    legend.setMargins(QMargins(0, 0, 0, 0));
    legend.setColumnSpacing(20);
}

}  // namespace

int heatmapColumnsFor(int width) {
    return std::max(1, width - 120);
}

Panel addPanel(QCustomPlot& plot, QCPLayoutGrid& area, const QString& title, bool withLegend,
               int maxPoints) {
    QFont titleFont = plot.font();
    titleFont.setPointSizeF(10);
    titleFont.setBold(true);
    Panel panel;
    panel.maxPoints = maxPoints;
    panel.title = new QCPTextElement(&plot, title, titleFont);
    area.addElement(0, 0, panel.title);
    if (withLegend) {
        // Centred between two empty stretching cells: alone in the row, the legend would spread
        // its entries over the whole width.
        auto* row = new QCPLayoutGrid;
        area.addElement(1, 0, row);
        panel.legend = new QCPLegend;
        row->addElement(0, 0, new QCPLayoutElement(&plot));
        row->addElement(0, 1, panel.legend);
        row->addElement(0, 2, new QCPLayoutElement(&plot));
        row->setColumnStretchFactors({1.0, 0.001, 1.0});
        styleLegend(*panel.legend);
    }
    panel.axes = new QCPAxisRect(&plot);
    area.addElement(2, 0, panel.axes);
    // Title and legend take their natural height; the axes take the rest.
    area.setRowStretchFactors({0.001, 0.001, 1.0});
    area.setRowSpacing(2);

    panel.axes->axis(QCPAxis::atBottom)->setLabel(QStringLiteral("step"));
    for (QCPAxis* axis : panel.axes->axes()) {
        // Plain grid lines, not the default dotted ones, which alias badly in a PNG.
        axis->grid()->setPen(QPen(QColor(225, 225, 225), 0));
    }
    return panel;
}

namespace {

/// One curve reduced to bins of consecutive rows: mean, minimum and maximum of the finite
/// values of each bin against the bin's mean step; NaN where a bin has none.
struct CurveBins {
    QVector<double> key, mean, low, high;
    double rowsPerBin = 1;
};

CurveBins binCurve(const std::vector<int64_t>& step, const std::vector<double>& values,
                   int64_t bins) {
    const auto rows = static_cast<int64_t>(step.size());
    CurveBins result;
    result.rowsPerBin = static_cast<double>(rows) / static_cast<double>(bins);
    for (int64_t b = 0; b < bins; ++b) {
        const int64_t first = b * rows / bins;
        const int64_t end = (b + 1) * rows / bins;
        double keySum = 0, sum = 0;
        double low = std::numeric_limits<double>::infinity();
        double high = -low;
        int64_t count = 0;
        for (int64_t r = first; r < end; ++r) {
            keySum += static_cast<double>(step[static_cast<size_t>(r)]);
            const double v = values[static_cast<size_t>(r)];
            if (!std::isfinite(v)) continue;
            sum += v;
            low = std::min(low, v);
            high = std::max(high, v);
            ++count;
        }
        const double nan = std::numeric_limits<double>::quiet_NaN();
        result.key.push_back(keySum / static_cast<double>(end - first));
        result.mean.push_back(count > 0 ? sum / static_cast<double>(count) : nan);
        result.low.push_back(count > 0 ? low : nan);
        result.high.push_back(count > 0 ? high : nan);
    }
    return result;
}

}  // namespace

QCPGraph* addCurve(QCustomPlot& plot, const Panel& panel, QCPAxis& valueAxis,
                   const std::vector<int64_t>& step, const std::vector<double>& values,
                   const QPen& pen, const QString& name) {
    MOELAB_ASSERT(step.size() == values.size(), "one value per step");
    QCPAxis* stepAxis = panel.axes->axis(QCPAxis::atBottom);
    QCPGraph* graph = plot.addGraph(stepAxis, &valueAxis);
    graph->setName(name);
    graph->setPen(pen);
    if (panel.legend != nullptr) graph->addToLegend(panel.legend);
    if (panel.maxPoints <= 0 || static_cast<int64_t>(step.size()) <= panel.maxPoints) {
        QVector<double> keys(static_cast<qsizetype>(step.size()));
        for (size_t i = 0; i < step.size(); ++i)
            keys[static_cast<qsizetype>(i)] = static_cast<double>(step[i]);
        graph->setData(keys, QVector<double>(values.begin(), values.end()), true);
        return graph;
    }
    const CurveBins bins = binCurve(step, values, panel.maxPoints);
    graph->setData(bins.key, bins.mean, true);
    // The band: the maximum graph filled down to the minimum graph, beneath every line.
    QColor fill = pen.color();
    fill.setAlpha(45);
    QCPGraph* low = plot.addGraph(stepAxis, &valueAxis);
    QCPGraph* high = plot.addGraph(stepAxis, &valueAxis);
    low->setData(bins.key, bins.low, true);
    high->setData(bins.key, bins.high, true);
    for (QCPGraph* edge : {low, high}) {
        edge->setName(QString());  // not "Graph n": unnamed graphs are not curves (CSV export)
        edge->setPen(Qt::NoPen);
        edge->setLayer(QStringLiteral("background"));
    }
    high->setBrush(fill);
    high->setChannelFillGraph(low);
    stepAxis->setLabel(QStringLiteral("step (curves: mean of %1 rows per point, band: their "
                                      "min to max)")
                           .arg(bins.rowsPerBin, 0, 'g', 3));
    return graph;
}

QCPGraph* addSeries(QCustomPlot& plot, const Panel& panel, QCPAxis& valueAxis,
                    const std::vector<int64_t>& step, const std::vector<double>& values,
                    std::string_view dataset, const QString& name) {
    return addCurve(plot, panel, valueAxis, step, values, QPen(seriesColor(dataset), 1.5), name);
}

void drawUnderneath(QCustomPlot& plot, QCPGraph& graph) {
    // A wide translucent pen on a noisy line makes QPainter stroke one self-intersecting path,
    // which took minutes for 10,000 steps; drawn segment by segment it takes milliseconds.
    plot.setPlottingHint(QCP::phFastPolylines, true);
    const QString underlay = QStringLiteral("underlay");
    if (plot.layer(underlay) == nullptr)
        plot.addLayer(underlay, plot.layer(QStringLiteral("main")), QCustomPlot::limBelow);
    graph.setLayer(underlay);
    QPen pen = graph.pen();
    QColor color = pen.color();
    color.setAlpha(120);
    pen.setColor(color);
    pen.setWidthF(4);
    graph.setPen(pen);
}

const std::vector<double>* findScalar(const io::TraceData& data, std::string_view name) {
    const auto found = data.scalars.find(std::string(name));
    if (found == data.scalars.end() || found->second.size() != data.step.size()) return nullptr;
    return &found->second;
}

QCPLegend* addSecondLegend(const Panel& panel) {
    MOELAB_ASSERT(panel.legend != nullptr, "a panel with a legend");
    auto* row = qobject_cast<QCPLayoutGrid*>(panel.legend->layout());
    MOELAB_ASSERT(row != nullptr, "the legend row of addPanel");
    auto* legend = new QCPLegend;
    row->addElement(1, 1, legend);
    styleLegend(*legend);
    return legend;
}

QSharedPointer<QCPAxisTicker> expertTicker(int nExperts) {
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    ticker->setTickCount(std::min(std::max(nExperts, 1), 16));
    return ticker;
}

void setStepRange(QCPAxis& axis, const std::vector<int64_t>& step) {
    if (step.size() < 2 || step.front() == step.back()) {
        const double at = step.empty() ? 0.0 : static_cast<double>(step.front());
        axis.setRange(at - 0.5, at + 0.5);
        return;
    }
    axis.setRange(static_cast<double>(step.front()), static_cast<double>(step.back()));
}

void fitValueAxis(QCPAxis& axis, bool fromZero) {
    bool found = false;
    QCPRange range;
    const QCP::SignDomain domain =
        axis.scaleType() == QCPAxis::stLogarithmic ? QCP::sdPositive : QCP::sdBoth;
    for (QCPGraph* graph : axis.graphs()) {
        bool graphFound = false;
        const QCPRange graphRange = graph->getValueRange(graphFound, domain);
        if (!graphFound) continue;
        range = found ? QCPRange(qMin(range.lower, graphRange.lower),
                                 qMax(range.upper, graphRange.upper))
                      : graphRange;
        found = true;
    }
    if (!found) return;
    if (axis.scaleType() == QCPAxis::stLogarithmic) {
        axis.setRange(range.lower / 1.5, range.upper * 1.5);
        return;
    }
    if (fromZero) range.lower = qMin(range.lower, 0.0);
    const double span = range.size() > 0 ? range.size() : qMax(qAbs(range.upper), 1.0);
    // A little room below 0 too, so a series that stays at 0 shows above the frame.
    axis.setRange(range.lower - (fromZero && range.lower >= 0 ? 0.02 : 0.05) * span,
                  range.upper + 0.08 * span);
}

}  // namespace moe::plots
