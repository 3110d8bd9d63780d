// SPDX-License-Identifier: MIT
// Expert Gate (ROUTING.md §8): reconstruction errors and gate against plain loops, selection,
// capacity and weights against the token-choice reference, and the gate's defining property:
// an autoencoder trained on one cluster claims that cluster's new tokens.
#include "core/routing/autoencoder_router.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/routing/combine_weights.h"
#include "core/sim/simulation.h"
#include "core/train/optimizer.h"
#include "reference_routing.h"
#include "test_config.h"

namespace moe {
namespace {

using testing::configWith;

Matrix normalMatrix(Eigen::Index rows, Eigen::Index cols, double std, Rng& rng) {
    Matrix m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Scalar>(std * rng.normal());
    return m;
}

/// Gives every autoencoder tensor, biases included, random values (zero biases hide terms).
void randomise(AutoencoderGateRouter& router, Rng& rng) {
    for (Parameter* p : router.parameters())
        p->value = normalMatrix(p->value.rows(), p->value.cols(), 0.5, rng);
}

/// er_i(x) = ||x - A_i(x)||^2 / d by plain loops in double.
double plainError(const AutoencoderGateRouter::Autoencoder& a, const Matrix& x, int t, bool relu) {
    const auto d = static_cast<int>(x.cols());
    const auto h = static_cast<int>(a.encW.value.cols());
    std::vector<double> z(static_cast<size_t>(h));
    for (int j = 0; j < h; ++j) {
        double s = a.encB.value(0, j);
        for (int i = 0; i < d; ++i) s += static_cast<double>(x(t, i)) * a.encW.value(i, j);
        z[static_cast<size_t>(j)] = relu ? std::max(s, 0.0) : 1.0 / (1.0 + std::exp(-s));
    }
    double err = 0;
    for (int i = 0; i < d; ++i) {
        double y = a.decB.value(0, i);
        for (int j = 0; j < h; ++j) y += z[static_cast<size_t>(j)] * a.decW.value(j, i);
        err += (x(t, i) - y) * (x(t, i) - y);
    }
    return err / d;
}

class AutoencoderGatePlain : public ::testing::TestWithParam<const char*> {};

TEST_P(AutoencoderGatePlain, ErrorsAndGateMatchPlainLoops) {
    const std::string activation = GetParam();
    const double temperature = 1.5;
    ScenarioConfig cfg = configWith({"model.experts=5", "router.kind=autoencoder", "router.k=2",
                                     "router.ae_hidden=3", "router.temperature=1.5",
                                     "router.ae_activation=" + activation});
    Rng rng(3);
    AutoencoderGateRouter router(cfg.router, 6, 5, 1.0, rng);
    randomise(router, rng);
    const Matrix x = normalMatrix(17, 6, 1.0, rng);
    const RoutingDecision& d = router.route(x, RouteContext{});
    for (int t = 0; t < 17; ++t) {
        std::vector<double> err(5);
        double mx = -INFINITY;
        for (int e = 0; e < 5; ++e) {
            err[static_cast<size_t>(e)] = plainError(router.autoencoder(e), x, t, activation == "relu");
            EXPECT_NEAR(router.reconstructionErrors()(t, e), err[static_cast<size_t>(e)],
                        1e-5 * (1 + err[static_cast<size_t>(e)]));
            mx = std::max(mx, -err[static_cast<size_t>(e)] / temperature);
        }
        double sum = 0;
        for (double v : err) sum += std::exp(-v / temperature - mx);
        for (int e = 0; e < 5; ++e) {
            const double p = std::exp(-err[static_cast<size_t>(e)] / temperature - mx) / sum;
            EXPECT_NEAR(d.probs(t, e), p, 1e-6) << "token " << t << " expert " << e;
            EXPECT_EQ(d.scores(t, e), d.probs(t, e));
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Activations, AutoencoderGatePlain, ::testing::Values("sigmoid", "relu"));

struct SelectionCase {
    int k;
    const char* norm;
    const char* priority;
    double cf;
    double scale;
};

class AutoencoderGateVsReference : public ::testing::TestWithParam<SelectionCase> {};

// softmax(log p) = p, so the independent token-choice reference fed with log p as logits
// checks the gate's selection, capacity, fill order and weights.
TEST_P(AutoencoderGateVsReference, DecisionsAgree) {
    const SelectionCase c = GetParam();
    const int E = 6;
    ScenarioConfig cfg = configWith(
        {"model.experts=6", "router.kind=autoencoder", "router.k=" + std::to_string(c.k),
         std::string("router.weight_norm=") + c.norm, std::string("router.priority=") + c.priority,
         "router.capacity_factor=" + std::to_string(c.cf),
         "router.weight_scale=" + std::to_string(c.scale), "router.temperature=0.5"});
    Rng rng(11 + static_cast<uint64_t>(c.k));
    AutoencoderGateRouter router(cfg.router, 4, E, 1.0, rng);
    randomise(router, rng);
    reference::Options o;
    o.k = c.k;
    const std::string norm = c.norm;
    o.weightNorm = norm == "none" || (norm == "auto" && c.k == 1) ? 0
                   : norm == "topk" || norm == "auto"              ? 1
                                                                   : 2;
    o.weightScale = c.scale;
    o.capacityFactor = c.cf;
    o.priority = std::string(c.priority) == "position" ? 0 : std::string(c.priority) == "token" ? 1 : 2;
    for (int trial = 0; trial < 10; ++trial) {
        const int T = 1 + static_cast<int>(rng.below(48));
        const RoutingDecision& d = router.route(normalMatrix(T, 4, 1.5, rng), RouteContext{});
        std::vector<std::vector<double>> logP(static_cast<size_t>(T));
        for (int t = 0; t < T; ++t)
            for (int e = 0; e < E; ++e) logP[static_cast<size_t>(t)].push_back(std::log(d.probs(t, e)));
        const reference::Result r = reference::route(logP, o);
        ASSERT_EQ(d.capacity, r.capacity);
        for (int t = 0; t < T; ++t) {
            const auto& rc = r.choice[static_cast<size_t>(t)];
            for (int j = 0; j < c.k; ++j) {
                const auto sj = static_cast<size_t>(j);
                ASSERT_EQ(d.choice(t, j), rc[sj]) << "trial " << trial << " token " << t;
                ASSERT_EQ(d.kept(t, j), r.kept[static_cast<size_t>(t)][sj]);
                ASSERT_NEAR(d.weight(t, j), r.weight[static_cast<size_t>(t)][sj], 2e-6);
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
    Options, AutoencoderGateVsReference,
    ::testing::Values(SelectionCase{1, "auto", "position", 1.0, 1.0},  // the paper: top-1
                      SelectionCase{2, "kept", "position", 0.75, 1.0},
                      SelectionCase{2, "topk", "score", 0.5, 2.0},
                      SelectionCase{3, "none", "token", 0.0, 1.0}));

TEST(AutoencoderGate, CombineWeightsNormalise) {
    Matrix s(2, 2);
    s << 0.6f, 0.2f, 0.0f, 0.0f;
    MaskMatrix kept(2, 2);
    kept << 1, 0, 1, 1;
    const Matrix none = combineWeights(s, kept, WeightNorm::None, 2.0);
    EXPECT_FLOAT_EQ(none(0, 0), 1.2f);
    EXPECT_EQ(none(0, 1), 0.0f);  // dropped
    const Matrix topk = combineWeights(s, kept, WeightNorm::TopK, 1.0);
    EXPECT_FLOAT_EQ(topk(0, 0), 0.75f);
    const Matrix keptNorm = combineWeights(s, kept, WeightNorm::Kept, 1.0);
    EXPECT_FLOAT_EQ(keptNorm(0, 0), 1.0f);
    EXPECT_EQ(keptNorm(1, 0), 0.0f);  // a zero sum is clamped at eps, not divided by
}

TEST(AutoencoderGate, FactoryScalesTheLearningRateAndInitialises) {
    ScenarioConfig cfg = configWith({"model.experts=3", "router.kind=autoencoder", "router.k=1",
                                     "router.ae_hidden=4", "router.ae_lr=0.02", "train.lr=0.001"});
    Rng rng(1);
    EXPECT_THROW(makeRouter(cfg.router, cfg.loss, 8, 3, rng), std::invalid_argument);
    const auto router = makeRouter(cfg.router, cfg.loss, 8, 3, rng, cfg.train.lr);
    const ParameterList params = router->parameters();
    ASSERT_EQ(params.size(), 12u);  // W_enc, b_enc, W_dec, b_dec per expert
    EXPECT_EQ(params[0]->name, "router.ae[0].enc_w");
    EXPECT_EQ(params[11]->name, "router.ae[2].dec_b");
    for (const Parameter* p : params) EXPECT_NEAR(p->lrScale, 20.0, 1e-12) << p->name;
    EXPECT_EQ(params[0]->value.rows(), 8);
    EXPECT_EQ(params[0]->value.cols(), 4);
    EXPECT_TRUE(params[1]->value.isZero(0));
    EXPECT_TRUE(params[3]->value.isZero(0));
    // Encoder N(0, 1/d), decoder N(0, 1/h): check the sample variances on a wide router.
    Rng wide(2);
    ScenarioConfig big = configWith({"model.experts=2", "router.kind=autoencoder", "router.k=1",
                                     "router.ae_hidden=50"});
    AutoencoderGateRouter r(big.router, 200, 2, 1.0, wide);
    const double encVar = r.autoencoder(0).encW.value.squaredNorm() / (200.0 * 50.0);
    const double decVar = r.autoencoder(0).decW.value.squaredNorm() / (200.0 * 50.0);
    EXPECT_NEAR(encVar, 1.0 / 200, 0.1 / 200);
    EXPECT_NEAR(decVar, 1.0 / 50, 0.1 / 50);
    const BalanceLosses losses = r.losses();
    EXPECT_EQ(losses.aux + losses.z + losses.importance + losses.load + losses.seqAux, 0.0);
}

TEST(AutoencoderGate, BackwardIgnoresTheTaskGradientAndTrainsOnlyKeptTokens) {
    ScenarioConfig cfg = configWith({"model.experts=3", "router.kind=autoencoder", "router.k=1",
                                     "router.capacity_factor=0.5", "router.ae_hidden=2"});
    Rng rng(4);
    AutoencoderGateRouter router(cfg.router, 3, 3, 1.0, rng);
    randomise(router, rng);
    const Matrix x = normalMatrix(12, 3, 1.0, rng);
    const RoutingDecision& d = router.route(x, RouteContext{});
    router.backward(x, Matrix::Zero(12, 1));
    std::vector<Matrix> first;
    for (Parameter* p : router.parameters()) first.push_back(p->grad);
    for (Parameter* p : router.parameters()) p->zeroGrad();
    router.backward(x, normalMatrix(12, 1, 3.0, rng));
    for (size_t i = 0; i < first.size(); ++i)
        EXPECT_TRUE(router.parameters()[i]->grad == first[i]) << router.parameters()[i]->name;

    // The same gradient, expert by expert, from the kept tokens alone.
    AutoencoderGateRouter copy = router;
    for (Parameter* p : copy.parameters()) p->zeroGrad();
    for (int e = 0; e < 3; ++e) {
        std::vector<Eigen::Index> rows;
        for (int t = 0; t < 12; ++t)
            if (d.kept(t, 0) && d.choice(t, 0) == e) rows.push_back(t);
        ASSERT_LE(rows.size(), 2u);  // C = ceil(0.5 * 12 / 3)
        if (!rows.empty()) copy.addReconstructionGradient(e, x(rows, Eigen::all));
    }
    for (size_t i = 0; i < first.size(); ++i)
        EXPECT_TRUE(copy.parameters()[i]->grad.isApprox(first[i], 1e-6f) ||
                    (first[i].isZero(0) && copy.parameters()[i]->grad.isZero(0)))
            << copy.parameters()[i]->name;
}

/// Tokens around ±centre with Gaussian offsets of norm about `spread`.
Matrix clusterTokens(int n, const RowVector& centre, double spread, Rng& rng) {
    Matrix m = normalMatrix(n, centre.size(), spread / std::sqrt(centre.size()), rng);
    m.rowwise() += centre;
    return m;
}

TEST(AutoencoderGate, AnAutoencoderClaimsTheClusterItWasTrainedOn) {
    for (const char* activation : {"sigmoid", "relu"}) {
        SCOPED_TRACE(activation);
        const int d = 8;
        ScenarioConfig cfg = configWith({"model.experts=2", "router.kind=autoencoder",
                                         "router.k=1", "router.capacity_factor=0",
                                         "router.ae_hidden=4", "train.lr=0.01",
                                         std::string("router.ae_activation=") + activation});
        Rng rng(9);
        AutoencoderGateRouter router(cfg.router, d, 2, 1.0, rng);
        RowVector centreA = RowVector::Zero(d);
        RowVector centreB = RowVector::Zero(d);
        centreA.head(d / 2).setConstant(2.0f);
        centreB.tail(d / 2).setConstant(2.0f);
        train::Optimizer adam(cfg.train, router.parameters());
        for (int step = 0; step < 300; ++step) {
            adam.zeroGrad();
            router.addReconstructionGradient(0, clusterTokens(32, centreA, 0.5, rng));
            router.addReconstructionGradient(1, clusterTokens(32, centreB, 0.5, rng));
            adam.step();
        }
        Matrix fresh(200, d);
        fresh.topRows(100) = clusterTokens(100, centreA, 0.5, rng);
        fresh.bottomRows(100) = clusterTokens(100, centreB, 0.5, rng);
        const RoutingDecision& dec = router.route(fresh, RouteContext{});
        for (int t = 0; t < 200; ++t) {
            EXPECT_EQ(dec.choice(t, 0), t < 100 ? 0 : 1) << "token " << t;
            EXPECT_GT(dec.probs(t, t < 100 ? 0 : 1), 0.6) << "token " << t;
        }
    }
}

// The Expert Gate's purpose (Aljundi et al. 2017): on well-separated domains each autoencoder
// comes to own a domain, so the first choice tells the domain (NMI, ROUTING.md §10).
TEST(Behaviour, AutoencoderGateSpecialisesOnSeparatedDomains) {
    Simulation sim(configWith({"seed=1", "stream.kind=clusters", "stream.domains=8",
                               "stream.zipf=0", "stream.separation=8", "stream.spread=1",
                               "model.width=16", "model.experts=8", "model.hidden=16",
                               "router.kind=autoencoder", "router.k=1",
                               "router.capacity_factor=1.25", "router.ae_hidden=4",
                               "router.ae_lr=0.01", "train.tokens=256"}));
    double first = 0;
    double tail = 0;
    const int steps = 150;
    const int tailSteps = 30;
    for (int s = 0; s < steps; ++s) {
        const StepStats stats = sim.step();
        if (s == 0) first = stats.specialization;
        if (s >= steps - tailSteps) tail += stats.specialization / tailSteps;
    }
    RecordProperty("specialization_first", std::to_string(first));
    RecordProperty("specialization_tail", std::to_string(tail));
    EXPECT_GT(tail, 0.8) << "first step " << first;
    EXPECT_GT(tail, first);
}

}  // namespace
}  // namespace moe
