// SPDX-License-Identifier: MIT
#include "plots/series_style.h"

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

}  // namespace moe::plots
