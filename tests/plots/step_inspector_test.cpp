// SPDX-License-Identifier: MIT
// The step inspector: bars of one step, capacity line, domain x expert matrix of a snapshot.
#include "core/io/trace_writer.h"
#include "plots/step_inspector.h"
#include "tests/plots/plot_test_support.h"

#include <qcustomplot.h>

#include <gtest/gtest.h>

namespace moe::plots {
namespace {

/// Four tokens, two columns; hand-worked counts in the tests below.
io::TraceSnapshot smallSnapshot() {
    io::TraceSnapshot s;
    s.step = 40;
    s.nTokens = 4;
    s.domain = {0, 1, 1, -1};
    s.choice = {2, 0, 1, -1, 1, 2, 0, 1};
    s.kept = {1, 0, 1, 0, 0, 1, 1, 1};
    s.weight.assign(8, 0.5f);
    return s;
}

QCPBars* barsNamed(QCustomPlot& plot, const QString& prefix) {
    for (QCPBars* bars : plottablesOf<QCPBars>(plot))
        if (bars->name().startsWith(prefix)) return bars;
    return nullptr;
}

TEST(StepInspector, NearestRowPrefersTheEarlierOnATie) {
    const std::vector<int64_t> step = {0, 10, 20, 30};
    EXPECT_EQ(nearestRow(step, -3), 0);
    EXPECT_EQ(nearestRow(step, 14), 1);
    EXPECT_EQ(nearestRow(step, 15), 1);
    EXPECT_EQ(nearestRow(step, 16), 2);
    EXPECT_EQ(nearestRow(step, 30), 3);
    EXPECT_EQ(nearestRow(step, 99), 3);
    EXPECT_EQ(nearestRow({}, 5), -1);
}

TEST(StepInspector, DomainCountsByFirstChoiceAndByKeptAssignment) {
    const io::TraceSnapshot s = smallSnapshot();
    Eigen::MatrixXd first = Eigen::MatrixXd::Zero(2, 3);
    first(0, 2) = 1;  // token 0
    first(1, 1) = 2;  // tokens 1 and 2; token 3 has no domain
    EXPECT_EQ(domainExpertCounts(s, 3, DomainCount::FirstChoice), first);
    Eigen::MatrixXd kept = Eigen::MatrixXd::Zero(2, 3);
    kept(0, 2) = 1;  // token 0, column 0 (its column 1 was not kept)
    kept(1, 1) = 1;  // token 1, column 0 (column 1 discarded)
    kept(1, 2) = 1;  // token 2, column 1 (column 0 dropped)
    EXPECT_EQ(domainExpertCounts(s, 3, DomainCount::KeptAssignments), kept);
    io::TraceSnapshot unlabelled = s;
    unlabelled.domain.clear();
    EXPECT_EQ(domainExpertCounts(unlabelled, 3, DomainCount::FirstChoice).rows(), 0);
}

TEST(StepInspector, BarsHoldTheNearestRowAndTheCapacity) {
    io::TraceData data = makeTrace(20, 3);
    data.scalars["capacity"].assign(20, 12.0);
    data.scalars["capacity"][6] = -1;
    QCustomPlot plot;
    EXPECT_EQ(drawStepInspector(plot, data, 53, nullptr), 5);  // step 50
    QCPBars* kept = barsNamed(plot, "kept");
    QCPBars* dropped = barsNamed(plot, "dropped");
    QCPBars* demand = barsNamed(plot, "demand");
    ASSERT_TRUE(kept && dropped && demand);
    ASSERT_EQ(kept->data()->size(), 3);
    for (int e = 0; e < 3; ++e) {
        EXPECT_EQ(kept->data()->at(e)->key, e);
        EXPECT_EQ(kept->data()->at(e)->value, data.perExpert.at("load")(5, e));
        EXPECT_EQ(dropped->data()->at(e)->value, data.perExpert.at("dropped")(5, e));
        EXPECT_EQ(demand->data()->at(e)->value, data.perExpert.at("demand")(5, e));
    }
    EXPECT_EQ(dropped->barBelow(), kept);  // stacked: kept + dropped
    ASSERT_EQ(plot.graphCount(), 1);
    EXPECT_EQ(plot.graph(0)->name(), "capacity C = 12");
    EXPECT_EQ(plot.graph(0)->data()->at(0)->value, 12.0);
    EXPECT_TRUE(plottablesOf<QCPColorMap>(plot).empty());

    drawStepInspector(plot, data, 60, nullptr);
    EXPECT_EQ(plot.graph(0)->name(), "no capacity limit");
    EXPECT_TRUE(plot.graph(0)->data()->isEmpty());
}

TEST(StepInspector, SnapshotWithDomainsAddsTheMatrix) {
    const io::TraceData data = makeTrace(10, 3);
    const io::TraceSnapshot snapshot = smallSnapshot();
    QCustomPlot plot;
    drawStepInspector(plot, data, 40, &snapshot, {DomainCount::FirstChoice});
    const auto maps = plottablesOf<QCPColorMap>(plot);
    ASSERT_EQ(maps.size(), 1u);
    QCPColorMapData& cells = *maps[0]->data();
    ASSERT_EQ(cells.keySize(), 3);    // experts
    ASSERT_EQ(cells.valueSize(), 2);  // domains
    const Eigen::MatrixXd counts = domainExpertCounts(snapshot, 3, DomainCount::FirstChoice);
    for (int d = 0; d < 2; ++d)
        for (int e = 0; e < 3; ++e) EXPECT_EQ(cells.cell(e, d), counts(d, e));
    EXPECT_TRUE(maps[0]->colorScale()->label().contains("first choice"));

    // A snapshot without labels: no matrix.
    io::TraceSnapshot unlabelled = snapshot;
    unlabelled.domain.clear();
    drawStepInspector(plot, data, 40, &unlabelled);
    EXPECT_TRUE(plottablesOf<QCPColorMap>(plot).empty());
    // An empty trace draws a note, not a crash.
    EXPECT_EQ(drawStepInspector(plot, makeTrace(0, 3), 0, nullptr), -1);
}

}  // namespace
}  // namespace moe::plots
