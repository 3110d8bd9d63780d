// SPDX-License-Identifier: MIT
#include "plots/series_style.h"

#include <qcustomplot.h>

#include <array>
#include <utility>

namespace moe::plots {

QColor seriesColor(std::string_view dataset) {
    // Tableau 10 hues, darkened where a thin line on white would be hard to see; metrics that
    // share a panel never share a hue.
    static constexpr std::array<std::pair<std::string_view, const char*>, 13> kColors = {{
        {"drop_fraction", "#e15759"},
        {"token_drop_fraction", "#8c564b"},
        {"load_entropy", "#4e79a7"},
        {"router_entropy", "#17becf"},
        {"dead_experts", "#7f7f7f"},
        {"load_cv", "#59a14f"},
        {"max_over_mean", "#b07aa1"},
        {"task_loss", "#000000"},
        {"aux_loss", "#f28e2b"},
        {"z_loss", "#1f3b73"},
        {"importance_loss", "#d37295"},
        {"load_loss", "#499894"},
        {"seq_aux_loss", "#9467bd"},
    }};
    for (const auto& [name, color] : kColors)
        if (name == dataset) return QColor(color);
    return QColor("#bab0ac");
}

QColor runColor(int index) {
    // Tableau 10 in its own order: the first runs get the most distinct hues.
    static constexpr std::array<const char*, 10> kRuns = {"#4e79a7", "#f28e2b", "#59a14f",
                                                          "#e15759", "#b07aa1", "#76b7b2",
                                                          "#edc948", "#9c755f", "#ff9da7",
                                                          "#7f7f7f"};
    const auto n = static_cast<int>(kRuns.size());
    return QColor(kRuns[static_cast<size_t>(((index % n) + n) % n)]);
}

Qt::PenStyle comparisonLineStyle(std::string_view dataset) {
    static constexpr std::array<std::pair<std::string_view, Qt::PenStyle>, 9> kStyles = {{
        {"token_drop_fraction", Qt::DashLine},
        {"router_entropy", Qt::DashLine},
        {"dead_experts", Qt::DotLine},
        {"load_cv", Qt::DashDotLine},
        {"max_over_mean", Qt::DashDotDotLine},
        {"aux_loss", Qt::DashLine},
        {"z_loss", Qt::DotLine},
        {"importance_loss", Qt::DashDotLine},
        {"load_loss", Qt::DashDotDotLine},
    }};
    for (const auto& [name, style] : kStyles)
        if (name == dataset) return style;
    // drop_fraction, load_entropy, task_loss; seq_aux_loss shares the solid line with
    // task_loss but lies orders of magnitude away from it on the log axis.
    return Qt::SolidLine;
}

QCPColorGradient heatmapGradient() {
    // Viridis from five of its stops (QCustomPlot 2.1 has no gpViridis).
    QCPColorGradient gradient;
    gradient.setColorStops({{0.00, QColor("#440154")},
                            {0.25, QColor("#3b528b")},
                            {0.50, QColor("#21918c")},
                            {0.75, QColor("#5ec962")},
                            {1.00, QColor("#fde725")}});
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    return gradient;
}

}  // namespace moe::plots
