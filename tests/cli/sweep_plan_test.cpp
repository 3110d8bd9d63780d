// SPDX-License-Identifier: MIT
#include "app/cli/sweep_plan.h"

#include "app/cli/sweep_summary.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace moe::app {
namespace {

TEST(SweepPlan, ParsesVary) {
    const auto axis = parseVary("router.kind=token_choice,expert_choice");
    ASSERT_TRUE(axis) << axis.error();
    EXPECT_EQ(axis->key, "router.kind");
    EXPECT_EQ(axis->values, (std::vector<std::string>{"token_choice", "expert_choice"}));
    const auto dashed = parseVary("--router.k=1");
    ASSERT_TRUE(dashed);
    EXPECT_EQ(dashed->key, "router.k");
    EXPECT_EQ(dashed->values, std::vector<std::string>{"1"});
}

TEST(SweepPlan, RefusesMalformedVary) {
    for (const char* bad :
         {"router.k", "=1,2", "router.k=", "router.k=1,,2", "router.k=1,", "router.k=1,2,1"})
        EXPECT_FALSE(parseVary(bad)) << bad;
    EXPECT_FALSE(parseVaryList({"router.k=1", "router.k=2"}));  // same key twice
    EXPECT_FALSE(parseVaryList({"seed=1,2"}));
    EXPECT_FALSE(parseVaryList({"train.threads=1,2"}));
    const auto error = parseVary("router.k=1,,2");
    EXPECT_NE(error.error().find("router.k=1,,2"), std::string::npos);  // names the option
}

TEST(SweepPlan, GridIsCartesianWithLastAxisFastest) {
    const auto axes = parseVaryList({"a.x=1,2", "b.y=p,q,r"});
    ASSERT_TRUE(axes);
    const std::vector<SweepPoint> grid = sweepGrid(*axes);
    ASSERT_EQ(grid.size(), 6u);
    EXPECT_EQ(grid[0], (SweepPoint{{"a.x", "1"}, {"b.y", "p"}}));
    EXPECT_EQ(grid[1], (SweepPoint{{"a.x", "1"}, {"b.y", "q"}}));
    EXPECT_EQ(grid[3], (SweepPoint{{"a.x", "2"}, {"b.y", "p"}}));
    EXPECT_EQ(grid[5], (SweepPoint{{"a.x", "2"}, {"b.y", "r"}}));
    EXPECT_EQ(sweepGrid({}).size(), 1u);  // no --vary: the base scenario alone
    EXPECT_EQ(pointOverrides(grid[4]), (std::vector<std::string>{"--a.x=2", "--b.y=q"}));
}

TEST(SweepPlan, NamesAreReadableSafeAndUnique) {
    EXPECT_EQ(runName({{"router.kind", "expert_choice"}, {"router.k", "2"}}, 3),
              "router.kind-expert_choice_router.k-2_seed3");
    EXPECT_EQ(runName({}, 1), "seed1");
    EXPECT_EQ(encodeNameValue("a/b c%"), "a%2Fb%20c%25");
    EXPECT_EQ(encodeNameValue("1e-3"), "1e-3");

    const auto axes = parseVaryList(
        {"stream.path=a/b.h5,a_b.h5,a%2Fb.h5,../x.h5", "router.capacity_factor=1,1.0,-1"});
    ASSERT_TRUE(axes);
    std::vector<std::string> names;
    for (const SweepPoint& p : sweepGrid(*axes))
        for (uint64_t seed : {1u, 2u}) names.push_back(runName(p, seed));
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
    EXPECT_FALSE(findNameCollision(names));
    for (const std::string& n : names) EXPECT_EQ(n.find('/'), std::string::npos) << n;
    EXPECT_TRUE(findNameCollision({"router.kind-A_seed1", "router.kind-a_seed1"}));
    EXPECT_EQ(expectedTraceRows(30, 1), 30);
    EXPECT_EQ(expectedTraceRows(30, 4), 8);  // steps 0, 4, ..., 28
}

TEST(SweepSummary, CsvRoundTripsAwkwardFields) {
    const std::vector<std::string> fields = {"plain", "a,b", "say \"hi\"", ""};
    EXPECT_EQ(parseCsvLine(formatCsvLine(fields)), fields);
}

TEST(SweepSummary, FinalIsLastStepAndWorstIsMax) {
    RunMetrics m;
    StepStats s;
    s.dropFraction = 0.5;
    s.specialization = std::nan("");
    m.add(s);
    s.dropFraction = 0.1;
    s.specialization = 0.3;
    m.add(s);
    const std::vector<double> v = m.values();
    EXPECT_EQ(m.steps(), 2);
    EXPECT_DOUBLE_EQ(v[0], 0.1);  // final_drop_fraction
    EXPECT_DOUBLE_EQ(v[1], 0.5);  // worst_drop_fraction
    EXPECT_DOUBLE_EQ(v[9], 0.3);  // best_specialization skips the NaN step
}

TEST(SweepSummary, DoneFileRoundTripsAndRejectsOtherSweeps) {
    SweepRow row;
    row.point = {{"router.k", "2"}};
    row.seed = 7;
    row.ok = false;
    row.error = "task_loss became non-finite (NaN or Inf) at step 3, badly";
    const std::vector<std::string> keys = {"router.k"};
    const std::string text = formatDoneFile(keys, row);
    const auto fields = parseDoneFile(text, keys);
    ASSERT_TRUE(fields);
    EXPECT_EQ(*fields, summaryFields(row));
    EXPECT_TRUE(fieldsFailed(keys, *fields));
    EXPECT_FALSE(parseDoneFile(text, {"router.kind"}));
    EXPECT_FALSE(parseDoneFile(text.substr(0, text.size() - 5), keys));  // torn write
}

TEST(SweepSummary, ByPointUsesSampleStd) {
    const std::vector<std::string> keys = {"router.k"};
    std::vector<std::vector<std::string>> rows;
    for (const char* k : {"1", "2"})
        for (double drop : {0.1, 0.3}) {
            SweepRow row;
            row.point = {{"router.k", k}};
            StepStats s;
            s.dropFraction = drop;
            row.metrics.add(s);
            rows.push_back(summaryFields(row));
        }
    const auto table = byPointTable(keys, rows);
    ASSERT_EQ(table.size(), 3u);  // header + 2 points
    const auto& header = table[0];
    const auto column = [&](const std::string& name) {
        return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
    };
    ASSERT_LT(column("final_drop_fraction_std"), header.size());
    EXPECT_EQ(table[1][column("seeds")], "2");
    EXPECT_DOUBLE_EQ(std::stod(table[1][column("final_drop_fraction_mean")]), 0.2);
    EXPECT_NEAR(std::stod(table[1][column("final_drop_fraction_std")]), std::sqrt(0.02), 1e-12);
}

}  // namespace
}  // namespace moe::app
