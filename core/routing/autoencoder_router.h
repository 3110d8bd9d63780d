// SPDX-License-Identifier: MIT
#pragma once

#include <vector>

#include "core/routing/router.h"

namespace moe {

/// Expert Gate, ROUTING.md §8 (Aljundi et al. 2017, "Expert Gate: Lifelong Learning with a
/// Network of Experts", §3-4). Each expert i owns an autoencoder A_i: d -> h -> d,
/// z = act(x W_enc + b_enc), x^ = z W_dec + b_dec (act = sigmoid as in the paper, or ReLU).
/// Gate: er_i(x) = ||x - A_i(x)||^2 / d per token, p = softmax(-er / t); router.precision rounds
/// -er / t and p as it rounds a token-choice router's L and p. Top-k by p (with the §1.3 group
/// limit if router.groups > 1), weights per router.weight_norm (§1.5), capacity and fill order
/// as §1.6-1.7. The gate has no W and no balancing loss: the task loss does not
/// train it. Each autoencoder learns from its own reconstruction loss, the mean of er_i over the
/// tokens kept for expert i, at its own learning rate (router.ae_lr, through Parameter::lrScale).
class AutoencoderGateRouter final : public Router {
public:
    /// One expert's autoencoder. Biases are [1, n] like every vector parameter.
    struct Autoencoder {
        Parameter encW;  ///< W_enc [d, h]
        Parameter encB;  ///< b_enc [1, h]
        Parameter decW;  ///< W_dec [h, d]
        Parameter decB;  ///< b_dec [1, d]
    };

    /// Draws the autoencoders of nExperts experts for width d from rng: W_enc ~ N(0, 1/d),
    /// W_dec ~ N(0, 1/h), biases 0. lrScale = router.ae_lr / train.lr is set on every
    /// autoencoder tensor, so the shared optimiser steps them at router.ae_lr.
    AutoencoderGateRouter(const RouterConfig& router, int width, int nExperts, double lrScale,
                          Rng& rng);

    const RoutingDecision& route(const Matrix& x, const RouteContext& ctx) override;
    /// Always zero: the gate has no balancing loss (§8).
    BalanceLosses losses() const override { return {}; }
    /// Ignores dWeight (the task loss does not train the gate) and adds the gradient of each
    /// expert's reconstruction loss, mean over its kept tokens of er_i, to its autoencoder.
    void backward(const Matrix& x, const Matrix& dWeight) override;
    ParameterList parameters() override;
    /// New autoencoders, drawn fresh as at construction (ROUTING.md §8); init must be
    /// ColumnInit::Default.
    void addExperts(int n, ColumnInit init, Rng& rng) override;
    /// Frozen and removed experts' autoencoders stop training; removed experts get gate logit
    /// -inf (p = 0), are left out of selection, and capacity counts the routable experts only.
    void setExpertStates(const ExpertStates& states) override;

    /// Adds to expert i's autoencoder gradients the gradient of its reconstruction loss on
    /// tokens x [n, d], n >= 1: mean over the rows of ||x - A_i(x)||^2 / d. backward() calls it
    /// with each expert's kept tokens.
    void addReconstructionGradient(int expert, const Matrix& x);

    /// Reconstruction errors er [T, E] of the last route().
    const Matrix& reconstructionErrors() const { return m_errors; }
    const Autoencoder& autoencoder(int expert) const {
        return m_autoencoders[static_cast<size_t>(expert)];
    }

private:
    /// Hidden activations z = act(x W_enc + b_enc) [n, h] of x [n, d] under autoencoder a.
    Matrix encode(const Autoencoder& a, const Matrix& x) const;
    /// Expert e's autoencoder drawn from rng: W_enc ~ N(0, 1/d), W_dec ~ N(0, 1/h), biases 0.
    Autoencoder drawAutoencoder(int e, int width, Rng& rng) const;
    bool removed(size_t e) const {
        return !m_states.empty() && m_states[e] == ExpertState::Removed;
    }

    RouterConfig m_config;
    double m_lrScale;
    std::vector<Autoencoder> m_autoencoders;  ///< [E]
    ExpertStates m_states;  ///< [E] from setExpertStates; empty = every expert live
    int m_nRoutable = 0;    ///< experts not removed
    Matrix m_errors;                          ///< [T, E] er of the last route()
    RoutingDecision m_decision;
};

}  // namespace moe
