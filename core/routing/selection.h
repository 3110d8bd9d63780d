// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include "core/config/enums.h"
#include "core/math/types.h"

namespace moe {

/// Per-token top-k selection, ROUTING.md §1.3. selectionScores is [T, E] (s + b for token
/// choice, H for noisy top-k). Returns [T, k] expert ids, k distinct per token, in descending
/// order of score; ties go to the lower expert index; NaN ranks below every number.
/// With groups > 1 (DeepSeek-V3 n_group) the experts split into `groups` equal contiguous
/// groups, a group scores the sum of its top-2 entries (its top-1 if it has one expert), and
/// only the best `topkGroup` groups (ties: lower group index) are eligible.
/// Preconditions: 1 <= k <= E; E % groups == 0; k <= topkGroup * E / groups.
IndexMatrix selectTopK(const Matrix& selectionScores, int k, int groups = 1, int topkGroup = 1);

/// Expert capacity, ROUTING.md §1.6: max(minCapacity, ceil(capacityFactor * k * T / E)) with the
/// product taken in double and ceil(x - 1e-9), so 1.1 * 800 / 8 gives 110. capacityFactor == 0
/// means dropless: returns kUnlimitedCapacity.
int64_t tokenChoiceCapacity(double capacityFactor, int k, int nTokens, int nExperts, int minCapacity);

/// Capacity fill, ROUTING.md §1.7. choice [T, k] (-1 = discarded choice, never kept);
/// choiceScore [T, k] is the unbiased score s of each choice (used by Priority::Score).
/// Returns kept [T, k]: an assignment is kept while its expert has fewer than `capacity` kept
/// assignments in fill order. capacity == kUnlimitedCapacity keeps every non-discarded choice.
MaskMatrix fillCapacity(const IndexMatrix& choice, const Matrix& choiceScore, int64_t capacity,
                        int nExperts, Priority priority);

}  // namespace moe
