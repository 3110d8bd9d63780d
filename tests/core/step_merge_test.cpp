// SPDX-License-Identifier: MIT
// mergeStepParts against hand-worked values: two routing calls of one step.
#include <gtest/gtest.h>

#include <cmath>

#include "core/metrics/step_merge.h"
#include "core/routing/routing_decision.h"

namespace moe {
namespace {

StepPart part(std::vector<double> demand, std::vector<double> load, int64_t tokens, int k,
              double tokenDrop, double entropy, int64_t capacity) {
    StepPart p;
    p.tokens = tokens;
    p.k = k;
    p.stats.demand = demand;
    p.stats.load = load;
    for (size_t e = 0; e < demand.size(); ++e) p.stats.dropped.push_back(demand[e] - load[e]);
    p.stats.importance = load;
    p.stats.meanScore = {0.5, 0.25, 0.25};
    double dropped = 0;
    for (double d : p.stats.dropped) dropped += d;
    p.stats.dropFraction = dropped / static_cast<double>(tokens * k);
    p.stats.tokenDropFraction = tokenDrop;
    p.stats.routerEntropy = entropy;
    p.stats.capacity = capacity;
    return p;
}

TEST(StepMerge, AddsCountsAndWeighsFractionsByTokens) {
    // Part A: T = 4, k = 1, demand 3/1/0, capacity 2 -> load 2/1/0, 1 token dropped.
    // Part B: T = 2, k = 2, demand 1/1/2, capacity 1 -> load 1/1/1, no token dropped.
    const StepStats m = mergeStepParts({part({3, 1, 0}, {2, 1, 0}, 4, 1, 0.25, 0.5, 2),
                                        part({1, 1, 2}, {1, 1, 1}, 2, 2, 0.0, 0.8, 1)});
    EXPECT_EQ(m.demand, (std::vector<double>{4, 2, 2}));
    EXPECT_EQ(m.load, (std::vector<double>{3, 2, 1}));
    EXPECT_EQ(m.dropped, (std::vector<double>{1, 0, 1}));
    EXPECT_DOUBLE_EQ(m.dropFraction, 2.0 / 8.0);          // 2 dropped of 4*1 + 2*2 assignments
    EXPECT_DOUBLE_EQ(m.tokenDropFraction, 1.0 / 6.0);     // 1 of 6 tokens
    EXPECT_DOUBLE_EQ(m.routerEntropy, (0.5 * 4 + 0.8 * 2) / 6.0);
    EXPECT_EQ(m.capacity, 3);
    // Load statistics from the summed demand 4/2/2: mean 8/3, population std sqrt(8/9).
    EXPECT_NEAR(m.loadCv, std::sqrt(8.0 / 9.0) / (8.0 / 3.0), 1e-12);
    EXPECT_NEAR(m.maxOverMean, 4.0 / (8.0 / 3.0), 1e-12);
    EXPECT_EQ(m.deadExperts, 0);
    EXPECT_TRUE(std::isnan(m.specialization));
}

TEST(StepMerge, EmptyPartsWeighNothingAndUnlimitedCapacityWins) {
    StepPart empty = part({0, 0, 0}, {0, 0, 0}, 0, 1, NAN, NAN, kUnlimitedCapacity);
    const StepStats m = mergeStepParts({part({1, 0, 1}, {1, 0, 1}, 2, 1, 0.0, 0.3, 5), empty});
    EXPECT_DOUBLE_EQ(m.routerEntropy, 0.3);
    EXPECT_DOUBLE_EQ(m.tokenDropFraction, 0.0);
    EXPECT_EQ(m.capacity, kUnlimitedCapacity);
    EXPECT_EQ(m.deadExperts, 1);
}

}  // namespace
}  // namespace moe
