// SPDX-License-Identifier: MIT
#pragma once

#include "core/math/types.h"

namespace moe {

// Numerically safe elementwise and row-wise functions. Matrices are token-major ([T, n], one
// token per row). Everything is written in terms of Scalar, so it builds for float and for the
// MOELAB_DOUBLE gradient-test copy of the core. Non-finite inputs propagate (NaN in, NaN out);
// the trainer checks for NaN once per step (STYLE.md §3.3), so nothing here asserts on values.

/// Row-wise softmax: out[t, i] = exp(L[t, i] - m_t) / sum_j exp(L[t, j] - m_t), m_t = max_j L[t, j]
/// (max-subtracted, so logits of +-1e4 neither overflow nor underflow to 0/0).
/// logits [T, n], n >= 1; entries may be -inf (masked, e.g. noisy top-k's KeepTopK) and give
/// exactly 0, as long as each row has at least one finite entry (a row of only -inf gives NaN).
/// Returns [T, n], each row summing to 1 up to rounding.
Matrix softmaxRows(const Matrix& logits);

/// softmaxRows in place: m [T, n] is replaced by its row-wise softmax.
void softmaxRowsInPlace(Matrix& m);

/// Row-wise log-sum-exp: out[t] = m_t + log sum_j exp(L[t, j] - m_t) (ST-MoE router z-loss input).
/// logits [T, n], n >= 1. A row of only -inf gives -inf; a row containing +inf gives +inf.
/// Returns [T].
Vector logSumExpRows(const Matrix& logits);

/// Column-wise softmax (over the rows of each column; Soft MoE dispatch weights, softmax over
/// tokens, Puigcerver et al. 2023 §2.1). logits [T, n], T >= 1; -inf entries as in softmaxRows.
/// Returns [T, n], each column summing to 1 up to rounding.
Matrix softmaxCols(const Matrix& logits);

/// Logistic sigmoid 1 / (1 + exp(-x)), evaluated as exp(x) / (1 + exp(x)) for x < 0 so that
/// neither branch overflows. Result in [0, 1].
Scalar sigmoid(Scalar x);

/// Elementwise sigmoid of x [rows, cols] (DeepSeek-V3 scores); same stable form as the scalar one.
/// Results below ~1e-38 (x < -87) may be off by that much in absolute terms (Eigen's vectorised
/// exp clamps its input); sigmoid(-inf) is exactly 0.
Matrix sigmoid(const Matrix& x);

/// Elementwise sigmoid in place.
void sigmoidInPlace(Matrix& x);

/// Standard normal CDF Phi(x) = 0.5 erfc(-x / sqrt 2); erfc keeps full relative accuracy in the
/// lower tail (Phi(-10) ~ 7.6e-24), where 0.5 (1 + erf(x / sqrt 2)) would cancel to 0.
Scalar normalCdf(Scalar x);

/// Standard normal density phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
Scalar normalPdf(Scalar x);

/// Elementwise normalCdf of x [rows, cols].
Matrix normalCdf(const Matrix& x);

/// Exact GELU (Hendrycks & Gimpel 2016, eq. 1): 0.5 x (1 + erf(x / sqrt 2)) = x Phi(x), evaluated
/// as x Phi(x) through erfc so the negative tail keeps its relative accuracy.
Scalar gelu(Scalar x);

/// d gelu / dx = Phi(x) + x phi(x).
Scalar geluGrad(Scalar x);

/// Elementwise gelu of x [rows, cols].
Matrix gelu(const Matrix& x);

/// Elementwise gelu in place.
void geluInPlace(Matrix& x);

/// Elementwise geluGrad of x [rows, cols] (the pre-activations), for backprop.
Matrix geluGrad(const Matrix& x);

/// Softplus log(1 + exp(x)), evaluated as log1p(exp(-|x|)) + max(x, 0): no overflow for large
/// x, and no loss of the tiny value exp(x) for very negative x. Result in [0, inf).
Scalar softplus(Scalar x);

/// Elementwise softplus of x [rows, cols] (Shazeer et al. 2017 eq. 4 noise scale).
Matrix softplus(const Matrix& x);

/// Shannon entropy in nats, -sum_i p_i log p_i, with 0 log 0 = 0 (entries <= 0 contribute 0).
/// p points to n >= 0 probabilities, expected to sum to 1 (not renormalised here).
double entropyNats(const double* p, int n);

}  // namespace moe
