// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <vector>

#include "core/config/scenario_config.h"
#include "core/math/types.h"
#include "core/metrics/step_stats.h"
#include "core/model/expert_state.h"
#include "core/model/parameter.h"
#include "core/routing/router.h"

namespace moe {

/// One trainable MoE layer as the simulation sees it: tokens in, outputs out, a task loss with
/// its backward pass, and the routing metrics of the last pass. Sparse layers (every router that
/// assigns tokens to experts) and soft MoE (slots that mix all tokens) implement it.
class Layer {
public:
    virtual ~Layer() = default;

    /// Runs the layer on X [T, d] and returns y [T, d_out], valid until the next forward().
    virtual const Matrix& forward(const Matrix& x, const RouteContext& ctx) = 0;

    /// Task loss of the last forward() against target [T, d_out] under config.loss.objective,
    /// without gradients (finite-difference tests use it).
    virtual double taskLoss(const Matrix& target) const = 0;

    /// Backward of the task loss of the last forward() plus every enabled balancing loss times
    /// its coefficient: ADDS to the parameters' gradients. x is the batch given to forward().
    /// Returns the task loss.
    virtual double backward(const Matrix& x, const Matrix& target) = 0;

    /// Balancing-loss values of the last forward(), without coefficients.
    virtual BalanceLosses losses() const = 0;

    /// Routing metrics (ROUTING.md §10) of the last forward(); losses are left at 0.
    /// domain [T] holds labels, or is empty.
    virtual StepStats routingStats(const std::vector<int32_t>& domain) const = 0;

    /// Trainable tensors (frozen ones included, marked frozen).
    virtual ParameterList parameters() = 0;

    /// Called once per training step after the optimiser update (bias updates, own optimisers).
    virtual void afterStep() {}

    virtual int outWidth() const = 0;

    /// The routing decision of the last forward() (per-token snapshots record it), or nullptr
    /// before the first forward() and for layers that make none (soft MoE mixes every token).
    virtual const RoutingDecision* lastDecision() const { return nullptr; }

    // Lifelong-learning events (docs/lifelong.md); only layers whose router supports them
    // (checkEvents) are asked. The default implementations throw std::invalid_argument.

    /// Appends n routed experts (network from rng, router columns per `init`, also from rng).
    /// Parameter objects may move: take parameters() again afterwards.
    virtual void addExperts(int n, ColumnInit init, Rng& rng);
    /// Applies every routed expert's state (size = current routed experts): frozen and removed
    /// experts' parameters and router columns stop training; removed experts get no tokens.
    virtual void setExpertStates(const ExpertStates& states);
};

/// The layer for config: SoftMoeLayer for router.kind = soft_moe, MoeLayer otherwise.
/// Parameters are initialised from initRng. Throws std::invalid_argument for options this
/// version does not provide.
std::unique_ptr<Layer> makeLayer(const ScenarioConfig& config, Rng& initRng);

}  // namespace moe
