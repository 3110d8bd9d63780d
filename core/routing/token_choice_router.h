// SPDX-License-Identifier: MIT
#pragma once

#include "core/routing/router.h"

namespace moe {

/// Token-choice top-k routing with every option of ROUTING.md §1: Switch (k = 1), GShard
/// (k = 2, second-expert sampling), Mixtral (top-k renormalised), DeepSeek-V3 (sigmoid scores,
/// selection bias, group-limited selection, weight scale). Losses: Switch aux (or its
/// first-choice variant), z-loss, sequence-wise aux; balance = aux_free updates the selection
/// bias after each step (§6). Reference: DeepSpeed sharded_moe.py, Flaxformer routing.py,
/// HF transformers Mixtral/DeepSeek-V3 blocks, llama.cpp build_moe_ffn.
class TokenChoiceRouter final : public Router {
public:
    /// w is the router weight [d, E].
    TokenChoiceRouter(const RouterConfig& router, const LossConfig& loss, Matrix w);

    /// The initial router weight [d, E]: N(0, 0.1 / d), Switch Transformer §2.4 (small weights
    /// keep early routing soft).
    static Matrix initialWeight(int width, int nExperts, Rng& rng);

    const RoutingDecision& route(const Matrix& x, const RouteContext& ctx) override;
    /// Routes from logits L [T, E] directly (no weight, no training noise): the `route` command.
    const RoutingDecision& routeLogits(const Matrix& logits, const RouteContext& ctx);
    BalanceLosses losses() const override { return m_losses; }
    void backward(const Matrix& x, const Matrix& dWeight) override;
    ParameterList parameters() override { return {&m_weight}; }
    void afterStep() override;
    /// New columns: initialWeight (ColumnInit::Default), zeros, or the mean of the columns of the
    /// experts not removed; their selection bias starts at 0.
    void addExperts(int n, ColumnInit init, Rng& rng) override;
    /// Frozen and removed experts' weight columns and selection biases stop changing; removed
    /// experts get logit -inf (probability and score 0), are left out of selection, and E in
    /// the capacity and the balancing losses counts only the experts that can be routed to.
    void setExpertStates(const ExpertStates& states) override;

    /// The selection bias b [E] (zero unless balance = aux_free).
    const Vector& selectionBias() const { return m_bias; }
    void setSelectionBias(const Vector& b) { m_bias = b; }
    const Parameter& weight() const { return m_weight; }

private:
    void routeFromLogits(const RouteContext& ctx);
    /// routable experts / columns: 1 exactly unless experts were removed.
    double routableScale() const {
        return static_cast<double>(m_nRoutable) / static_cast<double>(m_bias.size());
    }
    bool removed(Eigen::Index e) const {
        return !m_states.empty() && m_states[static_cast<size_t>(e)] == ExpertState::Removed;
    }

    RouterConfig m_config;
    LossConfig m_lossConfig;
    Parameter m_weight;  ///< [d, E]
    Vector m_bias;       ///< [E] selection bias b
    ExpertStates m_states;  ///< [E] from setExpertStates; empty = every expert live
    int m_nRoutable = 0;    ///< experts not removed: E of the capacity and balancing losses

    // Kept from the last route() for backward().
    Matrix m_jitter;     ///< [T, d] multiplicative input noise, empty if none
    Matrix m_logits;     ///< [T, E] L as scored (after noise and rounding)
    IndexMatrix m_selected;  ///< [T, k] top-k before the second-expert policy
    Matrix m_selectedScore;  ///< [T, k] s of each selected expert
    int m_seqLen = 0;
    RoutingDecision m_decision;
    BalanceLosses m_losses;
};

}  // namespace moe
