// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <vector>

#include "core/metrics/step_stats.h"
#include "core/routing/routing_decision.h"

namespace moe {

/// Fills the routing metrics of ROUTING.md §10 from one token-choice decision: the per-expert
/// arrays, drop fractions, load statistics of demand, router entropy and, when domain [T] is
/// non-empty, specialization = NMI(domain, first-choice expert). Losses are left at 0.
/// Demand counts the assignments offered to capacity (a choice discarded by second-expert
/// sampling is not one); drop_fraction divides by T k as the spec states.
StepStats routingMetrics(const RoutingDecision& decision, const std::vector<int32_t>& domain);

/// Normalized mutual information of two labelings of the same items, arithmetic normalisation
/// 2 I(A;B) / (H(A) + H(B)) (scikit-learn's default). 1 when both labelings are constant (and
/// so identical), 0 when exactly one is constant. Labels are non-negative ints.
double normalizedMutualInformation(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

/// Entropy of the distribution counts/sum divided by ln(n), n = counts.size(): 1 for uniform,
/// 0 for one non-zero entry. For n = 1 it is 1 (a single expert is trivially balanced); for an
/// all-zero vector it is 0.
double normalizedEntropy(const std::vector<double>& counts);

}  // namespace moe
