// SPDX-License-Identifier: MIT
#include "plots/figure.h"

#include "plots/collapse_plot.h"
#include "plots/drops_plot.h"
#include "plots/expert_load_heatmap.h"
#include "plots/loss_plot.h"
#include "plots/plot_panel.h"

#include <qcustomplot.h>

#include <algorithm>

namespace moe::plots {
namespace {

/// Columns of the heatmap for a plot area `width` pixels wide: about one per pixel of the map,
/// which is the area less the axis margins.
HeatmapOptions heatmapFor(int width) {
    HeatmapOptions options;
    options.maxBins = heatmapColumnsFor(width);
    return options;
}

void drawDashboard(QCustomPlot& plot, QCPLayoutGrid& body, const io::TraceData& data, int width) {
    const auto cell = [&](int row, int column) {
        auto* grid = new QCPLayoutGrid;
        body.addElement(row, column, grid);
        return grid;
    };
    QCPLayoutGrid* loadCell = cell(0, 0);
    QCPLayoutGrid* dropsCell = cell(1, 0);
    QCPLayoutGrid* collapseCell = cell(0, 1);
    QCPLayoutGrid* lossCell = cell(1, 1);
    body.setColumnSpacing(30);
    body.setRowSpacing(20);

    QCPAxisRect* load = drawExpertLoadHeatmap(plot, *loadCell, data, heatmapFor(width / 2));
    const int points = curvePointsFor(width / 2);
    QCPAxisRect* drops = drawDropsPlot(plot, *dropsCell, data, points);
    QCPAxisRect* collapse = drawCollapsePlot(plot, *collapseCell, data, points);
    QCPAxisRect* loss = drawLossPlot(plot, *lossCell, data, points);

    // Same left and right margins within a column, so a step sits at the same x in both plots.
    drops->setMarginGroup(QCP::msLeft | QCP::msRight, load->marginGroup(QCP::msLeft));
    auto* right = new QCPMarginGroup(&plot);
    collapse->setMarginGroup(QCP::msLeft | QCP::msRight, right);
    loss->setMarginGroup(QCP::msLeft | QCP::msRight, right);
}

}  // namespace

std::optional<FigureKind> parseFigureKind(std::string_view name) {
    if (name == "load") return FigureKind::Load;
    if (name == "drops") return FigureKind::Drops;
    if (name == "collapse") return FigureKind::Collapse;
    if (name == "loss") return FigureKind::Loss;
    if (name == "all") return FigureKind::All;
    return std::nullopt;
}

FigureSize defaultFigureSize(FigureKind kind) {
    switch (kind) {
        case FigureKind::All:
            return {1600, 1000};
        case FigureKind::Load:
            return {1200, 600};
        case FigureKind::Drops:
        case FigureKind::Collapse:
        case FigureKind::Loss:
            break;
    }
    return {1000, 500};
}

void drawFigure(QCustomPlot& plot, const io::TraceData& data, FigureKind kind,
                const std::string& title, int width) {
    plot.clearPlottables();
    plot.clearItems();
    plot.plotLayout()->clear();
    plot.setAutoAddPlottableToLegend(false);  // each panel has a legend of its own

    QFont titleFont = plot.font();
    titleFont.setPointSizeF(12);
    titleFont.setBold(true);
    QCPLayoutGrid& layout = *plot.plotLayout();
    layout.addElement(0, 0, new QCPTextElement(&plot, QString::fromStdString(title), titleFont));
    auto* body = new QCPLayoutGrid;
    layout.addElement(1, 0, body);
    layout.setRowStretchFactors({0.001, 1.0});

    switch (kind) {
        case FigureKind::Load:
            drawExpertLoadHeatmap(plot, *body, data, heatmapFor(width));
            break;
        case FigureKind::Drops:
            drawDropsPlot(plot, *body, data, curvePointsFor(width));
            break;
        case FigureKind::Collapse:
            drawCollapsePlot(plot, *body, data, curvePointsFor(width));
            break;
        case FigureKind::Loss:
            drawLossPlot(plot, *body, data, curvePointsFor(width));
            break;
        case FigureKind::All:
            drawDashboard(plot, *body, data, width);
            break;
    }
}

}  // namespace moe::plots
