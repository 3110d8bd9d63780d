// SPDX-License-Identifier: MIT
// Step metrics (ROUTING.md §10) on hand-worked decisions.
#include "core/metrics/step_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace moe {
namespace {

/// T = 4 tokens, E = 3 experts, k = 2, capacity 2. Choices (expert, kept):
/// t0: (0, kept) (1, kept); t1: (0, kept) (2, kept); t2: (0, dropped) (1, kept);
/// t3: (0, dropped) (-1 discarded).
RoutingDecision handDecision() {
    RoutingDecision d;
    d.nTokens = 4;
    d.nExperts = 3;
    d.k = 2;
    d.capacity = 2;
    d.choice.resize(4, 2);
    d.choice << 0, 1, 0, 2, 0, 1, 0, -1;
    d.kept.resize(4, 2);
    d.kept << 1, 1, 1, 1, 0, 1, 0, 0;
    d.weight.resize(4, 2);
    d.weight << 0.6f, 0.4f, 0.7f, 0.3f, 0.0f, 0.5f, 0.0f, 0.0f;
    d.scores = Matrix::Constant(4, 3, 1.0f / 3);
    d.scores(0, 0) = 0.5f;
    d.scores(0, 1) = 0.5f;
    d.scores(0, 2) = 0.0f;
    d.probs = d.scores;
    return d;
}

TEST(Metrics, HandWorkedCountsAndFractions) {
    const StepStats s = routingMetrics(handDecision(), {});
    // demand: expert 0 four times, expert 1 twice, expert 2 once.
    EXPECT_EQ(s.demand, (std::vector<double>{4, 2, 1}));
    EXPECT_EQ(s.load, (std::vector<double>{2, 2, 1}));
    EXPECT_EQ(s.dropped, (std::vector<double>{2, 0, 0}));
    EXPECT_NEAR(s.importance[0], 1.3, 1e-6);
    EXPECT_NEAR(s.importance[1], 0.9, 1e-6);
    EXPECT_NEAR(s.importance[2], 0.3, 1e-6);
    EXPECT_DOUBLE_EQ(s.dropFraction, 2.0 / 8.0);      // 2 dropped of T k = 8
    EXPECT_DOUBLE_EQ(s.tokenDropFraction, 1.0 / 4);   // only t3 has nothing kept
    EXPECT_DOUBLE_EQ(s.pickedOnceFraction, 1.0 / 4);  // t2
    EXPECT_DOUBLE_EQ(s.pickedManyFraction, 2.0 / 4);  // t0, t1
    EXPECT_DOUBLE_EQ(s.nullFraction, 0.0);
    // With expert 2 as a null expert: 1 of the 5 kept assignments (t1's second) is null.
    EXPECT_DOUBLE_EQ(routingMetrics(handDecision(), {}, 1).nullFraction, 1.0 / 5);
    const double mean = 7.0 / 3;
    const double var = ((4 - mean) * (4 - mean) + (2 - mean) * (2 - mean) + (1 - mean) * (1 - mean)) / 3;
    EXPECT_NEAR(s.loadCv, std::sqrt(var) / mean, 1e-12);
    EXPECT_NEAR(s.maxOverMean, 4 / mean, 1e-12);
    const double h = -(4.0 / 7 * std::log(4.0 / 7) + 2.0 / 7 * std::log(2.0 / 7) + 1.0 / 7 * std::log(1.0 / 7));
    EXPECT_NEAR(s.loadEntropy, h / std::log(3.0), 1e-12);
    EXPECT_NEAR(s.collapse, 1 - h / std::log(3.0), 1e-12);
    EXPECT_EQ(s.deadExperts, 0);
    // Router entropy: token 0 has H = ln 2, the other three ln 3.
    EXPECT_NEAR(s.routerEntropy, (std::log(2.0) + 3 * std::log(3.0)) / 4 / std::log(3.0), 1e-6);
    EXPECT_NEAR(s.meanScore[0], (0.5 + 3.0 / 3) / 4, 1e-6);
    EXPECT_TRUE(std::isnan(s.specialization));
}

TEST(Metrics, DeadExpertsAndFullCollapse) {
    RoutingDecision d = handDecision();
    d.choice << 0, -1, 0, -1, 0, -1, 0, -1;
    d.kept << 1, 0, 1, 0, 0, 0, 0, 0;
    const StepStats s = routingMetrics(d, {});
    EXPECT_EQ(s.deadExperts, 2);
    EXPECT_NEAR(s.loadEntropy, 0.0, 1e-12);
    EXPECT_NEAR(s.collapse, 1.0, 1e-12);
    EXPECT_DOUBLE_EQ(s.tokenDropFraction, 0.5);
}

TEST(Metrics, NmiHandWorked) {
    // Identical partitions up to relabelling: 1.
    EXPECT_NEAR(normalizedMutualInformation({0, 0, 1, 1}, {5, 5, 3, 3}), 1.0, 1e-12);
    // Independent: a = (0,0,1,1), b = (0,1,0,1): I = 0.
    EXPECT_NEAR(normalizedMutualInformation({0, 0, 1, 1}, {0, 1, 0, 1}), 0.0, 1e-12);
    // a = (0,0,1,1), b = (0,0,0,1): H(a) = ln 2, H(b) = -(3/4 ln 3/4 + 1/4 ln 1/4),
    // I = H(b) - H(b|a) = H(b) - 1/2 ln 2.
    const double hb = -(0.75 * std::log(0.75) + 0.25 * std::log(0.25));
    const double i = hb - 0.5 * std::log(2.0);
    EXPECT_NEAR(normalizedMutualInformation({0, 0, 1, 1}, {0, 0, 0, 1}), 2 * i / (std::log(2.0) + hb),
                1e-12);
    EXPECT_EQ(normalizedMutualInformation({1, 1, 1}, {2, 2, 2}), 1.0);
    EXPECT_EQ(normalizedMutualInformation({1, 1, 1}, {0, 1, 2}), 0.0);
}

TEST(Metrics, SpecializationUsesFirstChoice) {
    RoutingDecision d = handDecision();
    d.choice << 0, 1, 0, 2, 1, 0, 1, -1;
    const StepStats s = routingMetrics(d, {3, 3, 7, 7});
    EXPECT_NEAR(s.specialization, 1.0, 1e-12);
}

TEST(Metrics, NormalizedEntropyEdgeCases) {
    EXPECT_DOUBLE_EQ(normalizedEntropy({5}), 1.0);
    EXPECT_DOUBLE_EQ(normalizedEntropy({0, 0}), 0.0);
    EXPECT_NEAR(normalizedEntropy({2, 2, 2, 2}), 1.0, 1e-15);
}

}  // namespace
}  // namespace moe

namespace moe {
namespace {

TEST(Metrics, ExpertChoiceSpecializationUsesTheHeaviestPick) {
    // One column per expert: t0 picked by experts 0 (0.2) and 1 (0.7) -> first choice 1;
    // t1 by expert 0 only -> 0; t2 by nobody -> -1; t3 by expert 1 -> 1.
    RoutingDecision d;
    d.nTokens = 4;
    d.nExperts = 2;
    d.k = 2;
    d.columnPerExpert = true;
    d.choice.resize(4, 2);
    d.choice << 0, 1, 0, -1, -1, -1, -1, 1;
    d.kept.resize(4, 2);
    d.kept << 1, 1, 1, 0, 0, 0, 0, 1;
    d.weight.resize(4, 2);
    d.weight << 0.2f, 0.7f, 0.6f, 0.0f, 0.0f, 0.0f, 0.0f, 0.9f;
    d.scores = Matrix::Constant(4, 2, 0.5f);
    d.probs = d.scores;
    // Domains (5, 6, 7, 5) against first choices (1, 0, -1, 1): a perfect relabelling.
    EXPECT_NEAR(routingMetrics(d, {5, 6, 7, 5}).specialization, 1.0, 1e-12);
    EXPECT_LT(routingMetrics(d, {5, 5, 6, 6}).specialization, 0.9);
}

}  // namespace
}  // namespace moe
