// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/config/scenario_config.h"
#include "core/math/types.h"
#include "core/model/expert_state.h"
#include "core/model/parameter.h"
#include "core/routing/routing_decision.h"
#include "core/util/rng.h"

namespace moe {

/// Balancing-loss values of one routing pass, without their coefficients (ROUTING.md §5).
/// A loss that does not apply to the router is 0.
struct BalanceLosses {
    double aux = 0;
    double z = 0;
    double importance = 0;
    double load = 0;
    double seqAux = 0;
};

/// What a routing pass needs besides the tokens.
struct RouteContext {
    bool training = false;  ///< training noise and sampling only when true (ROUTING.md §1.2)
    Rng* rng = nullptr;     ///< source of noise and second-expert sampling draws
    int seqLen = 0;         ///< tokens per sequence for sequence-wise losses (0 = whole batch)
    const std::vector<int32_t>* tokenId = nullptr;  ///< [T] vocabulary ids (hash routing), or null
    const std::vector<int32_t>* domain = nullptr;   ///< [T] domain labels (RRE), or null
};

/// A router of the token-choice family: it maps tokens X [T, d] to k weighted expert choices per
/// token with capacity, and trains its own parameters from the gradient of the combine weights.
/// Implementations keep what backward needs from the last route() call.
class Router {
public:
    virtual ~Router() = default;

    /// Routes one batch X [T, d]. The returned decision stays valid until the next call.
    virtual const RoutingDecision& route(const Matrix& x, const RouteContext& ctx) = 0;

    /// Balancing losses of the last route().
    virtual BalanceLosses losses() const = 0;

    /// Adds to the parameters' gradients: the task-loss gradient through the combine weights,
    /// dWeight [T, k] = dLoss/dweight (ignored where not kept), plus every enabled balancing loss
    /// times its coefficient. x is the batch given to the last route().
    virtual void backward(const Matrix& x, const Matrix& dWeight) = 0;

    /// Trainable tensors.
    virtual ParameterList parameters() = 0;

    /// Called once after the optimiser step with the step's decision (aux-loss-free bias, §6).
    virtual void afterStep() {}

    // Lifelong-learning events (docs/lifelong.md). Only the routers that checkEvents accepts
    // (token choice, autoencoder) implement them; the others are never asked.

    /// Appends n experts: router columns (and per-expert state) initialised per `init`, drawing
    /// from rng for ColumnInit::Default. Existing columns are unchanged.
    virtual void addExperts(int n, ColumnInit init, Rng& rng);

    /// Applies the state of every expert (size = current experts): frozen and removed experts'
    /// router columns stop training, removed experts are never selected again.
    virtual void setExpertStates(const ExpertStates& states);
};

/// Builds the router named by config.router.kind for width d. Parameters are initialised from
/// rng. trainLr is train.lr, which routers with their own learning rate (autoencoder: router.ae_lr)
/// need to scale theirs; 0 = not given, accepted by every other kind.
/// Throws std::invalid_argument for a kind this version does not provide, or for autoencoder
/// without trainLr.
std::unique_ptr<Router> makeRouter(const RouterConfig& router, const LossConfig& loss, int width,
                                   int nExperts, Rng& rng, double trainLr = 0);

}  // namespace moe
