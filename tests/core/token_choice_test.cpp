// SPDX-License-Identifier: MIT
// Token-choice routing from logits (ROUTING.md §1) against the plain-loop reference, and its
// properties.
#include "core/routing/token_choice_router.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/routing/balancing.h"
#include "reference_routing.h"
#include "test_config.h"

namespace moe {
namespace {

using testing::configWith;

/// Logits mixing exact repeats (ties within and across rows) with continuous values.
Matrix randomLogits(int T, int E, Rng& rng) {
    Matrix pool(4, E);
    for (Eigen::Index i = 0; i < pool.size(); ++i)
        pool.data()[i] = static_cast<Scalar>(static_cast<double>(rng.below(4)) * 0.5 - 1.0);
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

std::vector<std::vector<double>> toRows(const Matrix& m) {
    std::vector<std::vector<double>> rows(static_cast<size_t>(m.rows()));
    for (Eigen::Index t = 0; t < m.rows(); ++t)
        for (Eigen::Index e = 0; e < m.cols(); ++e) rows[static_cast<size_t>(t)].push_back(m(t, e));
    return rows;
}

struct Case {
    int k, groups, topkGroup;
    const char* scores;
    const char* norm;
    const char* priority;
    double cf;
    int minCap;
    bool sampling;
    bool bias;
    double scale;
};

class TokenChoiceVsReference : public ::testing::TestWithParam<Case> {};

TEST_P(TokenChoiceVsReference, DecisionsAgree) {
    const Case c = GetParam();
    const int E = 8;
    Rng rng(100 + static_cast<uint64_t>(c.k) * 7 + static_cast<uint64_t>(c.cf * 10));
    ScenarioConfig cfg = configWith({"model.experts=8", "router.k=" + std::to_string(c.k),
                                     "router.groups=" + std::to_string(c.groups),
                                     "router.topk_group=" + std::to_string(c.topkGroup),
                                     std::string("router.scores=") + c.scores,
                                     std::string("router.weight_norm=") + c.norm,
                                     std::string("router.priority=") + c.priority,
                                     "router.capacity_factor=" + std::to_string(c.cf),
                                     "router.min_capacity=" + std::to_string(c.minCap),
                                     std::string("router.second_expert=") + (c.sampling ? "sampling" : "all"),
                                     "router.weight_scale=" + std::to_string(c.scale)});
    TokenChoiceRouter router(cfg.router, cfg.loss, Matrix::Zero(4, E));
    reference::Options o;
    o.k = c.k;
    o.sigmoidScores = std::string(c.scores) == "sigmoid";
    o.groups = c.groups;
    o.topkGroup = c.topkGroup;
    const std::string norm = c.norm;
    o.weightNorm = norm == "none" || (norm == "auto" && c.k == 1) ? 0
                   : norm == "topk" || norm == "auto"              ? 1
                                                                   : 2;
    o.weightScale = c.scale;
    o.capacityFactor = c.cf;
    o.minCapacity = c.minCap;
    o.priority = std::string(c.priority) == "position" ? 0 : std::string(c.priority) == "token" ? 1 : 2;
    if (c.bias) {
        Vector b(E);
        // Continuous biases: with sigmoid scores, exact ties between different pairs of experts
        // (sigmoid(-a) + sigmoid(a) = 2 sigmoid(0)) would make the group order depend on float
        // rounding. Group ties in exact arithmetic are covered in selection_test.cpp.
        for (int e = 0; e < E; ++e) b(e) = static_cast<Scalar>(0.1 * rng.normal());
        router.setSelectionBias(b);
        for (int e = 0; e < E; ++e) o.bias.push_back(b(e));
    }
    for (int trial = 0; trial < 20; ++trial) {
        const int T = 1 + static_cast<int>(rng.below(64));
        const Matrix logits = randomLogits(T, E, rng);
        Rng sampleRng(trial);
        Rng replay(trial);
        if (c.sampling)
            for (int t = 0; t < T; ++t) o.secondExpertU.push_back(replay.uniform());
        RouteContext ctx;
        ctx.rng = &sampleRng;
        const RoutingDecision& d = router.routeLogits(logits, ctx);
        const reference::Result r = reference::route(toRows(logits), o);
        o.secondExpertU.clear();
        ASSERT_EQ(d.capacity, r.capacity);
        for (int t = 0; t < T; ++t) {
            for (int j = 0; j < c.k; ++j) {
                ASSERT_EQ(d.choice(t, j), r.choice[static_cast<size_t>(t)][static_cast<size_t>(j)])
                    << "trial " << trial << " token " << t << " choice " << j;
                ASSERT_EQ(d.kept(t, j), r.kept[static_cast<size_t>(t)][static_cast<size_t>(j)]);
                ASSERT_NEAR(d.weight(t, j), r.weight[static_cast<size_t>(t)][static_cast<size_t>(j)], 2e-6);
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
    Options, TokenChoiceVsReference,
    ::testing::Values(
        Case{1, 1, 1, "softmax", "auto", "position", 1.0, 0, false, false, 1.0},      // Switch
        Case{2, 1, 1, "softmax", "kept", "position", 1.25, 0, false, false, 1.0},     // DeepSpeed top-2
        Case{2, 1, 1, "softmax", "none", "position", 1.0, 0, true, false, 1.0},       // GShard sampling
        Case{2, 1, 1, "softmax", "topk", "token", 0.5, 2, false, false, 1.0},         // token priority
        Case{2, 1, 1, "softmax", "topk", "score", 0.75, 0, false, false, 1.0},        // BPR
        Case{3, 1, 1, "softmax", "topk", "position", 0.0, 0, false, false, 1.0},      // dropless
        Case{4, 4, 2, "sigmoid", "topk", "position", 1.0, 0, false, true, 2.5},       // DeepSeek-V3
        Case{2, 2, 1, "sigmoid", "none", "score", 1.0, 0, false, true, 1.0},
        Case{8, 1, 1, "softmax", "kept", "token", 1.0, 0, false, false, 1.0}));       // k = E

TEST(TokenChoice, WeightsComeFromUnbiasedScores) {
    ScenarioConfig cfg = configWith({"model.experts=4", "router.k=2", "router.capacity_factor=0",
                                     "router.weight_norm=none"});
    TokenChoiceRouter router(cfg.router, cfg.loss, Matrix::Zero(2, 4));
    Vector b(4);
    b << 0.0f, 0.0f, 0.0f, 10.0f;  // forces expert 3 into every selection
    router.setSelectionBias(b);
    Matrix logits(2, 4);
    logits << 2.0f, 1.0f, 0.0f, -3.0f, 0.5f, 0.2f, 0.1f, -1.0f;
    RouteContext ctx;
    const RoutingDecision& d = router.routeLogits(logits, ctx);
    for (int t = 0; t < 2; ++t) {
        EXPECT_EQ(d.choice(t, 0), 3);
        EXPECT_EQ(d.choice(t, 1), 0);
        EXPECT_FLOAT_EQ(d.weight(t, 0), d.scores(t, 3));  // s, not s + b
        EXPECT_FLOAT_EQ(d.weight(t, 1), d.scores(t, 0));
    }
}

TEST(TokenChoice, TopKWeightsSumToScaleAndNoneEqualsScores) {
    Rng rng(5);
    const Matrix logits = randomLogits(50, 6, rng);
    RouteContext ctx;
    ScenarioConfig a = configWith({"model.experts=6", "router.k=3", "router.capacity_factor=0",
                                   "router.weight_norm=topk", "router.weight_scale=2.5"});
    TokenChoiceRouter topk(a.router, a.loss, Matrix::Zero(2, 6));
    const RoutingDecision& d = topk.routeLogits(logits, ctx);
    for (int t = 0; t < 50; ++t) EXPECT_NEAR(d.weight.row(t).sum(), 2.5, 1e-5);
    ScenarioConfig b = configWith({"model.experts=6", "router.k=3", "router.capacity_factor=0",
                                   "router.weight_norm=none"});
    TokenChoiceRouter none(b.router, b.loss, Matrix::Zero(2, 6));
    const RoutingDecision& n = none.routeLogits(logits, ctx);
    for (int t = 0; t < 50; ++t)
        for (int j = 0; j < 3; ++j) EXPECT_EQ(n.weight(t, j), n.scores(t, n.choice(t, j)));
}

TEST(TokenChoice, SoftmaxScoresSurviveExtremeLogits) {
    ScenarioConfig cfg = configWith({"model.experts=4", "router.k=1"});
    TokenChoiceRouter router(cfg.router, cfg.loss, Matrix::Zero(2, 4));
    Matrix logits(2, 4);
    logits << 1e4f, -1e4f, 0.0f, 1e4f, -1e4f, -1e4f, -1e4f, -1e4f;
    RouteContext ctx;
    const RoutingDecision& d = router.routeLogits(logits, ctx);
    ASSERT_TRUE(d.scores.allFinite());
    EXPECT_NEAR(d.scores.row(0).sum(), 1.0, 1e-6);
    EXPECT_NEAR(d.scores(0, 0), 0.5, 1e-6);
    EXPECT_EQ(d.choice(0, 0), 0);  // tie with expert 3: lower index
    EXPECT_NEAR(d.scores(1, 2), 0.25, 1e-6);
}

TEST(TokenChoice, Bf16PrecisionRoundsScores) {
    ScenarioConfig cfg = configWith({"model.experts=3", "router.k=1", "router.precision=bf16"});
    TokenChoiceRouter router(cfg.router, cfg.loss, Matrix::Zero(2, 3));
    Matrix logits(1, 3);
    logits << 0.1234567f, 0.7654321f, -0.333f;
    RouteContext ctx;
    const RoutingDecision& d = router.routeLogits(logits, ctx);
    for (int e = 0; e < 3; ++e) {
        // A bf16 value has at most 8 significant bits: the low 16 bits of the float are zero.
        const float s = static_cast<float>(d.scores(0, e));
        uint32_t bits;
        std::memcpy(&bits, &s, sizeof bits);
        EXPECT_EQ(bits & 0xFFFFu, 0u) << s;
    }
}

TEST(Balancing, SwitchAuxIsOneUnderUniformRouting) {
    // p uniform and every expert chosen equally often: E * sum_i (1/E)(1/E) = 1.
    const int T = 12, E = 4;
    const Matrix probs = Matrix::Constant(T, E, 0.25f);
    IndexMatrix selected(T, 2);
    for (int t = 0; t < T; ++t) {
        selected(t, 0) = t % E;
        selected(t, 1) = (t + 1) % E;
    }
    EXPECT_NEAR(switchAuxLoss(probs, selected, false, 0, nullptr), 1.0, 1e-12);
    EXPECT_NEAR(switchAuxLoss(probs, selected, true, 0, nullptr), 1.0, 1e-12);
}

TEST(Balancing, SwitchAuxHandWorked) {
    // T = 2, E = 2, k = 1: both tokens pick expert 0, f = (1, 0); P = (0.7, 0.3) -> 2 * 0.7.
    Matrix probs(2, 2);
    probs << 0.8f, 0.2f, 0.6f, 0.4f;
    IndexMatrix sel(2, 1);
    sel << 0, 0;
    EXPECT_NEAR(switchAuxLoss(probs, sel, false, 0, nullptr), 1.4, 1e-6);
    // First-choice variant on k = 2: f from column 0 only.
    IndexMatrix sel2(2, 2);
    sel2 << 0, 1, 1, 0;
    EXPECT_NEAR(switchAuxLoss(probs, sel2, true, 0, nullptr), 2 * (0.5 * 0.7 + 0.5 * 0.3), 1e-6);
    EXPECT_NEAR(switchAuxLoss(probs, sel2, false, 0, nullptr), 2 * (0.5 * 0.7 + 0.5 * 0.3), 1e-6);
}

TEST(Balancing, ZLossHandWorked) {
    Matrix logits(2, 2);
    logits << 0.0f, 0.0f, 1.0f, 2.0f;
    const double l1 = std::log(2.0);
    const double l2 = std::log(std::exp(1.0) + std::exp(2.0));
    EXPECT_NEAR(routerZLoss(logits, 0, nullptr), (l1 * l1 + l2 * l2) / 2, 1e-6);
}

TEST(Balancing, SequenceAuxHandWorked) {
    // One sequence of 2 tokens, E = 2, k = 1. Scores (0.6, 0.2) and (0.1, 0.3) normalise to
    // (0.75, 0.25) and (0.25, 0.75); P = (0.5, 0.5). Selections: expert 0 twice -> f = (2, 0).
    Matrix s(2, 2);
    s << 0.6f, 0.2f, 0.1f, 0.3f;
    IndexMatrix sel(2, 1);
    sel << 0, 0;
    EXPECT_NEAR(sequenceAuxLoss(s, sel, 2, 0, nullptr), 2 * 0.5, 1e-6);
    // Two sequences of one token: seq 1 f = (2, 0), P = (0.75, .25) -> 1.5; seq 2 -> 2 * 0.25.
    EXPECT_NEAR(sequenceAuxLoss(s, sel, 1, 0, nullptr), (1.5 + 0.5) / 2, 1e-6);
}

TEST(Balancing, CvSquaredHandWorkedAndGradient) {
    const std::vector<double> v = {1, 2, 3, 6};
    // mean 3, population variance (4 + 1 + 0 + 9) / 4 = 3.5, CV^2 = 3.5 / 9
    std::vector<double> g;
    EXPECT_NEAR(cvSquared(v, &g), 3.5 / 9, 1e-15);
    for (size_t i = 0; i < v.size(); ++i) {
        auto plus = v, minus = v;
        plus[i] += 1e-6;
        minus[i] -= 1e-6;
        EXPECT_NEAR(g[i], (cvSquared(plus, nullptr) - cvSquared(minus, nullptr)) / 2e-6, 1e-8);
    }
    EXPECT_EQ(cvSquared({0, 0}, nullptr), 0.0);
}

TEST(Balancing, AuxFreeBiasMovesTowardsUnderloadedExperts) {
    ScenarioConfig cfg = configWith({"model.experts=3", "router.k=1", "router.balance=aux_free",
                                     "router.bias_rate=0.01", "router.capacity_factor=0"});
    // Tokens all prefer expert 0: counts (4, 0, 0), mean 4/3.
    Matrix x(4, 2);
    x << 1, 0, 1, 0, 1, 0, 1, 0;
    Matrix wPrefer0(2, 3);
    wPrefer0 << 1, 0, 0, 0, 0, 0;
    TokenChoiceRouter r2(cfg.router, cfg.loss, wPrefer0);
    RouteContext ctx;
    r2.route(x, ctx);
    r2.afterStep();
    EXPECT_FLOAT_EQ(r2.selectionBias()(0), -0.01f);
    EXPECT_FLOAT_EQ(r2.selectionBias()(1), 0.01f);
    EXPECT_FLOAT_EQ(r2.selectionBias()(2), 0.01f);
}

}  // namespace
}  // namespace moe

namespace moe {
namespace {

// ROUTING.md §1.2: training noise (jitter, gaussian, gumbel) perturbs routing in training and
// never at evaluation.
TEST(TokenChoiceNoise, OnlyInTraining) {
    Rng rng(8);
    Matrix x(40, 6), w(6, 8);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<Scalar>(rng.normal());
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<Scalar>(rng.normal());
    ScenarioConfig plain = testing::configWith({"model.experts=8", "router.k=2"});
    TokenChoiceRouter reference(plain.router, plain.loss, w);
    RouteContext eval;
    const Matrix cleanScores = reference.route(x, eval).scores;
    for (const char* noise : {"jitter", "gaussian", "gumbel"}) {
        ScenarioConfig cfg = testing::configWith({"model.experts=8", "router.k=2",
                                                  std::string("router.noise=") + noise,
                                                  "router.jitter_eps=0.2"});
        TokenChoiceRouter router(cfg.router, cfg.loss, w);
        EXPECT_EQ(router.route(x, eval).scores, cleanScores) << noise;
        Rng draws(1);
        RouteContext train;
        train.training = true;
        train.rng = &draws;
        const Matrix noisy = router.route(x, train).scores;
        EXPECT_GT((noisy - cleanScores).cwiseAbs().maxCoeff(), 1e-3) << noise;
    }
}

TEST(TokenChoiceNoise, JitterStaysWithinItsBand) {
    // Jitter multiplies x by U(1 - eps, 1 + eps): with one input feature and a unit weight, the
    // logit is the jittered feature itself.
    Matrix x = Matrix::Constant(500, 1, 1.0f);
    Matrix w(1, 2);
    w << 1.0f, 0.0f;
    ScenarioConfig cfg = testing::configWith({"model.experts=2", "router.k=1", "router.noise=jitter",
                                              "router.jitter_eps=0.1", "router.scores=sigmoid"});
    TokenChoiceRouter router(cfg.router, cfg.loss, w);
    Rng draws(2);
    RouteContext train;
    train.training = true;
    train.rng = &draws;
    const Matrix s = router.route(x, train).scores;
    double lo = 10, hi = -10;
    for (int t = 0; t < 500; ++t) {
        const double logit = std::log(s(t, 0) / (1 - s(t, 0)));
        lo = std::min(lo, logit);
        hi = std::max(hi, logit);
    }
    EXPECT_GE(lo, 0.9 - 1e-5);
    EXPECT_LE(hi, 1.1 + 1e-5);
    EXPECT_LT(lo, 0.92);  // the band is used, not a constant
    EXPECT_GT(hi, 1.08);
}

}  // namespace
}  // namespace moe
