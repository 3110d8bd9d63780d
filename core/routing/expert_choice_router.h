// SPDX-License-Identifier: MIT
#pragma once

#include "core/routing/router.h"

namespace moe {

/// Expert-choice routing, ROUTING.md §3 (Zhou et al. 2022, arXiv 2202.09368 §3.1; Flaxformer
/// ExpertsChooseMaskedRouter). S = softmax(L) [T, E] over experts per token, L = X W; each expert
/// e picks the C tokens with the largest S[:, e] (ties: lower token index), C = max(1,
/// ceil(capacity_factor * T / E)) with the capacity rule of §1.6, or every token when C > T or
/// capacity_factor = 0. The combine weight of a pick (t, e) is S[t, e]. A token may be picked by
/// no expert (a dropped token), one, or several.
///
/// The decision has one column per expert, so the MoE layer and the metrics need nothing
/// special: k = E; choice(t, e) = e if expert e picked t, else -1; kept(t, e) = 1 if picked;
/// weight(t, e) = S[t, e] if picked, else 0; scores = probs = S; capacity = C (the computed
/// value, which may exceed T; kUnlimitedCapacity for capacity_factor = 0). Every pick is kept,
/// so demand = load (§10) and nothing counts as dropped; token_drop_fraction is the fraction of
/// tokens picked by no expert.
///
/// Options: router.noise (training only) and router.precision act as in token choice (shared
/// routerLogits). router.k, scores, weight_norm, weight_scale, priority, min_capacity,
/// second_expert, groups and balance do not apply and are ignored. Of the losses only the z-loss
/// (loss.z) applies; aux and seq_aux are neither computed (reported as 0) nor trained, because
/// every expert already receives exactly C tokens (the option validation refuses importance and
/// load, which need noisy_topk).
class ExpertChoiceRouter final : public Router {
public:
    /// w is the router weight [d, E].
    ExpertChoiceRouter(const RouterConfig& router, const LossConfig& loss, Matrix w);

    const RoutingDecision& route(const Matrix& x, const RouteContext& ctx) override;
    /// Routes from logits L [T, E] directly (no weight, no training noise), as token choice's
    /// routeLogits does for the `route` command.
    const RoutingDecision& routeLogits(const Matrix& logits);
    BalanceLosses losses() const override { return m_losses; }
    /// dWeight [T, E] holds dLoss/dweight per (token, expert); entries of unpicked pairs are
    /// ignored.
    void backward(const Matrix& x, const Matrix& dWeight) override;
    ParameterList parameters() override { return {&m_weight}; }

    const Parameter& weight() const { return m_weight; }

private:
    void routeFromLogits();

    RouterConfig m_config;
    double m_zCoef;      ///< loss.z, the only balancing loss that applies
    Parameter m_weight;  ///< [d, E]

    // Kept from the last route() for backward().
    Matrix m_jitter;  ///< [T, d] multiplicative input noise, empty if none
    Matrix m_logits;  ///< [T, E] L as scored (after noise and rounding)
    RoutingDecision m_decision;
    BalanceLosses m_losses;
};

}  // namespace moe
