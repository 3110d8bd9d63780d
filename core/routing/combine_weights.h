// SPDX-License-Identifier: MIT
#pragma once

#include <limits>

#include "core/config/enums.h"
#include "core/math/types.h"

namespace moe {

/// ROUTING.md §1.5: the sums that normalise combine weights are clamped below by float epsilon.
inline constexpr Scalar kWeightSumFloor = std::numeric_limits<float>::epsilon();

/// Combine weights from the scores of the chosen experts, ROUTING.md §1.5.
/// choiceScore [T, k] is the unbiased score s of each choice; kept [T, k] marks the assignments
/// that survived capacity. norm must be resolved (RouterConfig::effectiveWeightNorm, not Auto):
/// None: w = s; TopK: w = s / max(sum of the k selected s, eps); Kept: w = s / max(sum of the
/// kept s, eps). Every weight is multiplied by weightScale (DeepSeek-V3 routed_scaling_factor).
/// Returns [T, k], 0 where not kept.
/// Reference: Switch/Flaxformer (none), Mixtral and DeepSeek-V3 (topk), DeepSpeed top-k (kept).
Matrix combineWeights(const Matrix& choiceScore, const MaskMatrix& kept, WeightNorm norm,
                      double weightScale);

}  // namespace moe
