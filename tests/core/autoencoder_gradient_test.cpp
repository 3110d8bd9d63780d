// SPDX-License-Identifier: MIT
// Finite-difference check of the Expert Gate autoencoders' reconstruction-loss gradient
// (ROUTING.md §8), built against the double-precision core (MOELAB_DOUBLE).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/routing/autoencoder_router.h"
#include "test_config.h"

namespace moe {
namespace {

static_assert(std::is_same_v<Scalar, double>, "gradient checks need the double build");

/// The autoencoders' training objective on x: sum over experts of the mean reconstruction error
/// er_i over the tokens kept for expert i (experts with none contribute 0).
double reconstructionObjective(AutoencoderGateRouter& router, const Matrix& x) {
    const RoutingDecision& d = router.route(x, RouteContext{});
    std::vector<double> sum(static_cast<size_t>(d.nExperts), 0.0);
    std::vector<int> count(static_cast<size_t>(d.nExperts), 0);
    for (int t = 0; t < d.nTokens; ++t) {
        for (int j = 0; j < d.k; ++j) {
            if (!d.kept(t, j)) continue;
            const auto e = static_cast<size_t>(d.choice(t, j));
            sum[e] += router.reconstructionErrors()(t, d.choice(t, j));
            ++count[e];
        }
    }
    double total = 0;
    for (size_t e = 0; e < sum.size(); ++e)
        if (count[e] > 0) total += sum[e] / count[e];
    return total;
}

/// Checks every entry of every autoencoder tensor. With k = E and no capacity limit every token
/// is kept for every expert, so the objective is smooth; with k = 1 and a capacity limit the
/// routing is a fixed partition as long as the probe does not cross a decision boundary, which
/// a step of 1e-6 on random data does not.
void checkGradients(const std::vector<std::string>& overrides, int nExperts) {
    ScenarioConfig cfg = testing::configWith(overrides);
    const int width = 5;
    Rng rng(21);
    AutoencoderGateRouter router(cfg.router, width, nExperts, 1.0, rng);
    for (Parameter* p : router.parameters())
        for (Eigen::Index i = 0; i < p->value.size(); ++i) p->value.data()[i] = 0.6 * rng.normal();
    Matrix x(16, width);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = 1.5 * rng.normal();

    for (Parameter* p : router.parameters()) p->zeroGrad();
    reconstructionObjective(router, x);
    Matrix dWeight = Matrix::Ones(16, cfg.router.k);  // ignored: the task loss does not train the gate
    router.backward(x, dWeight);

    const double h = 1e-6;
    int checked = 0;
    for (Parameter* p : router.parameters()) {
        const Matrix analytic = p->grad;
        for (Eigen::Index i = 0; i < p->value.size(); ++i) {
            double& v = p->value.data()[i];
            const double saved = v;
            v = saved + h;
            const double up = reconstructionObjective(router, x);
            v = saved - h;
            const double down = reconstructionObjective(router, x);
            v = saved;
            const double numeric = (up - down) / (2 * h);
            const double a = analytic.data()[i];
            const double rel = std::abs(a - numeric) / std::max(std::abs(a) + std::abs(numeric), 1e-7);
            EXPECT_LT(rel, 1e-5) << p->name << "[" << i << "] analytic " << a << " numeric " << numeric;
            ++checked;
        }
    }
    EXPECT_GT(checked, 0);
}

TEST(AutoencoderGradients, SigmoidEveryTokenKeptEverywhere) {
    checkGradients({"model.experts=3", "router.kind=autoencoder", "router.k=3",
                    "router.capacity_factor=0", "router.ae_hidden=4"},
                   3);
}

TEST(AutoencoderGradients, ReluEveryTokenKeptEverywhere) {
    checkGradients({"model.experts=3", "router.kind=autoencoder", "router.k=3",
                    "router.capacity_factor=0", "router.ae_hidden=4",
                    "router.ae_activation=relu"},
                   3);
}

TEST(AutoencoderGradients, Top1WithDropsTrainsOnlyKeptTokens) {
    checkGradients({"model.experts=4", "router.kind=autoencoder", "router.k=1",
                    "router.capacity_factor=0.75", "router.ae_hidden=3"},
                   4);
}

}  // namespace
}  // namespace moe
