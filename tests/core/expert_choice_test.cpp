// SPDX-License-Identifier: MIT
// Expert-choice routing (ROUTING.md §3) against a plain-loop reference, its properties and its
// metrics (§10: demand = load). Its behaviour in training is in simulation_test.cpp.
#include "core/routing/expert_choice_router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/math/products.h"
#include "core/metrics/step_metrics.h"
#include "core/routing/token_choice_router.h"
#include "test_config.h"

namespace moe {
namespace {

using testing::configWith;

/// Logits where about half the tokens repeat one of four rows, so that exact ties between tokens
/// happen in every expert's column; the other rows are continuous. The repeated rows are
/// continuous too: two different rows from a small grid of values can give equal S[:, e] in
/// exact arithmetic (permuted entries) that float rounding then orders either way.
Matrix tiedLogits(int T, int E, Rng& rng) {
    Matrix pool(4, E);
    for (Eigen::Index i = 0; i < pool.size(); ++i)
        pool.data()[i] = static_cast<Scalar>(2.0 * rng.normal());
    Matrix m(T, E);
    for (int t = 0; t < T; ++t) {
        if (rng.below(2) == 0) {
            m.row(t) = pool.row(static_cast<Eigen::Index>(rng.below(4)));
        } else {
            for (int e = 0; e < E; ++e) m(t, e) = static_cast<Scalar>(2.0 * rng.normal());
        }
    }
    return m;
}

/// Plain-loop expert choice from logits: no Eigen, no moelab helpers, long double softmax.
struct Reference {
    std::vector<std::vector<long double>> s;  // [T][E]
    std::vector<std::vector<int>> picked;     // [T][E] 0/1
    long long capacity = -1;                  // -1 = unlimited
};

Reference referenceRoute(const Matrix& logits, double capacityFactor) {
    const auto T = static_cast<int>(logits.rows());
    const auto E = static_cast<int>(logits.cols());
    Reference r;
    r.s.assign(static_cast<size_t>(T), std::vector<long double>(static_cast<size_t>(E)));
    for (int t = 0; t < T; ++t) {
        long double mx = -INFINITY;
        for (int e = 0; e < E; ++e) mx = std::max<long double>(mx, logits(t, e));
        long double sum = 0;
        for (int e = 0; e < E; ++e) sum += std::exp(static_cast<long double>(logits(t, e)) - mx);
        for (int e = 0; e < E; ++e)
            r.s[static_cast<size_t>(t)][static_cast<size_t>(e)] =
                std::exp(static_cast<long double>(logits(t, e)) - mx) / sum;
    }
    int take = T;
    if (capacityFactor > 0) {
        const double x = capacityFactor * T / E;
        r.capacity = std::max(1LL, static_cast<long long>(std::ceil(x - 1e-9)));
        take = static_cast<int>(std::min<long long>(r.capacity, T));
    }
    r.picked.assign(static_cast<size_t>(T), std::vector<int>(static_cast<size_t>(E), 0));
    for (int e = 0; e < E; ++e) {
        // Repeatedly take the best token not yet taken; strict > keeps the lower index on ties.
        for (int n = 0; n < take; ++n) {
            int best = -1;
            for (int t = 0; t < T; ++t) {
                if (r.picked[static_cast<size_t>(t)][static_cast<size_t>(e)]) continue;
                if (best < 0 || r.s[static_cast<size_t>(t)][static_cast<size_t>(e)] >
                                    r.s[static_cast<size_t>(best)][static_cast<size_t>(e)])
                    best = t;
            }
            r.picked[static_cast<size_t>(best)][static_cast<size_t>(e)] = 1;
        }
    }
    return r;
}

ScenarioConfig expertChoiceConfig(int E, double capacityFactor,
                                  std::vector<std::string> extra = {}) {
    std::vector<std::string> overrides = {
        "router.kind=expert_choice", "model.experts=" + std::to_string(E), "router.k=1",
        "router.capacity_factor=" + std::to_string(capacityFactor)};
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    return configWith(overrides);
}

/// Tokens picked by each expert.
std::vector<int> picksPerExpert(const RoutingDecision& d) {
    std::vector<int> count(static_cast<size_t>(d.nExperts), 0);
    for (int t = 0; t < d.nTokens; ++t)
        for (int e = 0; e < d.nExperts; ++e) count[static_cast<size_t>(e)] += d.kept(t, e);
    return count;
}

class ExpertChoiceVsReference : public ::testing::TestWithParam<double> {};

TEST_P(ExpertChoiceVsReference, DecisionsAgree) {
    const double cf = GetParam();
    Rng rng(300 + static_cast<uint64_t>(cf * 10));
    bool sawCapacityAboveT = false;
    for (int trial = 0; trial < 40; ++trial) {
        const int E = 1 + static_cast<int>(rng.below(8));
        const int T = 1 + static_cast<int>(rng.below(48));
        const Matrix logits = tiedLogits(T, E, rng);
        const ScenarioConfig cfg = expertChoiceConfig(E, cf, {"router.precision=fp32"});
        ExpertChoiceRouter router(cfg.router, cfg.loss, Matrix::Zero(3, E));
        const RoutingDecision& d = router.routeLogits(logits);
        const Reference r = referenceRoute(logits, cf);
        SCOPED_TRACE("trial " + std::to_string(trial) + " T " + std::to_string(T) + " E " +
                     std::to_string(E));
        ASSERT_EQ(d.nTokens, T);
        ASSERT_EQ(d.nExperts, E);
        ASSERT_EQ(d.k, E);
        ASSERT_EQ(d.capacity, r.capacity);
        sawCapacityAboveT = sawCapacityAboveT || r.capacity > T;
        for (int t = 0; t < T; ++t) {
            for (int e = 0; e < E; ++e) {
                const auto ut = static_cast<size_t>(t);
                const auto ue = static_cast<size_t>(e);
                const bool picked = r.picked[ut][ue] != 0;
                ASSERT_EQ(d.kept(t, e), picked ? 1 : 0) << "token " << t << " expert " << e;
                ASSERT_EQ(d.choice(t, e), picked ? e : -1);
                const auto s = static_cast<double>(r.s[ut][ue]);
                ASSERT_NEAR(d.scores(t, e), s, 1e-6);
                ASSERT_EQ(d.probs(t, e), d.scores(t, e));
                ASSERT_NEAR(d.weight(t, e), picked ? s : 0.0, 1e-6);
            }
        }
    }
    // 40 draws of E in 1..8 include E = 1, where any capacity factor above 1 exceeds T.
    if (cf > 1) {
        EXPECT_TRUE(sawCapacityAboveT);
    }
}

// 0 is the dropless limit; 10 makes C > T for every E <= 8.
INSTANTIATE_TEST_SUITE_P(CapacityFactors, ExpertChoiceVsReference,
                         ::testing::Values(0.5, 1.0, 2.0, 0.0, 10.0));

TEST(ExpertChoice, EveryExpertKeepsMinOfCapacityAndTokens) {
    Rng rng(11);
    for (const double cf : {0.25, 1.0, 2.0, 0.0}) {
        for (const int T : {1, 5, 64, 100}) {
            const int E = 6;
            const ScenarioConfig cfg = expertChoiceConfig(E, cf);
            ExpertChoiceRouter router(cfg.router, cfg.loss, Matrix::Zero(3, E));
            const RoutingDecision& d = router.routeLogits(tiedLogits(T, E, rng));
            const int64_t expected =
                cf > 0 ? std::min<int64_t>(d.capacity, T) : static_cast<int64_t>(T);
            for (const int n : picksPerExpert(d))
                EXPECT_EQ(n, expected) << "cf " << cf << " T " << T;
            for (int t = 0; t < T; ++t) {
                for (int e = 0; e < E; ++e) {
                    EXPECT_EQ(d.choice(t, e), d.kept(t, e) ? e : -1);
                    EXPECT_EQ(d.weight(t, e), d.kept(t, e) ? d.scores(t, e) : Scalar(0));
                }
            }
        }
    }
}

/// Hand-worked: E = 2, T = 4, capacity_factor 1 gives C = ceil(4 / 2) = 2. Tokens 0-2 have equal
/// logits, S = (0.5, 0.5); token 3 has S = (0.88, 0.12). Expert 0 takes token 3 and, of the tied
/// tokens 0-2, token 0; expert 1 takes tokens 0 and 1 (ties at 0.5 above 0.12). Token 0 is picked
/// twice, tokens 1 and 3 once, token 2 by nobody.
struct HandWorked {
    ScenarioConfig cfg = expertChoiceConfig(2, 1.0);
    ExpertChoiceRouter router{cfg.router, cfg.loss, Matrix::Zero(3, 2)};
    const RoutingDecision& d;

    static Matrix logits() {
        Matrix l(4, 2);
        l << 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f, -1.0f;
        return l;
    }
    HandWorked() : d(router.routeLogits(logits())) {}
};

TEST(ExpertChoice, TiesGoToTheLowerTokenIndex) {
    HandWorked h;
    const RoutingDecision& d = h.d;
    EXPECT_EQ(d.capacity, 2);
    const int expected[4][2] = {{1, 1}, {0, 1}, {0, 0}, {1, 0}};
    for (int t = 0; t < 4; ++t)
        for (int e = 0; e < 2; ++e) EXPECT_EQ(d.kept(t, e), expected[t][e]) << t << ", " << e;
    EXPECT_FLOAT_EQ(d.weight(0, 0), 0.5f);
    EXPECT_FLOAT_EQ(d.weight(3, 0), static_cast<float>(1.0 / (1.0 + std::exp(-2.0))));
    EXPECT_EQ(d.weight(2, 0), 0);
    EXPECT_EQ(d.weight(2, 1), 0);
}

TEST(ExpertChoice, MetricsHaveDemandEqualLoadAndNoDrops) {
    HandWorked h;
    const StepStats s = routingMetrics(h.d, {});
    EXPECT_EQ(s.demand, (std::vector<double>{2, 2}));
    EXPECT_EQ(s.load, s.demand);
    EXPECT_EQ(s.dropped, (std::vector<double>{0, 0}));
    EXPECT_EQ(s.dropFraction, 0.0);
    EXPECT_EQ(s.loadCv, 0.0);
    EXPECT_EQ(s.capacity, 2);
    EXPECT_DOUBLE_EQ(s.tokenDropFraction, 0.25);   // token 2
    EXPECT_DOUBLE_EQ(s.pickedOnceFraction, 0.5);   // tokens 1 and 3
    EXPECT_DOUBLE_EQ(s.pickedManyFraction, 0.25);  // token 0
    EXPECT_NEAR(s.importance[0], 0.5 + 1.0 / (1.0 + std::exp(-2.0)), 1e-6);
    EXPECT_NEAR(s.importance[1], 1.0, 1e-6);
}

TEST(ExpertChoice, TokenDropFractionCountsTokensPickedByNone) {
    Rng rng(21);
    const int T = 200, E = 8;
    const ScenarioConfig cfg = expertChoiceConfig(E, 1.0);
    ExpertChoiceRouter router(cfg.router, cfg.loss, Matrix::Zero(3, E));
    const RoutingDecision& d = router.routeLogits(tiedLogits(T, E, rng));
    int none = 0;
    for (int t = 0; t < T; ++t) none += d.kept.row(t).cast<int>().sum() == 0 ? 1 : 0;
    const StepStats s = routingMetrics(d, {});
    EXPECT_GT(none, 0);
    EXPECT_DOUBLE_EQ(s.tokenDropFraction, static_cast<double>(none) / T);
    EXPECT_EQ(s.dropFraction, 0.0);
    EXPECT_EQ(s.loadCv, 0.0);
    EXPECT_EQ(s.demand, s.load);
}

// The logits step is shared with token choice: the same weight, batch and noise draws give the
// same scores, noise only in training, and route() equals routeLogits(X W) at evaluation.
TEST(ExpertChoice, LogitsAndNoiseMatchTokenChoice) {
    Rng rng(8);
    Matrix x(40, 6), w(6, 8);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<Scalar>(rng.normal());
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<Scalar>(rng.normal());
    for (const char* noise : {"none", "jitter", "gaussian", "gumbel"}) {
        const std::vector<std::string> extra = {std::string("router.noise=") + noise,
                                                "router.jitter_eps=0.2"};
        const ScenarioConfig ecCfg = expertChoiceConfig(8, 2.0, extra);
        auto tcOverrides = extra;
        tcOverrides.insert(tcOverrides.end(), {"model.experts=8", "router.k=2"});
        const ScenarioConfig tcCfg = configWith(tcOverrides);
        ExpertChoiceRouter ec(ecCfg.router, ecCfg.loss, w);
        TokenChoiceRouter tc(tcCfg.router, tcCfg.loss, w);
        Rng ecDraws(1), tcDraws(1);
        RouteContext ecTrain, tcTrain;
        ecTrain.training = tcTrain.training = true;
        ecTrain.rng = &ecDraws;
        tcTrain.rng = &tcDraws;
        const Matrix noisy = ec.route(x, ecTrain).scores;
        EXPECT_EQ(noisy, tc.route(x, tcTrain).probs) << noise;

        const RouteContext eval;
        const Matrix clean = ec.route(x, eval).scores;
        if (std::string(noise) != "none") {
            EXPECT_GT((noisy - clean).cwiseAbs().maxCoeff(), 1e-3) << noise;
        }
        ExpertChoiceRouter fromLogits(ecCfg.router, ecCfg.loss, w);
        EXPECT_EQ(fromLogits.routeLogits(chunkedProduct(x, w)).scores, clean) << noise;
    }
}

TEST(ExpertChoice, OnlyTheZLossApplies) {
    HandWorked h;
    const BalanceLosses l = h.router.losses();
    // logsumexp of (0, 0) is ln 2 for tokens 0-2, of (1, -1) ln(e + 1/e) for token 3.
    const double lse3 = std::log(std::exp(1.0) + std::exp(-1.0));
    EXPECT_NEAR(l.z, (3 * std::log(2.0) * std::log(2.0) + lse3 * lse3) / 4, 1e-6);
    EXPECT_EQ(l.aux, 0);
    EXPECT_EQ(l.seqAux, 0);
    EXPECT_EQ(l.importance, 0);
    EXPECT_EQ(l.load, 0);
}

}  // namespace
}  // namespace moe
