// SPDX-License-Identifier: MIT
// The trace browser's model (checked by QAbstractItemModelTester) and plots of any dataset.
#include "core/io/hdf5_catalog.h"
#include "core/io/trace_writer.h"
#include "plots/dataset_plot.h"
#include "plots/plot_panel.h"
#include "plots/trace_tree_model.h"
#include "tests/plots/plot_test_support.h"

#include <QAbstractItemModelTester>
#include <qcustomplot.h>

#include <gtest/gtest.h>

namespace moe::plots {
namespace {

std::string writeTrace(const std::string& file, int steps, int experts) {
    io::TraceMetadata meta;
    meta.moelabVersion = "test";
    meta.scenario = kScenario;
    meta.routerKind = "token_choice";
    meta.nExperts = experts;
    meta.snapshotTokens = 4;
    meta.snapshotColumns = 2;
    io::TraceWriter writer(file, meta);
    for (int64_t s = 0; s < steps; ++s) {
        StepStats stats;
        stats.step = s;
        stats.loadCv = 0.25 * static_cast<double>(s);
        for (int e = 0; e < experts; ++e) {
            stats.demand.push_back(static_cast<double>(100 * s + e));
            stats.load.push_back(1);
            stats.dropped.push_back(0);
            stats.importance.push_back(0);
            stats.meanScore.push_back(0);
        }
        writer.append(0, stats);
    }
    writer.close();
    return file;
}

QModelIndex sibling(const QModelIndex& index, int column) {
    return index.sibling(index.row(), column);
}

TEST(TraceTreeModel, ShowsEveryObjectAndPassesTheModelTester) {
    const TempDir dir;
    const std::string file = writeTrace((dir / "trace.h5").string(), 25, 4);
    const auto root = io::describeHdf5File(file);
    ASSERT_TRUE(root) << root.error();

    TraceTreeModel model;
    // Fatal: any broken invariant (parent/child, row counts, data types) aborts the test.
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    EXPECT_EQ(model.rowCount(), 0);
    model.setFile(*root);
    ASSERT_EQ(model.rowCount(), 1);
    const QModelIndex top = model.index(0, 0);
    EXPECT_EQ(model.data(top).toString(), "/");
    EXPECT_EQ(model.columnCount(top), 7);
    EXPECT_EQ(model.headerData(TraceTreeModel::Compression, Qt::Horizontal).toString(),
              "Compression");

    const QModelIndex demand = model.indexOfPath("/layer_0/demand");
    ASSERT_TRUE(demand.isValid());
    EXPECT_EQ(model.data(demand).toString(), "demand");
    EXPECT_EQ(model.parent(demand), model.indexOfPath("/layer_0"));
    EXPECT_EQ(model.data(sibling(demand, TraceTreeModel::Kind)).toString(), "dataset");
    EXPECT_EQ(model.data(sibling(demand, TraceTreeModel::Shape)).toString(), "[25, 4]");
    EXPECT_EQ(model.data(sibling(demand, TraceTreeModel::Type)).toString(), "float64");
    EXPECT_TRUE(model.data(sibling(demand, TraceTreeModel::Chunks)).toString().startsWith("["));
    EXPECT_EQ(model.data(sibling(demand, TraceTreeModel::Compression)).toString(),
              "shuffle, gzip 4");
    EXPECT_TRUE(model.data(demand, TraceTreeModel::PlottableRole).toBool());
    EXPECT_TRUE(model.data(demand, Qt::ToolTipRole).toString().contains("can grow to [∞, 4]"));
    // Snapshots recorded none: an empty dataset is listed but cannot be plotted.
    const QModelIndex choice = model.indexOfPath("/layer_0/snapshots/choice");
    ASSERT_TRUE(choice.isValid());
    EXPECT_FALSE(model.data(choice, TraceTreeModel::PlottableRole).toBool());
    EXPECT_FALSE(model.data(model.indexOfPath("/layer_0"), TraceTreeModel::PlottableRole).toBool());

    // The root's attributes come first; the scenario's tool tip is its whole text.
    bool scenario = false;
    for (int row = 0; row < model.rowCount(top); ++row) {
        const QModelIndex child = model.index(row, 0, top);
        if (model.data(child).toString() != "@scenario") continue;
        scenario = true;
        EXPECT_TRUE(model.data(child, TraceTreeModel::IsAttributeRole).toBool());
        EXPECT_EQ(model.data(child, Qt::ToolTipRole).toString(), QString(kScenario));
        EXPECT_EQ(model.data(child, TraceTreeModel::PathRole).toString(), "/");
        EXPECT_NE(model.attributeAt(child), nullptr);
        EXPECT_EQ(model.nodeAt(child), nullptr);
    }
    EXPECT_TRUE(scenario);

    // Another file replaces the tree (a model reset, checked by the tester too).
    const std::string other = writeTrace((dir / "other.h5").string(), 3, 2);
    model.setFile(*io::describeHdf5File(other));
    EXPECT_EQ(model.data(sibling(model.indexOfPath("/layer_0/demand"), TraceTreeModel::Shape))
                  .toString(),
              "[3, 2]");
}

TEST(DatasetPlot, OneDimensionalIsALineTwoDimensionalAHeatmap) {
    const TempDir dir;
    const std::string file = writeTrace((dir / "trace.h5").string(), 25, 4);
    const auto root = io::describeHdf5File(file);
    ASSERT_TRUE(root) << root.error();
    QCustomPlot plot;
    ASSERT_TRUE(drawDataset(plot, file, *io::findHdf5Node(*root, "/layer_0/load_cv"), 800));
    ASSERT_EQ(plot.graphCount(), 1);
    ASSERT_EQ(plot.graph(0)->data()->size(), 25);
    EXPECT_EQ(plot.graph(0)->data()->at(10)->value, 2.5);
    EXPECT_EQ(plot.graph(0)->valueAxis()->label(), "load CV (std / mean of demand) [1]");

    ASSERT_TRUE(drawDataset(plot, file, *io::findHdf5Node(*root, "/layer_0/demand"), 800));
    EXPECT_EQ(plot.graphCount(), 0);
    const auto maps = plottablesOf<QCPColorMap>(plot);
    ASSERT_EQ(maps.size(), 1u);
    ASSERT_EQ(maps[0]->data()->keySize(), 25);
    ASSERT_EQ(maps[0]->data()->valueSize(), 4);
    EXPECT_EQ(maps[0]->data()->cell(7, 3), 703.0);

    const auto threeD = drawDataset(plot, file, *io::findHdf5Node(*root, "/layer_0/snapshots/choice"), 800);
    ASSERT_FALSE(threeD);
    EXPECT_NE(threeD.error().find("not a 1-D or 2-D dataset"), std::string::npos)
        << threeD.error();
}

TEST(DatasetPlot, LongDatasetsAreBinnedToTheWidth) {
    std::vector<double> values(100000);
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i % 7);
    QCustomPlot plot;
    drawDatasetLine(plot, values, "/x", 800);
    QCPGraph* line = nullptr;
    for (int i = 0; i < plot.graphCount(); ++i)
        if (!plot.graph(i)->name().isEmpty()) line = plot.graph(i);
    ASSERT_NE(line, nullptr);
    EXPECT_EQ(line->data()->size(), curvePointsFor(800));

    Eigen::MatrixXd matrix = Eigen::MatrixXd::Constant(50000, 3, -2.0);
    drawDatasetHeatmap(plot, matrix, "/m", 800);
    QCPColorMap& map = *plottablesOf<QCPColorMap>(plot).at(0);
    EXPECT_EQ(map.data()->keySize(), heatmapColumnsFor(800));
    EXPECT_EQ(map.data()->cell(3, 1), -2.0);
    EXPECT_EQ(map.colorScale()->dataRange().lower, -2.0);  // negative values: not from 0
}

}  // namespace
}  // namespace moe::plots
