// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

class QCustomPlot;

namespace moe::io {
struct TraceData;
}

namespace moe::plots {

/// The figures of a trace (`moelab plot --kind`).
enum class FigureKind {
    Load,      ///< expert load share heatmap
    Drops,     ///< drop fractions
    Collapse,  ///< entropies, imbalance ratios, dead experts
    Loss,      ///< task and balancing losses
    All,       ///< the dashboard: the four above in a 2 x 2 grid
};

/// "load" | "drops" | "collapse" | "loss" | "all", or nullopt for anything else.
std::optional<FigureKind> parseFigureKind(std::string_view name);

struct FigureSize {
    int width = 0;
    int height = 0;
};

/// The size in pixels at which a figure of `kind` reads well, used when none is asked for.
FigureSize defaultFigureSize(FigureKind kind);

/// Clears `plot` and draws `kind` from `data` under the one-line `title` (see figureTitle).
/// The dashboard puts the load heatmap over the drops (left) and the collapse indicators over
/// the losses (right), with the step axes of each column aligned. `width` is the pixel width the
/// figure will be shown or saved at: the heatmap draws at most one step column per pixel.
void drawFigure(QCustomPlot& plot, const io::TraceData& data, FigureKind kind,
                const std::string& title, int width);

}  // namespace moe::plots
