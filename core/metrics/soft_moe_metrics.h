// SPDX-License-Identifier: MIT
#pragma once

#include "core/math/types.h"
#include "core/metrics/step_stats.h"

#include <cstdint>
#include <vector>

namespace moe {

/// The routing metrics of ROUTING.md §10 for soft MoE, from mass [T, E] = per-expert combine
/// mass of each token (SoftRouting::mass; each row sums to 1). Soft MoE drops nothing and has no
/// capacity, so dropped = 0, drop_fraction = token_drop_fraction = 0 and capacity = -1. Per
/// expert, demand = load = importance = sum_t mass(t, e) (ROUTING.md §4 and §10), and
/// mean_score = that mass / T; load_cv, max_over_mean, load_entropy, collapse and dead_experts
/// follow from demand. router_entropy = mean_t H(mass(t, :)) / ln E. A token counts as combined
/// from expert e when mass(t, e) > 0 (picked_once/picked_many fractions); null_fraction is the
/// null experts' (the last nullExperts columns) share of the total mass. When domain [T] is
/// non-empty, specialization = NMI(domain, argmax_e mass(t, e)), ties to the lower index.
/// Losses are left at 0.
StepStats softMoeMetrics(const Matrix& mass, const std::vector<int32_t>& domain,
                         int nullExperts = 0);

}  // namespace moe
