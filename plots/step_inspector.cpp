// SPDX-License-Identifier: MIT
#include "plots/step_inspector.h"

#include "core/io/trace_reader.h"
#include "core/io/trace_writer.h"
#include "plots/plot_panel.h"
#include "plots/series_style.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace moe::plots {
namespace {

/// Row `row` of per-expert dataset `name` as bar heights, or nothing when the trace lacks it.
QVector<double> expertRow(const io::TraceData& data, const char* name, int64_t row) {
    const auto found = data.perExpert.find(name);
    if (found == data.perExpert.end() || found->second.rows() <= row) return {};
    QVector<double> values(data.nExperts);
    for (int e = 0; e < data.nExperts; ++e) values[e] = found->second(row, e);
    return values;
}

QCPBars* addBars(QCPAxisRect& axes, const QVector<double>& experts, const QVector<double>& values,
                 const QString& name, const QColor& fill) {
    auto* bars = new QCPBars(axes.axis(QCPAxis::atBottom), axes.axis(QCPAxis::atLeft));
    bars->setData(experts, values, true);
    bars->setName(name);
    bars->setWidth(0.8);
    bars->setPen(Qt::NoPen);
    bars->setBrush(fill);
    return bars;
}

void drawBars(QCustomPlot& plot, QCPLayoutGrid& area, const io::TraceData& data, int64_t row,
              int64_t step, QCPMarginGroup& expertColumns) {
    const int64_t rowStep = data.step[static_cast<size_t>(row)];
    QString title = QStringLiteral("Step %1: demand, kept and dropped assignments per expert")
                        .arg(rowStep);
    if (rowStep != step) title += QStringLiteral(" (the recorded step nearest %1)").arg(step);
    const Panel panel = addPanel(plot, area, title, true);
    QCPAxis& expertAxis = *panel.axes->axis(QCPAxis::atBottom);
    QCPAxis& countAxis = *panel.axes->axis(QCPAxis::atLeft);
    expertAxis.setLabel(QStringLiteral("expert"));
    expertAxis.setTicker(expertTicker(data.nExperts));
    expertAxis.grid()->setVisible(false);
    expertAxis.setRange(-0.5, data.nExperts - 0.5);
    countAxis.setLabel(QStringLiteral("assignments"));
    panel.axes->setMarginGroup(QCP::msLeft | QCP::msRight, &expertColumns);

    QVector<double> experts(data.nExperts);
    for (int e = 0; e < data.nExperts; ++e) experts[e] = e;
    const QVector<double> load = expertRow(data, "load", row);
    const QVector<double> dropped = expertRow(data, "dropped", row);
    const QVector<double> demand = expertRow(data, "demand", row);
    double top = 0;
    for (const QVector<double>* values : {&load, &dropped, &demand})
        for (const double v : *values)
            if (std::isfinite(v)) top = std::max(top, v);

    QCPBars* kept = nullptr;
    if (!load.isEmpty()) {
        kept = addBars(*panel.axes, experts, load, QStringLiteral("kept (load)"),
                       QColor("#4e79a7"));
        kept->addToLegend(panel.legend);
    }
    if (!dropped.isEmpty()) {
        QCPBars* lost = addBars(*panel.axes, experts, dropped, QStringLiteral("dropped"),
                                seriesColor("drop_fraction"));
        if (kept != nullptr) lost->moveAbove(kept);
        lost->addToLegend(panel.legend);
    }
    if (!demand.isEmpty()) {
        // An outline on top of the stack: demand = kept + dropped, visible also where nothing
        // was dropped and for routers that record demand only.
        QCPBars* outline = addBars(*panel.axes, experts, demand,
                                   QStringLiteral("demand (before capacity)"), Qt::transparent);
        outline->setBrush(Qt::NoBrush);
        outline->setPen(QPen(QColor(40, 40, 40), 1));
        outline->addToLegend(panel.legend);
    }

    if (const std::vector<double>* capacity = findScalar(data, "capacity")) {
        const double c = (*capacity)[static_cast<size_t>(row)];
        QCPGraph* line = plot.addGraph(&expertAxis, &countAxis);
        line->setPen(QPen(QColor(20, 20, 20), 1.5, Qt::DashLine));
        if (c >= 0) {
            line->setData({-0.5, data.nExperts - 0.5}, {c, c});
            line->setName(QStringLiteral("capacity C = %1").arg(c, 0, 'g', 10));
            top = std::max(top, c);
        } else {
            line->setName(QStringLiteral("no capacity limit"));
        }
        line->addToLegend(panel.legend);
    }
    countAxis.setRange(0, top > 0 ? top * 1.08 : 1);
}

void drawDomainMatrix(QCustomPlot& plot, QCPLayoutGrid& area, const io::TraceData& data,
                      const io::TraceSnapshot& snapshot, DomainCount count,
                      QCPMarginGroup& experts) {
    const Eigen::MatrixXd counts = domainExpertCounts(snapshot, data.nExperts, count);
    const bool firstChoice = count == DomainCount::FirstChoice;
    const Panel panel = addPanel(
        plot, area,
        QStringLiteral("Snapshot of step %1: %2")
            .arg(snapshot.step)
            .arg(firstChoice ? QStringLiteral("tokens by domain and first-choice expert")
                             : QStringLiteral("kept assignments by domain and expert")),
        false);
    QCPAxis& expertAxis = *panel.axes->axis(QCPAxis::atBottom);
    QCPAxis& domainAxis = *panel.axes->axis(QCPAxis::atLeft);
    expertAxis.setLabel(QStringLiteral("expert"));
    expertAxis.setTicker(expertTicker(data.nExperts));
    expertAxis.setRange(-0.5, data.nExperts - 0.5);
    domainAxis.setLabel(QStringLiteral("domain"));
    const auto domains = static_cast<int>(counts.rows());
    domainAxis.setTicker(expertTicker(domains));
    domainAxis.setRange(-0.5, domains - 0.5);
    domainAxis.setRangeReversed(true);  // domain 0 on top, as in a table
    for (QCPAxis* axis : {&expertAxis, &domainAxis}) axis->grid()->setVisible(false);

    auto* scale = new QCPColorScale(&plot);
    area.addElement(1, 0, scale);
    scale->setType(QCPAxis::atTop);
    scale->setBarWidth(10);
    scale->setGradient(heatmapGradient());
    scale->axis()->setLabel(firstChoice ? QStringLiteral("tokens (first choice)")
                                        : QStringLiteral("kept assignments"));
    // The map, its colour scale and the bars above share their left and right margins, so an
    // expert sits at the same x in all three.
    panel.axes->setMarginGroup(QCP::msLeft | QCP::msRight, &experts);
    scale->setMarginGroup(QCP::msLeft | QCP::msRight, &experts);

    auto* map = new QCPColorMap(&expertAxis, &domainAxis);
    map->setInterpolate(false);
    map->setColorScale(scale);
    map->data()->setSize(data.nExperts, domains);
    map->data()->setRange(
        data.nExperts > 1 ? QCPRange(0, data.nExperts - 1) : QCPRange(-0.5, 0.5),
        domains > 1 ? QCPRange(0, domains - 1) : QCPRange(-0.5, 0.5));
    for (int d = 0; d < domains; ++d)
        for (int e = 0; e < data.nExperts; ++e) map->data()->setCell(e, d, counts(d, e));
    scale->setDataRange(QCPRange(0, std::max(counts.maxCoeff(), 1.0)));
}

}  // namespace

int64_t nearestRow(const std::vector<int64_t>& step, int64_t target) {
    if (step.empty()) return -1;
    const auto after = std::lower_bound(step.begin(), step.end(), target);
    if (after == step.begin()) return 0;
    if (after == step.end()) return static_cast<int64_t>(step.size()) - 1;
    const auto before = std::prev(after);
    return static_cast<int64_t>((*after - target < target - *before ? after : before) -
                                step.begin());
}

Eigen::MatrixXd domainExpertCounts(const io::TraceSnapshot& snapshot, int nExperts,
                                   DomainCount count) {
    if (snapshot.domain.empty() || snapshot.nTokens <= 0) return Eigen::MatrixXd(0, nExperts);
    const auto tokens = std::min<size_t>(snapshot.domain.size(), size_t(snapshot.nTokens));
    const size_t columns = snapshot.choice.size() / size_t(snapshot.nTokens);
    const int domains = *std::max_element(snapshot.domain.begin(), snapshot.domain.end()) + 1;
    Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(std::max(domains, 0), nExperts);
    for (size_t t = 0; t < tokens; ++t) {
        const int domain = snapshot.domain[t];
        if (domain < 0) continue;
        const size_t used = count == DomainCount::FirstChoice ? std::min<size_t>(columns, 1)
                                                              : columns;
        for (size_t c = 0; c < used; ++c) {
            const size_t at = t * columns + c;
            const int expert = snapshot.choice[at];
            if (expert < 0 || expert >= nExperts) continue;
            if (count == DomainCount::KeptAssignments &&
                (at >= snapshot.kept.size() || snapshot.kept[at] == 0))
                continue;
            counts(domain, expert) += 1;
        }
    }
    return counts;
}

int64_t drawStepInspector(QCustomPlot& plot, const io::TraceData& data, int64_t step,
                          const io::TraceSnapshot* snapshot, const StepInspectorOptions& options) {
    plot.clearPlottables();
    plot.clearItems();
    plot.plotLayout()->clear();
    plot.setAutoAddPlottableToLegend(false);
    QCPLayoutGrid& layout = *plot.plotLayout();
    const int64_t row = nearestRow(data.step, step);
    if (row < 0 || data.nExperts < 1) {
        layout.addElement(0, 0,
                          new QCPTextElement(&plot, QStringLiteral("The trace holds no steps yet")));
        return -1;
    }
    auto* experts = new QCPMarginGroup(&plot);
    auto* bars = new QCPLayoutGrid;
    layout.addElement(0, 0, bars);
    drawBars(plot, *bars, data, row, step, *experts);
    const bool withMatrix = snapshot != nullptr && !snapshot->domain.empty();
    if (withMatrix) {
        auto* matrix = new QCPLayoutGrid;
        layout.addElement(1, 0, matrix);
        drawDomainMatrix(plot, *matrix, data, *snapshot, options.domainCount, *experts);
        layout.setRowSpacing(20);
    } else if (snapshot != nullptr) {
        layout.addElement(1, 0,
                          new QCPTextElement(&plot, QStringLiteral("The snapshot of step %1 has "
                                                                   "no domain labels")
                                                        .arg(snapshot->step)));
        layout.setRowStretchFactors({1.0, 0.001});
    }
    return row;
}

}  // namespace moe::plots
