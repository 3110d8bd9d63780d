// SPDX-License-Identifier: MIT
#include "plots/plot_panel.h"

#include "core/io/trace_reader.h"
#include "core/util/assert.h"
#include "plots/series_style.h"

#include <qcustomplot.h>

#include <algorithm>

namespace moe::plots {

Panel addPanel(QCustomPlot& plot, QCPLayoutGrid& area, const QString& title, bool withLegend) {
    QFont titleFont = plot.font();
    titleFont.setPointSizeF(10);
    titleFont.setBold(true);
    Panel panel;
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
        panel.legend->setLayer(QStringLiteral("legend"));
        // Three entries a row keep the legend narrower than a dashboard panel.
        panel.legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
        panel.legend->setWrap(3);
        panel.legend->setBorderPen(Qt::NoPen);
        panel.legend->setBrush(Qt::NoBrush);
        panel.legend->setMargins(QMargins(0, 0, 0, 0));
        panel.legend->setColumnSpacing(20);
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

QCPGraph* addSeries(QCustomPlot& plot, const Panel& panel, QCPAxis& valueAxis,
                    const std::vector<int64_t>& step, const std::vector<double>& values,
                    std::string_view dataset, const QString& name) {
    MOELAB_ASSERT(step.size() == values.size(), "one value per step");
    QVector<double> keys(static_cast<qsizetype>(step.size()));
    for (size_t i = 0; i < step.size(); ++i)
        keys[static_cast<qsizetype>(i)] = static_cast<double>(step[i]);
    const QVector<double> ys(values.begin(), values.end());

    QCPGraph* graph = plot.addGraph(panel.axes->axis(QCPAxis::atBottom), &valueAxis);
    graph->setData(keys, ys, true);
    graph->setName(name);
    graph->setPen(QPen(seriesColor(dataset), 1.5));
    if (panel.legend != nullptr) graph->addToLegend(panel.legend);
    return graph;
}

void drawUnderneath(QCustomPlot& plot, QCPGraph& graph) {
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
