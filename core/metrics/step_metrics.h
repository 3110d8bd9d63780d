// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <vector>

#include "core/metrics/step_stats.h"
#include "core/routing/routing_decision.h"

namespace moe {

/// Fills the routing metrics of ROUTING.md §10 from one decision: the per-expert arrays, drop
/// fractions, load statistics of demand, router entropy and, when domain [T] is non-empty,
/// specialization = NMI(domain, first-choice expert). Losses are left at 0. Demand counts the
/// assignments offered to capacity (a choice discarded by second-expert sampling is not one);
/// drop_fraction divides by T k as the spec states. The last nullExperts columns are null
/// experts (ROUTING.md §7): they count in every per-expert array and in null_fraction.
/// For expert choice the decision has one column per expert (k = E), so demand = load.
StepStats routingMetrics(const RoutingDecision& decision, const std::vector<int32_t>& domain,
                         int nullExperts = 0);

/// Each token's first-choice expert: choice 0 in selection order; with one column per expert
/// (expert choice), the pick with the largest weight (ties: lower expert), or -1 if no expert
/// picked the token.
std::vector<int32_t> firstChoices(const RoutingDecision& decision);

/// Vocabulary specialization: over the token ids that occur at least minCount times (with a
/// first choice), the share of their occurrences routed to the id's most common first-choice
/// expert, averaged with each id weighted by its count: sum_id max_e n(id, e) / sum_id n(id).
/// 1 when every frequent word always goes to one expert; about 1/E for routing blind to the
/// word. NaN when no id is frequent enough. Precondition: equal sizes (asserted).
inline constexpr int kVocabSpecializationMinCount = 5;  ///< "frequent": ids seen this often in a step
double vocabularySpecialization(const std::vector<int32_t>& tokenId,
                                const std::vector<int32_t>& firstChoice, int minCount);

/// Fills load_cv, max_over_mean, dead_experts, load_entropy and collapse (ROUTING.md §10) from
/// stats.demand [E], which must be set; the other fields are left as they are. A demand that is
/// all zero gives NaN for load_cv and max_over_mean.
void fillDemandStatistics(StepStats& stats);

/// Normalized mutual information of two labelings of the same items, arithmetic normalisation
/// 2 I(A;B) / (H(A) + H(B)) (scikit-learn's default). 1 when both labelings are constant (and
/// so identical), 0 when exactly one is constant. Labels are any ints (-1 for "none" is fine).
double normalizedMutualInformation(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

/// Entropy of the distribution counts/sum divided by ln(n), n = counts.size(): 1 for uniform,
/// 0 for one non-zero entry. For n = 1 it is 1 (a single expert is trivially balanced); for an
/// all-zero vector it is 0.
double normalizedEntropy(const std::vector<double>& counts);

}  // namespace moe
