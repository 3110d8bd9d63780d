// SPDX-License-Identifier: MIT
#include "plots/comparison.h"

#include "core/io/trace_reader.h"
#include "plots/expert_load_heatmap.h"
#include "plots/plot_panel.h"
#include "plots/series_style.h"

#include <qcustomplot.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string_view>

namespace moe::plots {
namespace {

/// One metric of a compared panel.
struct Metric {
    std::string_view dataset;
    const char* label;
    bool rightAxis = false;
    bool perExpert = false;  ///< divided by E (dead_experts: the share of experts)
};

constexpr std::array<Metric, 2> kDropMetrics = {{
    {"drop_fraction", "drop_fraction"},
    {"token_drop_fraction", "token_drop_fraction"},
}};

constexpr std::array<Metric, 5> kCollapseMetrics = {{
    {"load_entropy", "load_entropy"},
    {"router_entropy", "router_entropy"},
    {"dead_experts", "dead_experts / E", false, true},
    {"load_cv", "load_cv (right)", true},
    {"max_over_mean", "max_over_mean (right)", true},
}};

constexpr std::array<Metric, 6> kLossMetrics = {{
    {"task_loss", "task_loss"},
    {"aux_loss", "aux_loss"},
    {"z_loss", "z_loss"},
    {"importance_loss", "importance_loss"},
    {"load_loss", "load_loss"},
    {"seq_aux_loss", "seq_aux_loss"},
}};

enum class CurvePanel { Drops, Collapse, Loss };

/// The values of `metric` in `data` as drawn, or nothing when the trace lacks it.
std::vector<double> metricValues(const io::TraceData& data, const Metric& metric, bool positive) {
    const std::vector<double>* found = findScalar(data, metric.dataset);
    if (found == nullptr) return {};
    std::vector<double> values(*found);
    for (double& v : values) {
        if (metric.perExpert) v /= std::max(data.nExperts, 1);
        // A log axis has no place for 0 or less: a gap.
        if (positive && !(v > 0)) v = std::numeric_limits<double>::quiet_NaN();
    }
    return values;
}

bool anyNonZero(const std::vector<double>* values) {
    return values != nullptr &&
           std::any_of(values->begin(), values->end(), [](double v) { return std::abs(v) > 0; });
}

/// An entry of `legend` with no data: `name` drawn with `pen`.
void addKey(QCustomPlot& plot, const Panel& panel, QCPLegend& legend, const QPen& pen,
            const QString& name) {
    QCPGraph* key = plot.addGraph(panel.axes->axis(QCPAxis::atBottom),
                                  panel.axes->axis(QCPAxis::atLeft));
    key->setName(name);  // no data: exportCsv skips it
    key->setPen(pen);
    key->addToLegend(&legend);
}

QCPAxisRect* drawCurvePanel(QCustomPlot& plot, QCPLayoutGrid& area,
                            const std::vector<RunSeries>& runs, CurvePanel which, int width) {
    static const char* const kTitles[] = {"Dropped by capacity", "Load balance and collapse",
                                          "Losses"};
    const Panel panel = addPanel(plot, area, QString::fromUtf8(kTitles[static_cast<int>(which)]),
                                 true, curvePointsFor(width));
    QCPAxis& left = *panel.axes->axis(QCPAxis::atLeft);
    QCPAxis& right = *panel.axes->axis(QCPAxis::atRight);
    std::vector<Metric> metrics;
    switch (which) {
        case CurvePanel::Drops:
            metrics.assign(kDropMetrics.begin(), kDropMetrics.end());
            left.setLabel(QStringLiteral("fraction"));
            break;
        case CurvePanel::Collapse:
            metrics.assign(kCollapseMetrics.begin(), kCollapseMetrics.end());
            left.setLabel(QStringLiteral("fraction (0 to 1)"));
            right.setLabel(QStringLiteral("ratio to mean demand"));
            right.setVisible(true);
            break;
        case CurvePanel::Loss:
            // A balancing loss that is 0 in every run does not apply to any of them.
            for (const Metric& metric : kLossMetrics) {
                const bool used = metric.dataset == "task_loss" ||
                                  std::any_of(runs.begin(), runs.end(), [&](const RunSeries& run) {
                                      return run.data != nullptr &&
                                             anyNonZero(findScalar(*run.data, metric.dataset));
                                  });
                if (used) metrics.push_back(metric);
            }
            left.setLabel(QStringLiteral("loss (log scale)"));
            left.setScaleType(QCPAxis::stLogarithmic);
            left.setTicker(QSharedPointer<QCPAxisTickerLog>::create());
            left.setNumberFormat(QStringLiteral("eb"));
            left.setNumberPrecision(0);
            break;
    }

    // The legend names the runs by colour; a second one below it the metrics by line style.
    for (size_t i = 0; i < runs.size(); ++i)
        addKey(plot, panel, *panel.legend, QPen(runColor(static_cast<int>(i)), 2.5),
               runs[i].label);
    if (metrics.size() > 1) {
        QCPLegend& styles = *addSecondLegend(panel);
        for (const Metric& metric : metrics)
            addKey(plot, panel, styles,
                   QPen(QColor(90, 90, 90), 1.5, comparisonLineStyle(metric.dataset)),
                   QString::fromUtf8(metric.label));
    }

    Panel curves = panel;
    curves.legend = nullptr;  // the keys above stand for them
    const bool positive = which == CurvePanel::Loss;
    std::vector<int64_t> ends;
    for (size_t i = 0; i < runs.size(); ++i) {
        if (runs[i].data == nullptr) continue;
        const io::TraceData& data = *runs[i].data;
        if (!data.step.empty()) {
            ends.push_back(data.step.front());
            ends.push_back(data.step.back());
        }
        for (const Metric& metric : metrics) {
            const std::vector<double> values = metricValues(data, metric, positive);
            if (values.empty()) continue;
            addCurve(plot, curves, metric.rightAxis ? right : left, data.step, values,
                     QPen(runColor(static_cast<int>(i)), 1.5, comparisonLineStyle(metric.dataset)),
                     runs[i].label + QStringLiteral(": ") + QString::fromUtf8(metric.label));
        }
    }
    std::sort(ends.begin(), ends.end());
    setStepRange(*panel.axes->axis(QCPAxis::atBottom),
                 ends.empty() ? std::vector<int64_t>{} : std::vector<int64_t>{ends.front(), ends.back()});
    switch (which) {
        case CurvePanel::Drops:
            left.setRange(0, 0.1);
            fitValueAxis(left, true);
            break;
        case CurvePanel::Collapse:
            left.setRange(-0.02, 1.05);
            fitValueAxis(right, true);
            break;
        case CurvePanel::Loss:
            left.setRange(0.1, 10);
            fitValueAxis(left, false);
            break;
    }
    return panel.axes;
}

/// The heatmaps of every run in `area`, at most three a row, on one colour range.
void drawHeatmaps(QCustomPlot& plot, QCPLayoutGrid& area, const std::vector<RunSeries>& runs,
                  int width) {
    const int count = static_cast<int>(runs.size());
    const int columns = std::min(count, 3);
    HeatmapOptions options;
    options.maxBins = heatmapColumnsFor(width / std::max(columns, 1));
    double peak = 0;
    for (const RunSeries& run : runs)
        if (run.data != nullptr) peak = std::max(peak, heatmapPeak(*run.data, options));
    options.colorMax = peak > 0 ? peak : 1.0;
    area.setColumnSpacing(30);
    area.setRowSpacing(20);
    for (int i = 0; i < count; ++i) {
        if (runs[static_cast<size_t>(i)].data == nullptr) continue;
        auto* cell = new QCPLayoutGrid;
        area.addElement(i / columns, i % columns, cell);
        options.title = QStringLiteral("%1: expert load share").arg(runs[static_cast<size_t>(i)].label);
        addExpertLoadHeatmap(plot, *cell, *runs[static_cast<size_t>(i)].data, options);
    }
}

QString comparisonTitle(const std::vector<RunSeries>& runs) {
    QStringList labels;
    for (const RunSeries& run : runs)
        if (run.data != nullptr) labels << run.label;
    return QStringLiteral("Comparison of %1 runs: %2").arg(labels.size()).arg(labels.join(", "));
}

}  // namespace

void drawComparison(QCustomPlot& plot, const std::vector<RunSeries>& runs, FigureKind kind,
                    int width) {
    plot.clearPlottables();
    plot.clearItems();
    plot.plotLayout()->clear();
    plot.setAutoAddPlottableToLegend(false);
    QFont titleFont = plot.font();
    titleFont.setPointSizeF(12);
    titleFont.setBold(true);
    QCPLayoutGrid& layout = *plot.plotLayout();
    layout.addElement(0, 0, new QCPTextElement(&plot, comparisonTitle(runs), titleFont));
    auto* body = new QCPLayoutGrid;
    layout.addElement(1, 0, body);
    layout.setRowStretchFactors({0.001, 1.0});

    const auto curvePanel = [&](QCPLayoutGrid& area, CurvePanel which, int panelWidth) {
        return drawCurvePanel(plot, area, runs, which, panelWidth);
    };
    switch (kind) {
        case FigureKind::Load:
            drawHeatmaps(plot, *body, runs, width);
            break;
        case FigureKind::Drops:
            curvePanel(*body, CurvePanel::Drops, width);
            break;
        case FigureKind::Collapse:
            curvePanel(*body, CurvePanel::Collapse, width);
            break;
        case FigureKind::Loss:
            curvePanel(*body, CurvePanel::Loss, width);
            break;
        case FigureKind::All: {
            auto* maps = new QCPLayoutGrid;
            auto* lines = new QCPLayoutGrid;
            body->addElement(0, 0, maps);
            body->addElement(1, 0, lines);
            body->setRowSpacing(20);
            drawHeatmaps(plot, *maps, runs, width);
            lines->setColumnSpacing(30);
            const CurvePanel order[] = {CurvePanel::Drops, CurvePanel::Collapse, CurvePanel::Loss};
            for (int i = 0; i < 3; ++i) {
                auto* cell = new QCPLayoutGrid;
                lines->addElement(0, i, cell);
                curvePanel(*cell, order[i], width / 3);
            }
            break;
        }
    }
}

FigureSize defaultComparisonSize(FigureKind kind, int runs) {
    const int rows = (std::max(runs, 1) + 2) / 3;
    switch (kind) {
        case FigureKind::Load:
            return {1600, 100 + 450 * rows};
        case FigureKind::All:
            return {1800, 600 + 400 * rows};
        case FigureKind::Drops:
        case FigureKind::Collapse:
        case FigureKind::Loss:
            break;
    }
    return {1200, 650};
}

}  // namespace moe::plots
