// SPDX-License-Identifier: MIT
// The interactive heatmap: bin statistics, re-binning on zoom, hover read-out, growing data.
#include "plots/expert_load_heatmap.h"
#include "plots/heatmap_view.h"
#include "plots/step_binning.h"
#include "tests/plots/plot_test_support.h"

#include <qcustomplot.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace moe::plots {
namespace {

/// Bin maxima the obvious way over rows [first, end): bins of (end - first) * b / bins rows.
Eigen::MatrixXd plainBinMax(const Eigen::MatrixXd& values, int64_t first, int64_t end,
                            int maxBins) {
    const int64_t n = end - first;
    const int64_t bins = std::min<int64_t>(n, maxBins);
    Eigen::MatrixXd top(bins, values.cols());
    for (int64_t b = 0; b < bins; ++b)
        for (Eigen::Index e = 0; e < values.cols(); ++e) {
            double best = kNaN;
            for (int64_t r = first + b * n / bins; r < first + (b + 1) * n / bins; ++r)
                if (!std::isnan(values(r, e)) && !(values(r, e) <= best)) best = values(r, e);
            top(b, e) = best;
        }
    return top;
}

double share(const Eigen::MatrixXd& load, Eigen::Index row, Eigen::Index expert) {
    return load(row, expert) / load.row(row).sum();
}

/// A trace of `rows` rows, one per step from 0, whose load makes every cell distinct.
io::TraceData countingTrace(int64_t rows, int experts) {
    io::TraceData data;
    data.nExperts = experts;
    data.rows = rows;
    for (int64_t r = 0; r < rows; ++r) data.step.push_back(r);
    for (const char* name : {"load", "demand", "dropped"}) {
        Eigen::MatrixXd& m = data.perExpert[name];
        m.resize(rows, experts);
        for (int64_t r = 0; r < rows; ++r)
            for (int e = 0; e < experts; ++e)
                m(r, e) = static_cast<double>((r * 7 + e * 13) % 31 + 1);
    }
    return data;
}

QPointF pixelOf(const HeatmapView& view, double step, double expert) {
    return {view.parts().axes->axis(QCPAxis::atBottom)->coordToPixel(step),
            view.parts().axes->axis(QCPAxis::atLeft)->coordToPixel(expert)};
}

TEST(StepBinning, MaxOverARowRangeMatchesAPlainLoop) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> unit(0.0, 10.0);
    Eigen::MatrixXd values(500, 5);
    for (Eigen::Index i = 0; i < values.size(); ++i) values.data()[i] = unit(rng);
    values(130, 1) = kNaN;
    values.block(200, 3, 40, 1).setConstant(kNaN);  // a whole bin that does not apply
    std::vector<int64_t> step(500);
    for (size_t i = 0; i < step.size(); ++i) step[i] = static_cast<int64_t>(i);
    BinOptions options;
    options.maxBins = 9;
    options.statistic = BinStatistic::Max;
    options.firstRow = 120;
    options.endRow = 300;
    const StepBins bins = binSteps(values, step, options);
    const Eigen::MatrixXd expected = plainBinMax(values, 120, 300, 9);
    ASSERT_EQ(bins.value.rows(), 9);
    for (Eigen::Index b = 0; b < 9; ++b)
        for (Eigen::Index e = 0; e < 5; ++e) {
            if (std::isnan(expected(b, e)))
                EXPECT_TRUE(std::isnan(bins.value(b, e))) << b << "," << e;
            else
                EXPECT_EQ(bins.value(b, e), expected(b, e)) << b << "," << e;
        }
    EXPECT_TRUE(std::isnan(bins.value(4, 3)));  // rows 200-219
    EXPECT_EQ(bins.firstRow.front(), 120);
    EXPECT_EQ(bins.firstRow.back(), 300);
}

TEST(StepBinning, SharesOfARangeNeedNoScaleOfTheWholeRun) {
    const io::TraceData data = countingTrace(40, 3);
    const Eigen::MatrixXd& load = data.perExpert.at("load");
    BinOptions options;
    options.maxBins = 100;
    options.rowShares = true;
    options.firstRow = 10;
    options.endRow = 15;
    const StepBins own = binSteps(load, data.step, options);
    const Eigen::VectorXd scale = rowShareScale(load);
    options.rowScale = &scale;
    const StepBins shared = binSteps(load, data.step, options);
    ASSERT_EQ(own.value.rows(), 5);
    for (Eigen::Index b = 0; b < 5; ++b)
        for (Eigen::Index e = 0; e < 3; ++e) {
            EXPECT_DOUBLE_EQ(own.value(b, e), share(load, 10 + b, e));
            EXPECT_DOUBLE_EQ(shared.value(b, e), own.value(b, e));
        }
}

TEST(StepBinning, RowsCoveringARangeReachOneRowBeyondIt) {
    const std::vector<int64_t> step = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90};
    EXPECT_EQ(rowsCovering(step, 25, 55), (std::pair<int64_t, int64_t>{2, 7}));
    EXPECT_EQ(rowsCovering(step, -5, 95), (std::pair<int64_t, int64_t>{0, 10}));
    EXPECT_EQ(rowsCovering(step, 21, 29), (std::pair<int64_t, int64_t>{2, 4}));
    EXPECT_EQ(rowsCovering(step, -100, -50), (std::pair<int64_t, int64_t>{0, 1}));
    EXPECT_EQ(rowsCovering(step, 1000, 2000), (std::pair<int64_t, int64_t>{9, 10}));
    EXPECT_EQ(rowsCovering({}, 0, 1), (std::pair<int64_t, int64_t>{0, 0}));
}

TEST(ExpertLoadHeatmap, FixedColourRangeAndMaxStatistic) {
    const io::TraceData data = countingTrace(60, 4);
    QCustomPlot plot;
    HeatmapOptions options;
    options.field = HeatmapField::Demand;
    options.maxBins = 6;
    options.statistic = BinStatistic::Max;
    options.colorMax = 100.0;
    const HeatmapParts parts = addExpertLoadHeatmap(plot, emptyLayout(plot), data, options);
    ASSERT_NE(parts.map, nullptr);
    EXPECT_EQ(parts.scale->dataRange().upper, 100.0);
    const Eigen::MatrixXd expected = plainBinMax(data.perExpert.at("demand"), 0, 60, 6);
    for (int b = 0; b < 6; ++b)
        for (int e = 0; e < 4; ++e) EXPECT_EQ(parts.map->data()->cell(b, e), expected(b, e));
    EXPECT_TRUE(parts.axes->axis(QCPAxis::atBottom)->label().contains("max of 10 rows"));
    EXPECT_EQ(heatmapPeak(data, options), expected.maxCoeff());
}

TEST(HeatmapView, ReadOutNamesTheCellUnderThePixel) {
    const io::TraceData data = countingTrace(50, 6);
    QCustomPlot plot;
    HeatmapView view(plot, emptyLayout(plot), data);
    plot.replot();
    // The map (of a plot never shown: 640 x 480) is wider than 50 pixels, so every column is
    // one step.
    ASSERT_EQ(view.parts().map->data()->keySize(), 50);
    const auto cell = view.cellAt(pixelOf(view, 12, 3));
    ASSERT_TRUE(cell);
    EXPECT_EQ(cell->stepFirst, 12);
    EXPECT_EQ(cell->stepLast, 12);
    EXPECT_EQ(cell->rows, 1);
    EXPECT_EQ(cell->expert, 3);
    EXPECT_DOUBLE_EQ(cell->value, share(data.perExpert.at("load"), 12, 3));
    // A little off the centre of the cell is still that cell.
    const auto nearby = view.cellAt(pixelOf(view, 12.4, 2.6));
    ASSERT_TRUE(nearby);
    EXPECT_EQ(nearby->stepFirst, 12);
    EXPECT_EQ(nearby->expert, 3);
    // Outside the axes, and beyond the last expert, there is no cell.
    EXPECT_FALSE(view.cellAt(QPointF(2, 2)));
    EXPECT_FALSE(view.cellAt(pixelOf(view, 12, 6.7)));

    HeatmapReadout readout(plot, view);
    const QString text = readout.textAt(pixelOf(view, 12, 3));
    EXPECT_TRUE(text.contains("step 12")) << text.toStdString();
    EXPECT_TRUE(text.contains("expert 3")) << text.toStdString();
    EXPECT_TRUE(text.contains("load share")) << text.toStdString();
    EXPECT_TRUE(readout.textAt(QPointF(2, 2)).isEmpty());
}

TEST(HeatmapView, ZoomingInRebinsToSingleSteps) {
    const io::TraceData data = countingTrace(100000, 4);
    QCustomPlot plot;
    HeatmapView view(plot, emptyLayout(plot), data);
    plot.replot();
    const int width = view.parts().axes->width();
    EXPECT_EQ(view.parts().map->data()->keySize(), width);
    auto whole = view.cellAt(pixelOf(view, 50000, 1));
    ASSERT_TRUE(whole);
    EXPECT_GT(whole->rows, 100);
    EXPECT_LE(whole->stepFirst, 50000);
    EXPECT_GE(whole->stepLast, 50000);

    // What the mouse wheel does: a new step range, re-binned at once.
    view.parts().axes->axis(QCPAxis::atBottom)->setRange(1000, 1100);
    EXPECT_EQ(view.parts().map->data()->keySize(), 103);  // 101 steps and one beyond each end
    plot.replot();
    const auto cell = view.cellAt(pixelOf(view, 1050, 2));
    ASSERT_TRUE(cell);
    EXPECT_EQ(cell->stepFirst, 1050);
    EXPECT_EQ(cell->rows, 1);
    EXPECT_DOUBLE_EQ(cell->value, share(data.perExpert.at("load"), 1050, 2));

    // Panning or zooming beyond the run is held at its ends.
    view.parts().axes->axis(QCPAxis::atBottom)->setRange(-5000, 300000);
    const QCPRange range = view.parts().axes->axis(QCPAxis::atBottom)->range();
    EXPECT_DOUBLE_EQ(range.lower, -0.5);
    EXPECT_DOUBLE_EQ(range.upper, 99999.5);
    view.parts().axes->axis(QCPAxis::atBottom)->setRange(99990, 100500);
    EXPECT_DOUBLE_EQ(view.parts().axes->axis(QCPAxis::atBottom)->range().upper, 99999.5);
    EXPECT_DOUBLE_EQ(view.parts().axes->axis(QCPAxis::atBottom)->range().size(), 510);
}

TEST(HeatmapView, FieldAndStatisticCanChange) {
    const io::TraceData data = countingTrace(5000, 3);
    QCustomPlot plot;
    HeatmapView view(plot, emptyLayout(plot), data);
    plot.replot();
    view.setField(HeatmapField::Dropped);
    view.setStatistic(BinStatistic::Max);
    EXPECT_TRUE(view.parts().scale->axis()->label().startsWith("dropped"));
    EXPECT_EQ(view.parts().title->text(), heatmapTitle(HeatmapField::Dropped));
    QCPColorMapData& cells = *view.parts().map->data();
    const Eigen::MatrixXd expected =
        plainBinMax(data.perExpert.at("dropped"), 0, 5000, cells.keySize());
    ASSERT_LT(cells.keySize(), 5000);
    for (int b = 0; b < cells.keySize(); ++b)
        for (int e = 0; e < 3; ++e) ASSERT_EQ(cells.cell(b, e), expected(b, e)) << b;
    const auto cell = view.cellAt(pixelOf(view, 2500, 0));
    ASSERT_TRUE(cell);
    EXPECT_GT(cell->rows, 1);
    EXPECT_TRUE(view.describe(*cell).contains("max of")) << view.describe(*cell).toStdString();
}

TEST(HeatmapView, AFieldTheTraceLacksShowsNothing) {
    io::TraceData data = countingTrace(100, 2);
    data.perExpert.erase("dropped");
    QCustomPlot plot;
    HeatmapView view(plot, emptyLayout(plot), data);
    plot.replot();
    ASSERT_TRUE(view.cellAt(pixelOf(view, 50, 1)));
    view.setField(HeatmapField::Dropped);
    EXPECT_TRUE(view.parts().map->data()->isEmpty());
    EXPECT_FALSE(view.cellAt(pixelOf(view, 50, 1)));
    view.setField(HeatmapField::Demand);
    EXPECT_EQ(view.parts().map->data()->keySize(), 100);
}

TEST(HeatmapView, GrowingDataKeepsFollowingTheEnd) {
    const io::TraceData small = countingTrace(100, 2);
    const io::TraceData large = countingTrace(200, 2);
    QCustomPlot plot;
    HeatmapView view(plot, emptyLayout(plot), small);
    plot.replot();
    QCPAxis& stepAxis = *view.parts().axes->axis(QCPAxis::atBottom);
    view.setData(large);
    EXPECT_DOUBLE_EQ(stepAxis.range().upper, 199.5);
    EXPECT_DOUBLE_EQ(stepAxis.range().lower, -0.5);
    EXPECT_EQ(view.parts().map->data()->keySize(), 200);

    // Zoomed into the middle: stays there.
    stepAxis.setRange(50, 60);
    const io::TraceData larger = countingTrace(300, 2);
    view.setData(larger);
    EXPECT_DOUBLE_EQ(stepAxis.range().lower, 50);
    EXPECT_DOUBLE_EQ(stepAxis.range().upper, 60);

    // An empty trace that fills up: the map appears with the first rows.
    const io::TraceData empty = countingTrace(0, 2);
    QCustomPlot other;
    HeatmapView live(other, emptyLayout(other), empty);
    EXPECT_EQ(live.parts().map, nullptr);
    live.setData(small);
    ASSERT_NE(live.parts().map, nullptr);
    EXPECT_EQ(live.parts().map->data()->keySize(), 100);
}

}  // namespace
}  // namespace moe::plots
