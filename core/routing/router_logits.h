// SPDX-License-Identifier: MIT
#pragma once

#include "core/config/scenario_config.h"
#include "core/math/types.h"
#include "core/routing/router.h"

namespace moe {

// The logits step shared by the routers with a linear gate W [d, E] (token choice, expert
// choice), so that their training noise and rounding stay identical (ROUTING.md §1.2 and the
// preamble's router.precision).

/// Computes L = (X ∘ J) W + N [T, E] for X [T, d] and W [d, E], rounded to router.precision.
/// In training only (ctx.training), router.noise adds: jitter, J [T, d] ~ U(1 - eps, 1 + eps)
/// on the router's input (Switch, Fedus et al. 2021 §2.4); gaussian, N ~ N(0, sigma^2) on L;
/// gumbel, N ~ Gumbel(0, 1) on L (DeepSpeed RSample). Otherwise J = 1 and N = 0.
/// jitter receives J for routerWeightGradient, or is emptied when no jitter was drawn.
/// Draws come from ctx.rng in a fixed order (J row-major, then N row-major).
void routerLogits(const Matrix& x, const Matrix& w, const RouterConfig& config,
                  const RouteContext& ctx, Matrix& jitter, Matrix& logits);

/// Adds dW = (X ∘ J)^T dL to grad [d, E], with J the jitter from routerLogits (empty = none).
/// Rounding to bf16/fp16 is treated as the identity (straight-through), and additive noise has
/// no gradient.
void addRouterWeightGradient(const Matrix& x, const Matrix& jitter, const Matrix& dLogits,
                             Matrix& grad);

}  // namespace moe
