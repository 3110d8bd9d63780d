// SPDX-License-Identifier: MIT
// Several runs on one figure, and the curves of any figure as CSV.
#include "plots/comparison.h"
#include "plots/curve_csv.h"
#include "plots/expert_load_heatmap.h"
#include "plots/series_style.h"
#include "tests/plots/plot_test_support.h"

#include <qcustomplot.h>

#include <gtest/gtest.h>

#include <QStringList>

namespace moe::plots {
namespace {

/// Two runs of different length and width, with different values.
struct TwoRuns {
    io::TraceData a = makeTrace(100, 4);
    io::TraceData b = makeTrace(50, 6);
    TwoRuns() {
        for (double& v : b.scalars["drop_fraction"]) v *= 2;
        b.scalars["importance_loss"].assign(50, 0.5);  // applies to run B only
    }
    std::vector<RunSeries> runs() const { return {{"A", &a}, {"B", &b}}; }
};

TEST(Comparison, CurvesHaveOneColourPerRunAndOneStylePerMetric) {
    const TwoRuns two;
    QCustomPlot plot;
    drawComparison(plot, two.runs(), FigureKind::Drops, 1200);
    QCPGraph* aDrops = graphNamed(plot, "A: drop_fraction");
    QCPGraph* aTokens = graphNamed(plot, "A: token_drop_fraction");
    QCPGraph* bDrops = graphNamed(plot, "B: drop_fraction");
    ASSERT_TRUE(aDrops && aTokens && bDrops);
    ASSERT_EQ(aDrops->data()->size(), 100);
    ASSERT_EQ(bDrops->data()->size(), 50);
    EXPECT_EQ(bDrops->data()->at(9)->value, two.b.scalars.at("drop_fraction")[9]);
    EXPECT_EQ(aDrops->pen().color(), runColor(0));
    EXPECT_EQ(aTokens->pen().color(), runColor(0));
    EXPECT_EQ(bDrops->pen().color(), runColor(1));
    EXPECT_EQ(aDrops->pen().style(), Qt::SolidLine);
    EXPECT_EQ(aTokens->pen().style(), comparisonLineStyle("token_drop_fraction"));
    EXPECT_NE(aTokens->pen().style(), Qt::SolidLine);
    // The legend: runs by colour, then metrics by style; keys hold no data.
    QStringList legend;
    for (QCPLayoutElement* element : plot.plotLayout()->elements(true))
        if (auto* l = qobject_cast<QCPLegend*>(element))
            for (int i = 0; i < l->itemCount(); ++i)
                if (auto* item = qobject_cast<QCPPlottableLegendItem*>(l->item(i)))
                    legend << item->plottable()->name();
    EXPECT_EQ(legend, (QStringList{"A", "B", "drop_fraction", "token_drop_fraction"}));
    EXPECT_TRUE(graphNamed(plot, "A")->data()->isEmpty());
    // The step axis spans both runs.
    EXPECT_EQ(aDrops->keyAxis()->range().upper, 990);
}

TEST(Comparison, CollapseAndLossKeepTheSingleRunAxes) {
    const TwoRuns two;
    QCustomPlot plot;
    drawComparison(plot, two.runs(), FigureKind::Collapse, 1200);
    QCPGraph* bDead = graphNamed(plot, "B: dead_experts");
    ASSERT_NE(bDead, nullptr);
    EXPECT_DOUBLE_EQ(bDead->data()->at(3)->value, two.b.scalars.at("dead_experts")[3] / 6);
    EXPECT_EQ(graphNamed(plot, "A: load_cv")->valueAxis()->axisType(), QCPAxis::atRight);

    drawComparison(plot, two.runs(), FigureKind::Loss, 1200);
    EXPECT_EQ(graphNamed(plot, "A: task_loss")->valueAxis()->scaleType(),
              QCPAxis::stLogarithmic);
    // importance_loss applies to one run: drawn for both (A's is all gaps), load_loss for none.
    EXPECT_NE(graphNamed(plot, "B: importance_loss"), nullptr);
    EXPECT_EQ(graphNamed(plot, "A: load_loss"), nullptr);
}

TEST(Comparison, HeatmapsShareOneColourRange) {
    const TwoRuns two;
    QCustomPlot plot;
    drawComparison(plot, two.runs(), FigureKind::Load, 1600);
    const auto maps = plottablesOf<QCPColorMap>(plot);
    ASSERT_EQ(maps.size(), 2u);
    EXPECT_EQ(maps[0]->data()->valueSize(), 4);
    EXPECT_EQ(maps[1]->data()->valueSize(), 6);
    HeatmapOptions options;
    options.maxBins = maps[0]->data()->keySize();
    const double peak = std::max(heatmapPeak(two.a, options), heatmapPeak(two.b, options));
    EXPECT_DOUBLE_EQ(maps[0]->colorScale()->dataRange().upper, peak);
    EXPECT_DOUBLE_EQ(maps[1]->colorScale()->dataRange().upper, peak);

    drawComparison(plot, two.runs(), FigureKind::All, 1800);
    EXPECT_EQ(plottablesOf<QCPColorMap>(plot).size(), 2u);
    EXPECT_NE(graphNamed(plot, "B: max_over_mean"), nullptr);
    EXPECT_NE(graphNamed(plot, "A: task_loss"), nullptr);
}

TEST(CurveCsv, OneKeyColumnAndOneColumnPerCurve) {
    const TwoRuns two;
    QCustomPlot plot;
    drawComparison(plot, two.runs(), FigureKind::Drops, 1200);
    const QStringList lines = curvesCsv(plot).split('\n', Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 1 + 100);  // steps 0-990 of A; B's 0-490 among them
    EXPECT_EQ(lines[0],
              "step,A: drop_fraction,A: token_drop_fraction,B: drop_fraction,"
              "B: token_drop_fraction");
    const QStringList row = lines[1 + 30].split(',');  // step 300
    ASSERT_EQ(row.size(), 5);
    EXPECT_EQ(row[0], "300");
    EXPECT_EQ(row[1].toDouble(), two.a.scalars.at("drop_fraction")[30]);  // 17 digits: exact
    EXPECT_EQ(row[3].toDouble(), two.b.scalars.at("drop_fraction")[30]);
    const QStringList late = lines[1 + 70].split(',');  // step 700: B has ended
    EXPECT_EQ(late[0], "700");
    EXPECT_TRUE(late[3].isEmpty());
    EXPECT_FALSE(late[1].isEmpty());
}

TEST(CurveCsv, FilesAndErrors) {
    const TempDir dir;
    const io::TraceData data = makeTrace(20, 3);
    QCustomPlot plot;
    drawComparison(plot, {{"run, \"one\"", &data}}, FigureKind::Drops, 800);
    const QString path = QString::fromStdString((dir / "curves.csv").string());
    QString error;
    ASSERT_TRUE(exportCsv(plot, path, &error)) << error.toStdString();
    const std::string text = readFile(dir / "curves.csv");
    EXPECT_EQ(text.substr(0, text.find('\n')),
              "step,\"run, \"\"one\"\": drop_fraction\",\"run, \"\"one\"\": token_drop_fraction\"");

    const QString missing = QString::fromStdString((dir / "no/such/dir.csv").string());
    EXPECT_FALSE(exportCsv(plot, missing, &error));
    EXPECT_TRUE(error.startsWith(missing)) << error.toStdString();
    QCustomPlot empty;
    EXPECT_FALSE(exportCsv(empty, path, &error));
    EXPECT_TRUE(error.contains("no curves")) << error.toStdString();
}

}  // namespace
}  // namespace moe::plots
