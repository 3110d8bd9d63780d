// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <vector>

#include "core/metrics/step_stats.h"

namespace moe {

/// The metrics of one routing call that is part of a step: in a real training run each rank
/// (and each micro-batch) routes its own tokens, with its own capacity.
struct StepPart {
    StepStats stats;
    int64_t tokens = 0;  ///< T of this call
    int k = 1;           ///< choices per token (drop_fraction divides by T k)
};

/// One step's metrics from its parts, as if one router had seen all the tokens but each part
/// kept its own capacity: per-expert demand, load, dropped and importance add up; drop_fraction
/// is weighted by each part's T k, the token fractions, router entropy, mean score and the
/// losses by its T; load_cv, max_over_mean, load_entropy, collapse and dead_experts are
/// recomputed from the summed demand (ROUTING.md §10); capacity is the sum of the parts'
/// capacities (unlimited if any part's is). specialization is NaN: NMI does not average.
/// Precondition (asserted): at least one part, all with the same E.
StepStats mergeStepParts(const std::vector<StepPart>& parts);

}  // namespace moe
