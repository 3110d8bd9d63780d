// SPDX-License-Identifier: MIT
#pragma once

#include "core/math/types.h"

namespace moe {

// The cooperative task objective (ROUTING.md §5), shared by every layer so that sparse and soft
// MoE report the same number for the same prediction.

/// ROUTING.md §5 writes the cooperative objective per token as 0.5 ||y - sum_i g_i f_i||^2;
/// moelab reports it as a mean squared error over tokens and output dimensions (the same
/// objective scaled by 2 / d_out), so that the papers' balancing coefficients (1e-2 for the
/// Switch aux loss) weigh the same against a task loss of order 1 whatever d_out is.
/// y and target [T, d_out].
double cooperativeLoss(const Matrix& y, const Matrix& target);

/// dLoss/dy [T, d_out] of cooperativeLoss.
Matrix cooperativeLossGradient(const Matrix& y, const Matrix& target);

}  // namespace moe
