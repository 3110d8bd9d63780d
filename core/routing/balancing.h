// SPDX-License-Identifier: MIT
#pragma once

#include <vector>

#include "core/math/types.h"

namespace moe {

// Balancing losses, ROUTING.md §5. Each returns the loss value without its coefficient and, when
// the gradient pointer is non-null and coef != 0, ADDS coef * d(loss)/d(input) to it.

/// Switch load-balancing loss E * sum_i f_i P_i (Fedus et al. 2021, eq. 4). probs [T, E] is
/// p = softmax(L); selected [T, k] the experts chosen before capacity (and before the
/// second-expert policy). f counts every choice (or only the first with firstChoiceOnly, the
/// GShard/DeepSpeed top-2 variant) and is constant; P_i = mean_t p_{t,i} carries the gradient.
double switchAuxLoss(const Matrix& probs, const IndexMatrix& selected, bool firstChoiceOnly,
                     double coef, Matrix* dProbs);

/// Router z-loss mean_t (logsumexp_i L_{t,i})^2 (ST-MoE, Zoph et al. 2022, eq. 5).
double routerZLoss(const Matrix& logits, double coef, Matrix* dLogits);

/// DeepSeek-V3 sequence-wise balance loss (DeepSeek-V3 report, eqs. 17-20): per sequence of
/// seqLen tokens, f_i = E / (k T_seq) * count_i, P_i = mean_t s_{t,i} / sum_j s_{t,j};
/// loss_seq = sum_i f_i P_i; the value is the mean over the batch's sequences.
/// scores [T, E] are the unbiased s; T % seqLen == 0.
double sequenceAuxLoss(const Matrix& scores, const IndexMatrix& selected, int seqLen, double coef,
                       Matrix* dScores);

/// Squared coefficient of variation (population std / mean)^2 of v (Shazeer et al. 2017,
/// eqs. 6-7). If grad is non-null it receives d(CV^2)/dv (overwritten). 0 when the mean is 0.
double cvSquared(const std::vector<double>& v, std::vector<double>* grad);

/// Backward through p = softmax(L) per row: dL += p .* (dp - <dp, p>).
void addSoftmaxBackward(const Matrix& p, const Matrix& dp, Matrix& dLogits);

/// Backward through s = sigmoid(L): dL += ds .* s .* (1 - s).
void addSigmoidBackward(const Matrix& s, const Matrix& ds, Matrix& dLogits);

}  // namespace moe
