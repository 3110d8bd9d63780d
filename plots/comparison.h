// SPDX-License-Identifier: MIT
#pragma once

#include "plots/figure.h"

#include <QString>

#include <vector>

class QCustomPlot;

namespace moe::io {
struct TraceData;
}

namespace moe::plots {

/// One run of a comparison: its trace data (not owned; must outlive the drawing call) and the
/// label the legend and titles name it by (a file name, a sweep point).
struct RunSeries {
    QString label;
    const io::TraceData* data = nullptr;
};

/// Clears `plot` and draws `kind` for several runs at once, under a title naming them:
/// - Drops, Collapse, Loss: every run's curves in one panel, as in the single-run figure (same
///   axes and units), run i in runColor(i) and each metric in its comparisonLineStyle; the
///   legend lists the runs (by colour) and then the metrics (by line style, in grey). Each
///   curve is named "<label>: <metric>" (exportCsv's column names).
/// - Load: one load share heatmap per run side by side (at most three a row), titled by the
///   run's label, all on one colour range (the largest value of any run).
/// - All: the heatmaps on top, the drops, collapse and loss panels below them.
/// `width` is the pixel width the figure will be shown or saved at (curves and heatmaps are
/// binned to it). Runs without data (nullptr) are skipped.
void drawComparison(QCustomPlot& plot, const std::vector<RunSeries>& runs, FigureKind kind,
                    int width);

/// The size in pixels at which a comparison of `runs` runs of `kind` reads well.
FigureSize defaultComparisonSize(FigureKind kind, int runs);

}  // namespace moe::plots
