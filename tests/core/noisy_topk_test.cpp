// SPDX-License-Identifier: MIT
// Noisy top-k gating (ROUTING.md §2) and its losses against independent computations.
#include "core/routing/noisy_topk_router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/routing/balancing.h"
#include "test_config.h"

namespace moe {
namespace {

using testing::configWith;

struct GateWeights {
    Matrix x, wGate, wNoise;
};

GateWeights randomSetup(int T, int d, int E, uint64_t seed) {
    Rng rng(seed);
    GateWeights s{Matrix(T, d), Matrix(d, E), Matrix(d, E)};
    for (Matrix* m : {&s.x, &s.wGate, &s.wNoise})
        for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = static_cast<Scalar>(0.7 * rng.normal());
    return s;
}

double softplusRef(double u) { return std::log1p(std::exp(-std::abs(u))) + std::max(u, 0.0); }

TEST(NoisyTopK, EvaluationIsDeterministicAndGatesSumToOneOverK) {
    const GateWeights s = randomSetup(30, 5, 6, 1);
    ScenarioConfig cfg = configWith({"router.kind=noisy_topk", "model.experts=6", "router.k=3",
                                     "router.capacity_factor=0"});
    NoisyTopKRouter router(cfg.router, cfg.loss, s.wGate, s.wNoise);
    RouteContext eval;
    const IndexMatrix first = router.route(s.x, eval).choice;
    const RoutingDecision& d = router.route(s.x, eval);
    EXPECT_EQ(first, d.choice);
    const Matrix clean = s.x * s.wGate;
    for (int t = 0; t < 30; ++t) {
        EXPECT_NEAR(d.weight.row(t).sum(), 1.0, 1e-6);
        // Without noise, G = softmax over the 3 largest clean logits.
        std::vector<int> order = {0, 1, 2, 3, 4, 5};
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return clean(t, a) > clean(t, b); });
        double z = 0;
        for (int j = 0; j < 3; ++j) z += std::exp(static_cast<double>(clean(t, order[static_cast<size_t>(j)])));
        for (int j = 0; j < 3; ++j) {
            ASSERT_EQ(d.choice(t, j), order[static_cast<size_t>(j)]);
            EXPECT_NEAR(d.weight(t, j), std::exp(static_cast<double>(clean(t, order[static_cast<size_t>(j)]))) / z, 1e-5);
        }
    }
}

TEST(NoisyTopK, TrainingNoiseFollowsTheSoftplusScale) {
    // Replays the router's normal draws and checks H = clean + n * (softplus(x W_noise) + 0.01)
    // through the selected experts and their gates.
    const GateWeights s = randomSetup(20, 4, 5, 2);
    ScenarioConfig cfg = configWith({"router.kind=noisy_topk", "model.experts=5", "router.k=2",
                                     "router.capacity_factor=0"});
    NoisyTopKRouter router(cfg.router, cfg.loss, s.wGate, s.wNoise);
    Rng rng(9), replay(9);
    RouteContext train;
    train.training = true;
    train.rng = &rng;
    const RoutingDecision& d = router.route(s.x, train);
    const Matrix clean = s.x * s.wGate;
    const Matrix raw = s.x * s.wNoise;
    for (int t = 0; t < 20; ++t) {
        std::vector<double> h(5);
        for (int e = 0; e < 5; ++e)
            h[static_cast<size_t>(e)] = clean(t, e) + replay.normal() * (softplusRef(raw(t, e)) + 0.01);
        std::vector<int> order = {0, 1, 2, 3, 4};
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return h[static_cast<size_t>(a)] > h[static_cast<size_t>(b)]; });
        ASSERT_EQ(d.choice(t, 0), order[0]);
        ASSERT_EQ(d.choice(t, 1), order[1]);
        const double g0 = 1.0 / (1.0 + std::exp(h[static_cast<size_t>(order[1])] - h[static_cast<size_t>(order[0])]));
        EXPECT_NEAR(d.weight(t, 0), g0, 1e-5);
    }
}

// The load estimator P(x, i) of Shazeer et al. (eq. 9) is the probability that expert i stays in
// the top k when only its own noise is redrawn. Estimate that by Monte Carlo, independently of the
// router's closed form, and compare the resulting load loss CV(Load)^2.
TEST(NoisyTopK, LoadLossMatchesMonteCarloProbabilityOfStayingInTopK) {
    const int T = 6, d = 4, E = 5, k = 2;
    const GateWeights s = randomSetup(T, d, E, 3);
    ScenarioConfig cfg = configWith({"router.kind=noisy_topk", "model.experts=5", "router.k=2",
                                     "router.capacity_factor=0", "loss.load=1"});
    NoisyTopKRouter router(cfg.router, cfg.loss, s.wGate, s.wNoise);
    Rng rng(21), replay(21);
    RouteContext train;
    train.training = true;
    train.rng = &rng;
    router.route(s.x, train);
    const double closedForm = router.losses().load;

    const Matrix clean = s.x * s.wGate;
    const Matrix raw = s.x * s.wNoise;
    std::vector<double> load(E, 0.0);
    Rng mc(5);
    const int draws = 200000;
    for (int t = 0; t < T; ++t) {
        std::vector<double> h(E), sd(E);
        for (int e = 0; e < E; ++e) {
            sd[static_cast<size_t>(e)] = softplusRef(raw(t, e)) + 0.01;
            h[static_cast<size_t>(e)] = clean(t, e) + replay.normal() * sd[static_cast<size_t>(e)];
        }
        for (int i = 0; i < E; ++i) {
            int inTop = 0;
            for (int n = 0; n < draws / 20; ++n) {
                const double hi = clean(t, i) + mc.normal() * sd[static_cast<size_t>(i)];
                int above = 0;  // other experts strictly above the redrawn H_i
                for (int e = 0; e < E; ++e)
                    if (e != i && h[static_cast<size_t>(e)] > hi) ++above;
                if (above < k) ++inTop;
            }
            load[static_cast<size_t>(i)] += static_cast<double>(inTop) / (draws / 20);
        }
    }
    const double monteCarlo = cvSquared(load, nullptr);
    // 10000 draws per probability: standard error <= 0.005 each; the CV^2 band follows.
    EXPECT_NEAR(closedForm, monteCarlo, 0.02 + 0.05 * monteCarlo)
        << "closed form " << closedForm << " Monte Carlo " << monteCarlo;
}

TEST(NoisyTopK, ImportanceLossIsCvSquaredOfGateSums) {
    const GateWeights s = randomSetup(12, 3, 4, 4);
    ScenarioConfig cfg = configWith({"router.kind=noisy_topk", "model.experts=4", "router.k=2",
                                     "router.capacity_factor=0.5"});
    NoisyTopKRouter router(cfg.router, cfg.loss, s.wGate, s.wNoise);
    RouteContext eval;
    const RoutingDecision& d = router.route(s.x, eval);
    // Importance counts G before capacity: the dense scores hold G of every selected expert.
    std::vector<double> importance(4, 0.0);
    for (int t = 0; t < 12; ++t)
        for (int e = 0; e < 4; ++e) importance[static_cast<size_t>(e)] += d.scores(t, e);
    double mean = 0, var = 0;
    for (double v : importance) mean += v / 4;
    for (double v : importance) var += (v - mean) * (v - mean) / 4;
    EXPECT_NEAR(router.losses().importance, var / (mean * mean), 1e-6);
    EXPECT_NEAR(mean, 12.0 / 4, 1e-5);  // every token's gates sum to 1
}

}  // namespace
}  // namespace moe
