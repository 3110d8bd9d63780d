// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include "core/math/types.h"

namespace moe {

/// Capacity value meaning "no limit" (dropless routing, capacity_factor = 0).
inline constexpr int64_t kUnlimitedCapacity = -1;

/// What a token-choice style router decided for one step (ROUTING.md §1.7-1.8, INTERFACES.md
/// `route`). T tokens, E experts, k choices per token.
struct RoutingDecision {
    int nTokens = 0;
    int nExperts = 0;
    int k = 0;
    int64_t capacity = kUnlimitedCapacity;  ///< C per expert, or kUnlimitedCapacity
    /// Expert choice lays the decision out with one column per expert (k = E, column e = expert
    /// e's pick of the token) instead of one column per choice rank.
    bool columnPerExpert = false;
    IndexMatrix choice;  ///< [T, k] expert of each choice in selection order; -1 if discarded
    MaskMatrix kept;     ///< [T, k] 1 if the assignment was dispatched
    Matrix weight;       ///< [T, k] combine weight; 0 where not kept
    Matrix scores;       ///< [T, E] s: softmax or sigmoid scores (unbiased)
    Matrix probs;        ///< [T, E] p = softmax(L), for losses and router entropy
};

}  // namespace moe
