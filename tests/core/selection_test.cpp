// SPDX-License-Identifier: MIT
// Selection, capacity and fill order (ROUTING.md §1.3, §1.6, §1.7) against plain-loop references.
#include "core/routing/selection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

#include "core/routing/routing_decision.h"
#include "core/util/rng.h"

namespace moe {
namespace {

/// Scores from a small set of values, so ties are frequent.
Matrix tiedScores(int T, int E, Rng& rng) {
    Matrix m(T, E);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        m.data()[i] = static_cast<Scalar>(static_cast<double>(rng.below(5)) * 0.25);
    return m;
}

TEST(Selection, TopKIsDistinctDescendingAndTiesGoToLowerIndex) {
    Rng rng(1);
    for (int trial = 0; trial < 50; ++trial) {
        const int E = 2 + static_cast<int>(rng.below(10));
        const int k = 1 + static_cast<int>(rng.below(static_cast<uint64_t>(E)));
        const Matrix s = tiedScores(20, E, rng);
        const IndexMatrix c = selectTopK(s, k);
        for (int t = 0; t < 20; ++t) {
            // Reference: sort all experts by (score desc, index asc), take the first k.
            std::vector<int> idx(static_cast<size_t>(E));
            std::iota(idx.begin(), idx.end(), 0);
            std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return s(t, a) > s(t, b); });
            for (int j = 0; j < k; ++j) ASSERT_EQ(c(t, j), idx[static_cast<size_t>(j)]);
        }
    }
}

TEST(Selection, AllEqualScoresPickLowestIndices) {
    const Matrix s = Matrix::Constant(3, 6, 0.5f);
    const IndexMatrix c = selectTopK(s, 3);
    for (int t = 0; t < 3; ++t) {
        EXPECT_EQ(c(t, 0), 0);
        EXPECT_EQ(c(t, 1), 1);
        EXPECT_EQ(c(t, 2), 2);
    }
}

TEST(Selection, NaNRanksLast) {
    Matrix s(1, 3);
    s << std::numeric_limits<Scalar>::quiet_NaN(), 0.1f, 0.2f;
    const IndexMatrix c = selectTopK(s, 3);
    EXPECT_EQ(c(0, 0), 2);
    EXPECT_EQ(c(0, 1), 1);
    EXPECT_EQ(c(0, 2), 0);
}

TEST(Selection, GroupLimitedHandWorked) {
    // 8 experts in 4 groups of 2. Group sums of top-2: g0 = 0.9, g1 = 1.0, g2 = 0.3, g3 = 1.0.
    Matrix s(1, 8);
    s << 0.5f, 0.4f, 0.9f, 0.1f, 0.2f, 0.1f, 0.6f, 0.4f;
    // topk_group = 2: groups 1 and 3 (tie 1.0 vs 1.0 both chosen; g0 = 0.9 loses).
    const IndexMatrix c = selectTopK(s, 3, 4, 2);
    EXPECT_EQ(c(0, 0), 2);  // 0.9
    EXPECT_EQ(c(0, 1), 6);  // 0.6
    EXPECT_EQ(c(0, 2), 7);  // 0.4 in group 3 beats 0.5 of the ineligible expert 0
    // Without the group limit expert 0 (0.5) would be third.
    EXPECT_EQ(selectTopK(s, 3)(0, 2), 0);
}

TEST(Selection, GroupLimitedMatchesBruteForce) {
    Rng rng(2);
    for (int trial = 0; trial < 100; ++trial) {
        const int groups = 2 + static_cast<int>(rng.below(3));
        const int gsize = 1 + static_cast<int>(rng.below(3));
        const int E = groups * gsize;
        const int topkGroup = 1 + static_cast<int>(rng.below(static_cast<uint64_t>(groups)));
        const int k = 1 + static_cast<int>(rng.below(static_cast<uint64_t>(topkGroup * gsize)));
        const Matrix s = tiedScores(10, E, rng);
        const IndexMatrix c = selectTopK(s, k, groups, topkGroup);
        for (int t = 0; t < 10; ++t) {
            std::vector<double> gscore(static_cast<size_t>(groups));
            for (int g = 0; g < groups; ++g) {
                std::vector<double> v;
                for (int e = g * gsize; e < (g + 1) * gsize; ++e) v.push_back(s(t, e));
                std::sort(v.rbegin(), v.rend());
                gscore[static_cast<size_t>(g)] = gsize >= 2 ? v[0] + v[1] : v[0];
            }
            std::vector<int> gidx(static_cast<size_t>(groups));
            std::iota(gidx.begin(), gidx.end(), 0);
            std::stable_sort(gidx.begin(), gidx.end(), [&](int a, int b) {
                return gscore[static_cast<size_t>(a)] > gscore[static_cast<size_t>(b)];
            });
            std::vector<int> eligible;
            for (int e = 0; e < E; ++e)
                if (std::find(gidx.begin(), gidx.begin() + topkGroup, e / gsize) !=
                    gidx.begin() + topkGroup)
                    eligible.push_back(e);
            std::stable_sort(eligible.begin(), eligible.end(),
                             [&](int a, int b) { return s(t, a) > s(t, b); });
            for (int j = 0; j < k; ++j) ASSERT_EQ(c(t, j), eligible[static_cast<size_t>(j)]);
        }
    }
}

TEST(Capacity, ExactArithmeticRule) {
    EXPECT_EQ(tokenChoiceCapacity(1.1, 1, 800, 8, 0), 110);  // not 111 from a double product
    EXPECT_EQ(tokenChoiceCapacity(1.0, 2, 1024, 16, 0), 128);
    EXPECT_EQ(tokenChoiceCapacity(1.25, 2, 100, 8, 0), 32);   // 31.25 -> 32
    EXPECT_EQ(tokenChoiceCapacity(1.0, 1, 10, 4, 0), 3);      // 2.5 -> 3
    EXPECT_EQ(tokenChoiceCapacity(0.1, 1, 10, 4, 4), 4);      // min_capacity wins over 1
    EXPECT_EQ(tokenChoiceCapacity(0.0, 2, 10, 4, 4), kUnlimitedCapacity);
    EXPECT_EQ(tokenChoiceCapacity(1.2, 1, 5, 6, 0), 1);       // 1.0000000000000002 -> 1
}

/// Sequential fill over an explicit order: the plain-loop definition.
MaskMatrix sequentialFill(const IndexMatrix& choice, const std::vector<std::pair<int, int>>& order,
                          int64_t C, int E) {
    MaskMatrix kept = MaskMatrix::Zero(choice.rows(), choice.cols());
    std::vector<int64_t> count(static_cast<size_t>(E), 0);
    for (auto [t, j] : order) {
        const int e = choice(t, j);
        if (e < 0) continue;
        if (C < 0 || count[static_cast<size_t>(e)] < C) {
            kept(t, j) = 1;
            ++count[static_cast<size_t>(e)];
        }
    }
    return kept;
}

TEST(Fill, EveryPriorityMatchesSequentialReferenceAndRespectsCapacity) {
    Rng rng(3);
    for (int trial = 0; trial < 60; ++trial) {
        const int T = 1 + static_cast<int>(rng.below(40));
        const int E = 2 + static_cast<int>(rng.below(6));
        const int k = 1 + static_cast<int>(rng.below(static_cast<uint64_t>(std::min(E, 3))));
        const Matrix s = tiedScores(T, E, rng);
        IndexMatrix choice = selectTopK(s, k);
        if (k >= 2)
            for (int t = 0; t < T; ++t)
                if (rng.below(4) == 0) choice(t, 1) = -1;  // a discarded second choice
        Matrix choiceScore(T, k);
        for (int t = 0; t < T; ++t)
            for (int j = 0; j < k; ++j) choiceScore(t, j) = s(t, selectTopK(s, k)(t, j));
        const int64_t C = static_cast<int64_t>(rng.below(5));
        for (Priority p : {Priority::Position, Priority::Token, Priority::Score}) {
            std::vector<std::pair<int, int>> order;
            if (p == Priority::Token) {
                for (int t = 0; t < T; ++t)
                    for (int j = 0; j < k; ++j) order.push_back({t, j});
            } else {
                for (int j = 0; j < k; ++j) {
                    std::vector<int> toks(static_cast<size_t>(T));
                    std::iota(toks.begin(), toks.end(), 0);
                    if (p == Priority::Score)
                        std::stable_sort(toks.begin(), toks.end(), [&](int a, int b) {
                            return choiceScore(a, j) > choiceScore(b, j);
                        });
                    for (int t : toks) order.push_back({t, j});
                }
            }
            const MaskMatrix kept = fillCapacity(choice, choiceScore, C, E, p);
            ASSERT_EQ(kept, sequentialFill(choice, order, C, E)) << "priority " << enumName(p);
            // Property: no expert keeps more than C; an expert drops only when full.
            std::vector<int64_t> keptCount(static_cast<size_t>(E), 0), demand(static_cast<size_t>(E), 0);
            for (int t = 0; t < T; ++t)
                for (int j = 0; j < k; ++j) {
                    if (choice(t, j) < 0) {
                        ASSERT_EQ(kept(t, j), 0);
                        continue;
                    }
                    demand[static_cast<size_t>(choice(t, j))]++;
                    keptCount[static_cast<size_t>(choice(t, j))] += kept(t, j);
                }
            for (int e = 0; e < E; ++e)
                ASSERT_EQ(keptCount[static_cast<size_t>(e)],
                          std::min(demand[static_cast<size_t>(e)], C));
        }
    }
}

TEST(Fill, PositionPriorityFillsFirstChoicesBeforeSecond) {
    // Two tokens both pick expert 0 first... token 0's second choice is expert 1, token 1's first
    // choice is expert 1. With C = 1, position priority gives expert 1 to token 1's first choice.
    IndexMatrix choice(2, 2);
    choice << 0, 1, 1, 0;
    const Matrix score = Matrix::Constant(2, 2, 0.5f);
    const MaskMatrix pos = fillCapacity(choice, score, 1, 2, Priority::Position);
    EXPECT_EQ(pos(0, 0), 1);
    EXPECT_EQ(pos(1, 0), 1);
    EXPECT_EQ(pos(0, 1), 0);
    EXPECT_EQ(pos(1, 1), 0);
    // Token priority: token 0 takes both experts; token 1 gets nothing.
    const MaskMatrix tok = fillCapacity(choice, score, 1, 2, Priority::Token);
    EXPECT_EQ(tok(0, 0), 1);
    EXPECT_EQ(tok(0, 1), 1);
    EXPECT_EQ(tok(1, 0), 0);
    EXPECT_EQ(tok(1, 1), 0);
}

TEST(Fill, ScorePriorityKeepsHighestScoresFirst) {
    IndexMatrix choice(3, 1);
    choice << 0, 0, 0;
    Matrix score(3, 1);
    score << 0.2f, 0.9f, 0.9f;
    const MaskMatrix kept = fillCapacity(choice, score, 1, 1, Priority::Score);
    EXPECT_EQ(kept(0, 0), 0);
    EXPECT_EQ(kept(1, 0), 1);  // tie with token 2: the lower token index wins
    EXPECT_EQ(kept(2, 0), 0);
}

}  // namespace
}  // namespace moe
