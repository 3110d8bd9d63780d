// SPDX-License-Identifier: MIT
// How long the plots take to redraw, offscreen, at the sizes the app shows them.
// Run: QT_QPA_PLATFORM=offscreen build/ci/bench/plots_bench
// - HeatmapReplot: replot of the 100,000 steps x 256 experts heatmap at 1200 x 600 (hover,
//   resize without new columns); the `replot_ms` counter is QCustomPlot::replotTime().
// - HeatmapFirstDraw: a new HeatmapView of that trace and its first replot: the load share of
//   every row binned to the map's width (twice: once at the default 1000 columns, once at the
//   pixel width after the layout), then drawn.
// - HeatmapPanReplot: pan by a tenth of the run and replot: re-binning 90,000 rows x 256
//   experts to one column per pixel, then drawing (what every mouse-drag step costs).
// - DashboardRedraw/rows/experts/noisy: drawFigure(All) from scratch plus a replot at
//   1600 x 1000, what a live view pays per update if it redraws the whole dashboard; noisy:1
//   is the worst case of white-noise metrics.
#include <benchmark/benchmark.h>

#include "core/io/trace_reader.h"
#include "plots/figure.h"
#include "plots/heatmap_view.h"

#include <QApplication>
#include <qcustomplot.h>

#include <cmath>
#include <random>

namespace moe::plots {
namespace {

/// A trace of `rows` steps over `experts` experts with random loads and every scalar the
/// dashboard draws: a trend that settles with 3 % noise like a real run's metrics, or, with
/// `noisy`, values drawn uniformly from [0.01, 1.01] at every step (the worst case for the line
/// plots: every segment spans most of the panel's height).
io::TraceData randomTrace(int64_t rows, int experts, bool noisy = false) {
    io::TraceData data;
    data.nExperts = experts;
    data.nLayers = 1;
    data.rows = rows;
    data.routerKind = "token_choice";
    std::mt19937 rng(1);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int64_t r = 0; r < rows; ++r) data.step.push_back(r);
    for (const char* name : {"drop_fraction", "token_drop_fraction", "load_entropy",
                             "router_entropy", "dead_experts", "load_cv", "max_over_mean",
                             "task_loss", "aux_loss", "z_loss"}) {
        std::vector<double>& values = data.scalars[name];
        values.resize(static_cast<size_t>(rows));
        for (size_t r = 0; r < values.size(); ++r) {
            const double trend = 0.3 + 0.6 * std::exp(-static_cast<double>(r) / (0.1 * rows));
            values[r] = noisy ? 0.01 + unit(rng) : trend * (0.97 + 0.06 * unit(rng));
        }
    }
    for (const char* name : {"demand", "load", "dropped"}) {
        Eigen::MatrixXd& m = data.perExpert[name];
        m.resize(rows, experts);
        for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = std::floor(100 * unit(rng));
    }
    return data;
}

const io::TraceData& bigTrace() {
    static const io::TraceData data = randomTrace(100000, 256);
    return data;
}

/// Shows `plot` at `width` x `height`: a widget that is never shown keeps its default size
/// (640 x 480) for replot, whatever resize() said.
void showAt(QCustomPlot& plot, int width, int height) {
    plot.resize(width, height);
    plot.show();
    QApplication::processEvents();
}

QCPLayoutGrid& emptyLayout(QCustomPlot& plot) {
    plot.plotLayout()->clear();
    return *plot.plotLayout();
}

void BM_HeatmapReplot(benchmark::State& state) {
    QCustomPlot plot;
    showAt(plot, 1200, 600);
    HeatmapView view(plot, emptyLayout(plot), bigTrace());
    plot.replot();
    double total = 0;
    for (auto _ : state) {
        plot.replot();
        total += plot.replotTime();
    }
    state.counters["replot_ms"] = total / static_cast<double>(state.iterations());
    state.counters["columns"] = view.parts().map->data()->keySize();
    state.counters["map_width"] = view.parts().axes->width();
}
BENCHMARK(BM_HeatmapReplot)->Unit(benchmark::kMillisecond);

void BM_HeatmapFirstDraw(benchmark::State& state) {
    QCustomPlot plot;
    showAt(plot, 1200, 600);
    for (auto _ : state) {
        plot.plotLayout()->clear();
        plot.clearPlottables();
        HeatmapView view(plot, *plot.plotLayout(), bigTrace());
        plot.replot();
    }
}
BENCHMARK(BM_HeatmapFirstDraw)->Unit(benchmark::kMillisecond);

void BM_HeatmapPanReplot(benchmark::State& state) {
    QCustomPlot plot;
    showAt(plot, 1200, 600);
    HeatmapView view(plot, emptyLayout(plot), bigTrace());
    plot.replot();
    QCPAxis& stepAxis = *view.parts().axes->axis(QCPAxis::atBottom);
    bool left = false;
    for (auto _ : state) {
        stepAxis.setRange(left ? QCPRange(0, 90000) : QCPRange(10000, 100000));
        left = !left;
        plot.replot();
    }
}
BENCHMARK(BM_HeatmapPanReplot)->Unit(benchmark::kMillisecond);

void BM_DashboardRedraw(benchmark::State& state) {
    const io::TraceData data =
        randomTrace(state.range(0), static_cast<int>(state.range(1)), state.range(2) != 0);
    QCustomPlot plot;
    showAt(plot, 1600, 1000);
    for (auto _ : state) {
        drawFigure(plot, data, FigureKind::All, "bench", 1600);
        plot.replot();
    }
}
BENCHMARK(BM_DashboardRedraw)
    ->ArgNames({"rows", "experts", "noisy"})
    ->Args({10000, 16, 0})
    ->Args({100000, 16, 0})
    ->Args({10000, 256, 0})
    ->Args({100000, 256, 0})
    ->Args({10000, 16, 1})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace moe::plots

int main(int argc, char** argv) {
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication application(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
