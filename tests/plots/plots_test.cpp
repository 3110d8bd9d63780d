// SPDX-License-Identifier: MIT
#include "core/io/trace_reader.h"
#include "core/io/trace_writer.h"
#include "plots/collapse_plot.h"
#include "plots/drops_plot.h"
#include "plots/expert_load_heatmap.h"
#include "plots/figure.h"
#include "plots/figure_export.h"
#include "plots/loss_plot.h"
#include "plots/step_binning.h"
#include "plots/trace_labels.h"
#include "tests/plots/plot_test_support.h"

#include <qcustomplot.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace moe::plots {
namespace {

/// Bin means the obvious way: rows [b * n / bins, (b + 1) * n / bins), NaN left out.
HeatmapOptions heatmapOptions(HeatmapField field, int maxBins) {
    HeatmapOptions options;
    options.field = field;
    options.maxBins = maxBins;
    return options;
}

Eigen::MatrixXd plainBinMeans(const Eigen::MatrixXd& values, int maxBins, bool rowShares) {
    const int64_t n = values.rows();
    const int64_t bins = std::min<int64_t>(n, maxBins);
    Eigen::MatrixXd mean(bins, values.cols());
    for (int64_t b = 0; b < bins; ++b) {
        for (Eigen::Index e = 0; e < values.cols(); ++e) {
            double sum = 0;
            int count = 0;
            for (int64_t r = b * n / bins; r < (b + 1) * n / bins; ++r) {
                double rowSum = 0;
                // NaN (an expert that does not exist at that step) is not part of the total.
                for (Eigen::Index f = 0; f < values.cols(); ++f)
                    if (!std::isnan(values(r, f))) rowSum += values(r, f);
                const double v = rowShares ? values(r, e) / rowSum : values(r, e);
                if (std::isnan(v) || (rowShares && !(rowSum > 0))) continue;
                sum += v;
                ++count;
            }
            mean(b, e) = count > 0 ? sum / count : kNaN;
        }
    }
    return mean;
}

void expectSameMatrix(const Eigen::MatrixXd& actual, const Eigen::MatrixXd& expected) {
    ASSERT_EQ(actual.rows(), expected.rows());
    ASSERT_EQ(actual.cols(), expected.cols());
    for (Eigen::Index i = 0; i < actual.rows(); ++i)
        for (Eigen::Index j = 0; j < actual.cols(); ++j) {
            if (std::isnan(expected(i, j))) {
                EXPECT_TRUE(std::isnan(actual(i, j))) << i << "," << j;
                continue;
            }
            EXPECT_NEAR(actual(i, j), expected(i, j), 1e-12) << i << "," << j;
        }
}

TEST(StepBinning, MeansMatchAPlainLoop) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<double> unit(0.0, 10.0);
    Eigen::MatrixXd values(1003, 7);
    for (Eigen::Index r = 0; r < values.rows(); ++r)
        for (Eigen::Index e = 0; e < values.cols(); ++e) values(r, e) = unit(rng);
    values(5, 2) = kNaN;        // a value that does not apply
    values.row(700).setZero();  // a step with no load: no shares
    std::vector<int64_t> step(1003);
    for (size_t i = 0; i < step.size(); ++i) step[i] = 4 * static_cast<int64_t>(i);

    for (const bool shares : {false, true}) {
        SCOPED_TRACE(shares ? "shares" : "values");
        const StepBins bins = binSteps(values, step, 50, shares);
        expectSameMatrix(bins.value, plainBinMeans(values, 50, shares));
        ASSERT_EQ(bins.firstRow.size(), 51u);
        EXPECT_EQ(bins.firstRow.front(), 0);
        EXPECT_EQ(bins.firstRow.back(), 1003);
        for (size_t b = 0; b < 50; ++b) {
            const int64_t size = bins.firstRow[b + 1] - bins.firstRow[b];
            EXPECT_TRUE(size == 20 || size == 21) << size;
            const double center = 4.0 * (bins.firstRow[b] + bins.firstRow[b + 1] - 1) / 2.0;
            EXPECT_DOUBLE_EQ(bins.centerStep[b], center);
        }
    }
}

TEST(StepBinning, SharesOfABinSumToOne) {
    Eigen::MatrixXd load(9, 3);
    load << 1, 1, 2, 0, 3, 1, 5, 5, 0, 1, 1, 1, 2, 0, 0, 4, 4, 8, 1, 2, 3, 0, 0, 9, 6, 3, 1;
    const StepBins bins = binSteps(load, {0, 1, 2, 3, 4, 5, 6, 7, 8}, 4, true);
    for (Eigen::Index b = 0; b < bins.value.rows(); ++b)
        EXPECT_NEAR(bins.value.row(b).sum(), 1.0, 1e-12);
    EXPECT_DOUBLE_EQ(bins.value(0, 2), 0.5 * (2.0 / 4.0 + 1.0 / 4.0));  // rows 0 and 1
}

TEST(StepBinning, SharesLeaveOutExpertsThatDoNotExistYet) {
    // Expert 2 is added at row 2 (NaN before): the others' shares still sum to one.
    Eigen::MatrixXd load(4, 3);
    load << 1, 3, kNaN, 2, 2, kNaN, 1, 1, 2, 0, 2, 2;
    const StepBins bins = binSteps(load, {0, 1, 2, 3}, 4, true);
    EXPECT_DOUBLE_EQ(bins.value(0, 0), 0.25);
    EXPECT_DOUBLE_EQ(bins.value(1, 1), 0.5);
    EXPECT_TRUE(std::isnan(bins.value(0, 2)));
    EXPECT_DOUBLE_EQ(bins.value(2, 2), 0.5);
}

TEST(StepBinning, FewerRowsThanBinsKeepsEveryRow) {
    Eigen::MatrixXd values(3, 2);
    values << 1, 2, 3, 4, 5, 6;
    const StepBins bins = binSteps(values, {10, 20, 30}, 1000, false);
    expectSameMatrix(bins.value, values);
    EXPECT_EQ(bins.centerStep, (std::vector<double>{10, 20, 30}));
}

TEST(ExpertLoadHeatmap, ColourMapIsExpertsByBins) {
    const io::TraceData data = makeTrace(250, 8);
    QCustomPlot plot;
    QCPAxisRect* axes =
        drawExpertLoadHeatmap(plot, emptyLayout(plot), data, heatmapOptions(HeatmapField::LoadShare, 40));
    const auto maps = plottablesOf<QCPColorMap>(plot);
    ASSERT_EQ(maps.size(), 1u);
    QCPColorMap& map = *maps[0];
    EXPECT_EQ(map.data()->keySize(), 40);
    EXPECT_EQ(map.data()->valueSize(), 8);
    EXPECT_FALSE(map.interpolate());
    const Eigen::MatrixXd expected = plainBinMeans(data.perExpert.at("load"), 40, true);
    for (int b = 0; b < 40; ++b)
        for (int e = 0; e < 8; ++e) EXPECT_NEAR(map.data()->cell(b, e), expected(b, e), 1e-12);
    ASSERT_NE(map.colorScale(), nullptr);
    EXPECT_TRUE(map.colorScale()->label().startsWith("load share"));
    EXPECT_EQ(map.colorScale()->dataRange().lower, 0.0);
    // Integer expert ticks, one per expert for a few experts.
    QCPAxis* expertAxis = axes->axis(QCPAxis::atLeft);
    EXPECT_FALSE(expertAxis->ticker().dynamicCast<QCPAxisTickerFixed>().isNull());
    plot.replot();
    for (const double tick : expertAxis->tickVector()) EXPECT_EQ(tick, std::round(tick));
    EXPECT_EQ(expertAxis->tickVector().size(), 8);
}

TEST(ExpertLoadHeatmap, DemandAndDroppedAreRawBinMeans) {
    const io::TraceData data = makeTrace(30, 4);
    for (const auto& [field, dataset] :
         {std::pair{HeatmapField::Demand, "demand"}, std::pair{HeatmapField::Dropped, "dropped"}}) {
        QCustomPlot plot;
        drawExpertLoadHeatmap(plot, emptyLayout(plot), data, heatmapOptions(field, 7));
        QCPColorMap& map = *plottablesOf<QCPColorMap>(plot).at(0);
        const Eigen::MatrixXd expected = plainBinMeans(data.perExpert.at(dataset), 7, false);
        ASSERT_EQ(map.data()->keySize(), 7);
        for (int b = 0; b < 7; ++b)
            for (int e = 0; e < 4; ++e) EXPECT_NEAR(map.data()->cell(b, e), expected(b, e), 1e-9);
    }
}

TEST(ExpertLoadHeatmap, LongRunBinsToThePixelWidth) {
    // 100,000 steps x 256 experts: the size the heatmap must stay fast at.
    io::TraceData data;
    data.nExperts = 256;
    data.rows = 100000;
    for (int64_t r = 0; r < data.rows; ++r) data.step.push_back(r);
    data.perExpert["load"] = Eigen::MatrixXd::Ones(data.rows, 256);
    QCustomPlot plot;
    const auto start = std::chrono::steady_clock::now();
    drawExpertLoadHeatmap(plot, emptyLayout(plot), data, heatmapOptions(HeatmapField::LoadShare, 1100));
    plot.toPixmap(1200, 600);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    QCPColorMap& map = *plottablesOf<QCPColorMap>(plot).at(0);
    EXPECT_EQ(map.data()->keySize(), 1100);
    EXPECT_EQ(map.data()->valueSize(), 256);
    EXPECT_DOUBLE_EQ(map.data()->cell(3, 17), 1.0 / 256);
    std::printf("100000 x 256 heatmap binned and drawn in %.3f s\n", seconds);
}

TEST(LinePlots, DropsHoldEveryStep) {
    const io::TraceData data = makeTrace(120, 4);
    QCustomPlot plot;
    drawDropsPlot(plot, emptyLayout(plot), data);
    ASSERT_EQ(plot.graphCount(), 2);
    for (const char* name : {"drop_fraction", "token_drop_fraction"}) {
        QCPGraph* graph = graphNamed(plot, name);
        ASSERT_NE(graph, nullptr) << name;
        ASSERT_EQ(graph->data()->size(), 120);
        EXPECT_EQ(graph->data()->at(7)->key, 70.0);
        EXPECT_EQ(graph->data()->at(7)->value, data.scalars.at(name)[7]);
    }
    // Same metric, same colour, wherever it is drawn.
    EXPECT_NE(graphNamed(plot, "drop_fraction")->pen().color(),
              graphNamed(plot, "token_drop_fraction")->pen().color());
}

TEST(LinePlots, LongCurvesDrawBinMeansOverAMinMaxBand) {
    const io::TraceData data = makeTrace(5000, 4);
    QCustomPlot plot;
    QCPAxisRect* axes = drawDropsPlot(plot, emptyLayout(plot), data, 100);
    QCPGraph* line = graphNamed(plot, "drop_fraction");
    ASSERT_NE(line, nullptr);
    ASSERT_EQ(line->data()->size(), 100);
    const std::vector<double>& values = data.scalars.at("drop_fraction");
    // Bin 7 holds rows 350-399 (steps 3500-3990).
    double sum = 0, low = 1e9, high = -1e9;
    for (size_t r = 350; r < 400; ++r) {
        sum += values[r];
        low = std::min(low, values[r]);
        high = std::max(high, values[r]);
    }
    EXPECT_DOUBLE_EQ(line->data()->at(7)->key, 10 * (350 + 399) / 2.0);
    EXPECT_NEAR(line->data()->at(7)->value, sum / 50, 1e-12);
    // Two unnamed band graphs per curve, the upper filled down to the lower.
    ASSERT_EQ(plot.graphCount(), 6);
    std::vector<QCPGraph*> bands;
    for (int i = 0; i < plot.graphCount(); ++i)
        if (plot.graph(i)->name().isEmpty()) bands.push_back(plot.graph(i));
    ASSERT_EQ(bands.size(), 4u);
    EXPECT_EQ(bands[1]->channelFillGraph(), bands[0]);
    EXPECT_DOUBLE_EQ(bands[0]->data()->at(7)->value, low);
    EXPECT_DOUBLE_EQ(bands[1]->data()->at(7)->value, high);
    EXPECT_EQ(axes->axis(QCPAxis::atBottom)->label(),
              "step (curves: mean of 50 rows per point, band: their min to max)");
    // The legend lists the curves only.
    int entries = 0;
    for (QCPLayoutElement* element : plot.plotLayout()->elements(true))
        if (auto* legend = qobject_cast<QCPLegend*>(element)) entries += legend->itemCount();
    EXPECT_EQ(entries, 2);
}

TEST(LinePlots, CollapseSplitsBoundedAndUnboundedAxes) {
    const io::TraceData data = makeTrace(60, 5);
    QCustomPlot plot;
    QCPAxisRect* axes = drawCollapsePlot(plot, emptyLayout(plot), data);
    ASSERT_EQ(plot.graphCount(), 5);
    for (int i = 0; i < plot.graphCount(); ++i) EXPECT_EQ(plot.graph(i)->data()->size(), 60);
    EXPECT_EQ(axes->axis(QCPAxis::atLeft)->graphs().size(), 3);
    EXPECT_EQ(axes->axis(QCPAxis::atRight)->graphs().size(), 2);
    EXPECT_EQ(graphNamed(plot, "load_cv")->valueAxis(), axes->axis(QCPAxis::atRight));
    QCPGraph* dead = graphNamed(plot, "dead_experts");
    ASSERT_NE(dead, nullptr);
    EXPECT_DOUBLE_EQ(dead->data()->at(11)->value, data.scalars.at("dead_experts")[11] / 5);
}

TEST(LinePlots, LossesSkipWhatIsZeroThroughout) {
    io::TraceData data = makeTrace(40, 3);
    data.scalars["task_loss"][4] = 0;  // no place on a log axis: a gap
    QCustomPlot plot;
    QCPAxisRect* axes = drawLossPlot(plot, emptyLayout(plot), data);
    EXPECT_EQ(axes->axis(QCPAxis::atLeft)->scaleType(), QCPAxis::stLogarithmic);
    ASSERT_EQ(plot.graphCount(), 3);  // task_loss, aux_loss, z_loss
    EXPECT_NE(graphNamed(plot, "task_loss"), nullptr);
    ASSERT_NE(graphNamed(plot, "aux_loss"), nullptr);
    EXPECT_EQ(graphNamed(plot, "aux_loss")->name(), "aux_loss (coef 0.01)");
    EXPECT_NE(graphNamed(plot, "z_loss"), nullptr);
    for (int i = 0; i < plot.graphCount(); ++i) EXPECT_EQ(plot.graph(i)->data()->size(), 40);
    EXPECT_TRUE(std::isnan(graphNamed(plot, "task_loss")->data()->at(4)->value));
}

TEST(Figure, DashboardHoldsTheFourPlots) {
    const io::TraceData data = makeTrace(300, 6);
    QCustomPlot plot;
    drawFigure(plot, data, FigureKind::All, "title", 1600);
    EXPECT_EQ(plottablesOf<QCPColorMap>(plot).size(), 1u);
    EXPECT_EQ(plot.graphCount(), 2 + 5 + 3);
    for (int i = 0; i < plot.graphCount(); ++i) EXPECT_EQ(plot.graph(i)->data()->size(), 300);
    // The heatmap gets about one column per pixel of its half of the figure.
    EXPECT_EQ(plottablesOf<QCPColorMap>(plot)[0]->data()->keySize(), 300);
    drawFigure(plot, data, FigureKind::All, "title", 400);
    EXPECT_LT(plottablesOf<QCPColorMap>(plot)[0]->data()->keySize(), 200);
    // Redrawing replaces the figure rather than adding to it.
    drawFigure(plot, data, FigureKind::Drops, "title", 800);
    EXPECT_EQ(plot.plottableCount(), 2);
}

TEST(Figure, KindsAndTitle) {
    EXPECT_EQ(parseFigureKind("load"), FigureKind::Load);
    EXPECT_EQ(parseFigureKind("all"), FigureKind::All);
    EXPECT_EQ(parseFigureKind("heat"), std::nullopt);
    const io::TraceData data = makeTrace(2, 8);
    EXPECT_EQ(
        figureTitle(data, 0, "run.h5"),
        "token_choice router, k = 2, E = 8, capacity factor 1.25  |  layer 0 of 1  |  run.h5");
    EXPECT_EQ(scenarioValue(kScenario, "", "seed"), "3");
    EXPECT_EQ(scenarioValue(kScenario, "loss", "k"), "");
}

TEST(Export, PngPdfAndSvgAreWhatTheySay) {
    const TempDir dir;
    const io::TraceData data = makeTrace(50, 4);
    QCustomPlot plot;
    drawFigure(plot, data, FigureKind::All, "export", 800);
    const std::vector<std::pair<std::string, std::string>> files = {
        {"fig.png", std::string("\x89PNG\r\n\x1a\n", 8)},
        {"fig.PDF", "%PDF-"},
        {"fig.svg", "<?xml"}};
    for (const auto& [name, magic] : files) {
        const auto saved = saveFigure(plot, (dir / name).string(), 800, 500);
        ASSERT_TRUE(saved) << saved.error();
        const std::string bytes = readFile(dir / name);
        EXPECT_GT(bytes.size(), 1000u) << name;
        EXPECT_EQ(bytes.substr(0, magic.size()), magic) << name;
    }
    const std::string svg = readFile(dir / "fig.svg");
    EXPECT_NE(svg.find("<svg"), std::string::npos);
    EXPECT_NE(svg.find("drop_fraction"), std::string::npos);  // text stays text
}

TEST(Export, ErrorsNameTheFile) {
    const TempDir dir;
    QCustomPlot plot;
    const std::string missingFolder = (dir / "no_such_folder/fig.png").string();
    const auto unwritable = saveFigure(plot, missingFolder, 100, 100);
    ASSERT_FALSE(unwritable);
    EXPECT_NE(unwritable.error().find(missingFolder), std::string::npos) << unwritable.error();
    const auto unknown = saveFigure(plot, (dir / "fig.jpeg").string(), 100, 100);
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().find("unknown image type"), std::string::npos);
    EXPECT_EQ(imageFormatOf("a/b.Svg"), ImageFormat::Svg);
    EXPECT_EQ(imageFormatOf("png"), std::nullopt);
}

TEST(Figure, TraceFileRoundTrip) {
    // The path `moelab plot` takes: a trace on disk, read back and drawn.
    const TempDir dir;
    const std::string path = (dir / "trace.h5").string();
    io::TraceMetadata meta;
    meta.scenario = kScenario;
    meta.routerKind = "token_choice";
    meta.nExperts = 4;
    {
        io::TraceWriter writer(path, meta);
        for (int64_t s = 0; s < 25; ++s) {
            StepStats stats;
            stats.step = s;
            stats.taskLoss = 1.0 / static_cast<double>(s + 1);
            stats.auxLoss = 1.0;
            for (int e = 0; e < 4; ++e) {
                stats.demand.push_back(static_cast<double>(e + s));
                stats.load.push_back(static_cast<double>(e + 1));
                stats.dropped.push_back(static_cast<double>(s));
                stats.importance.push_back(0.25);
                stats.meanScore.push_back(0.25);
            }
            writer.append(0, stats);
        }
        writer.close();
    }
    const auto data = io::readTrace(path, 0);
    ASSERT_TRUE(data) << data.error();
    QCustomPlot plot;
    drawFigure(plot, *data, FigureKind::Load, figureTitle(*data, 0, "trace.h5"), 1000);
    QCPColorMap& map = *plottablesOf<QCPColorMap>(plot).at(0);
    ASSERT_EQ(map.data()->keySize(), 25);
    EXPECT_DOUBLE_EQ(map.data()->cell(9, 3), 4.0 / 10.0);  // load 4 of 1 + 2 + 3 + 4
    ASSERT_TRUE(writeFigure(*data, FigureKind::All, "t", (dir / "all.png").string(), {900, 600}));
    EXPECT_GT(fs::file_size(dir / "all.png"), 1000u);
}

}  // namespace
}  // namespace moe::plots
