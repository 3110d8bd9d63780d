// SPDX-License-Identifier: MIT
#pragma once

#include "core/routing/router.h"

namespace moe {

/// Noisy top-k gating, ROUTING.md §2 (Shazeer et al. 2017, eqs. 3-5):
/// H(x)_i = (x W_g)_i + n_i (softplus((x W_noise)_i) + 1e-2), n ~ N(0, 1) in training only;
/// G(x) = softmax(KeepTopK(H(x), k)). Capacity and fill order as §1.6-1.7; dropped assignments
/// get weight 0 without renormalising. Losses: importance and load (eqs. 6-10), and the Switch
/// aux and z-losses on p = softmax(H) when their coefficients are set.
class NoisyTopKRouter final : public Router {
public:
    /// noiseEpsilon of tensor2tensor's noisy_top_k_gating.
    static constexpr double kNoiseEpsilon = 1e-2;

    /// wGate and wNoise are [d, E].
    NoisyTopKRouter(const RouterConfig& router, const LossConfig& loss, Matrix wGate, Matrix wNoise);

    const RoutingDecision& route(const Matrix& x, const RouteContext& ctx) override;
    /// Routes from clean logits x W_g [T, E] directly, in evaluation mode (H = x W_g, no noise,
    /// no load loss): the `route` command. ctx.training must be false.
    const RoutingDecision& routeLogits(const Matrix& logits, const RouteContext& ctx);
    BalanceLosses losses() const override { return m_losses; }
    void backward(const Matrix& x, const Matrix& dWeight) override;
    ParameterList parameters() override { return {&m_gate, &m_noise}; }

private:
    /// Everything after H: rounds m_h to the precision, selects, gates, fills capacity and
    /// computes the losses into m_decision and m_losses.
    void routeFromH();

    /// Load_i = sum_t P(x_t, i) (eq. 9) with the Gaussian CDF.
    std::vector<double> computeLoad() const;

    RouterConfig m_config;
    LossConfig m_lossConfig;
    Parameter m_gate;   ///< W_g [d, E]
    Parameter m_noise;  ///< W_noise [d, E]

    // Kept from the last route() for backward().
    bool m_training = false;
    Matrix m_clean;      ///< [T, E] x W_g
    Matrix m_noiseRaw;   ///< [T, E] x W_noise
    Matrix m_noiseStd;   ///< [T, E] softplus(x W_noise) + eps
    Matrix m_normal;     ///< [T, E] n
    Matrix m_h;          ///< [T, E] H as used (rounded when precision < fp32)
    IndexMatrix m_order; ///< [T, k + 1] experts by descending H (k + 1 entries when E > k)
    Matrix m_gateTopK;   ///< [T, k] G of each selected expert before capacity
    std::vector<double> m_importance;  ///< [E] Importance_i = sum_t G(x_t)_i (eq. 6)
    std::vector<double> m_load;        ///< [E] Load_i (eq. 10), training only
    RoutingDecision m_decision;
    BalanceLosses m_losses;
};

}  // namespace moe
