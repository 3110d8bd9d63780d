// SPDX-License-Identifier: MIT
#include "core/math/functions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace moe {
namespace {

using Array = Eigen::Array<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Anything below this is -inf. Eigen's vectorised exp clamps its argument (to about -88.7 for
// float) and returns ~3e-39 for exp(-inf), so masked entries are zeroed explicitly: a masked
// expert must get exactly 0 probability (noisy top-k, ROUTING.md §2).
constexpr Scalar kLowest = -std::numeric_limits<Scalar>::max();

constexpr Scalar kInvSqrt2 = static_cast<Scalar>(1.0 / std::numbers::sqrt2);
constexpr Scalar kInvSqrt2Pi = static_cast<Scalar>(std::numbers::inv_sqrtpi / std::numbers::sqrt2);

}  // namespace

void softmaxRowsInPlace(Matrix& m) {
    // Each row is computed in an aligned scratch row. Eigen vectorises a row from its first
    // aligned element, so working in place would send equal rows at different offsets through
    // different exp kernels and summation orders: two tokens with the same logits would get
    // different probabilities, and ties between them would break by position.
    RowVector scratch(m.cols());  // [n]
    for (Eigen::Index t = 0; t < m.rows(); ++t) {
        scratch = m.row(t);
        auto row = scratch.array();
        const Scalar rowMax = row.maxCoeff();
        row = (row < kLowest).select(Scalar(0), (row - rowMax).exp());
        row /= row.sum();
        m.row(t) = scratch;
    }
}

Matrix softmaxRows(const Matrix& logits) {
    Matrix out = logits;
    softmaxRowsInPlace(out);
    return out;
}

Vector logSumExpRows(const Matrix& logits) {
    Vector out(logits.rows());         // [T]
    RowVector scratch(logits.cols());  // aligned, as in softmaxRowsInPlace
    for (Eigen::Index t = 0; t < logits.rows(); ++t) {
        scratch = logits.row(t);
        const auto row = scratch.array();
        const Scalar rowMax = row.maxCoeff();
        // All -inf -> -inf, any +inf -> +inf, NaN -> NaN: the limits of the formula below, which
        // itself would give NaN (inf - inf).
        if (!std::isfinite(rowMax)) {
            out[t] = rowMax;
            continue;
        }
        out[t] = rowMax + std::log((row - rowMax).exp().sum());
    }
    return out;
}

Matrix softmaxCols(const Matrix& logits) {
    const RowVector colMax = logits.colwise().maxCoeff();  // [n]
    Matrix out(logits.rows(), logits.cols());              // [T, n]
    out.array() =
        (logits.array() < kLowest).select(Scalar(0), (logits.rowwise() - colMax).array().exp());
    const RowVector colSum = out.colwise().sum();  // [n]
    out.array().rowwise() /= colSum.array();
    return out;
}

Scalar sigmoid(Scalar x) {
    if (x >= Scalar(0)) return Scalar(1) / (Scalar(1) + std::exp(-x));
    const Scalar e = std::exp(x);  // x < 0: e in [0, 1), no overflow
    return e / (Scalar(1) + e);
}

Matrix sigmoid(const Matrix& x) {
    Matrix out(x.rows(), x.cols());
    // Row by row through an aligned scratch row, so that equal rows give equal scores wherever
    // they sit in the batch (see softmaxRowsInPlace).
    RowVector scratch(x.cols());
    for (Eigen::Index t = 0; t < x.rows(); ++t) {
        scratch = x.row(t);
        const auto a = scratch.array();
        const RowVector e = (-a.abs()).exp();                   // exp(-|x|) in (0, 1]
        const RowVector r = (Scalar(1) + e.array()).inverse();  // sigmoid(|x|)
        // sigmoid(x) = r for x >= 0 and e r = 1 - r (without the cancellation) for x < 0; NaN
        // fails both comparisons and stays NaN through e.
        out.row(t) = (a >= Scalar(0))
                         .select(r.array(), (a < kLowest).select(Scalar(0), e.array() * r.array()));
    }
    return out;
}

void sigmoidInPlace(Matrix& x) {
    x = sigmoid(x);
}

Scalar normalCdf(Scalar x) {
    return Scalar(0.5) * std::erfc(-x * kInvSqrt2);
}

Scalar normalPdf(Scalar x) {
    return kInvSqrt2Pi * std::exp(Scalar(-0.5) * x * x);
}

Matrix normalCdf(const Matrix& x) {
    return x.unaryExpr([](Scalar v) { return normalCdf(v); });
}

Scalar gelu(Scalar x) {
    return x * normalCdf(x);
}

Scalar geluGrad(Scalar x) {
    return normalCdf(x) + x * normalPdf(x);
}

Matrix gelu(const Matrix& x) {
    return x.unaryExpr([](Scalar v) { return gelu(v); });
}

void geluInPlace(Matrix& x) {
    x = x.unaryExpr([](Scalar v) { return gelu(v); });
}

Matrix geluGrad(const Matrix& x) {
    return x.unaryExpr([](Scalar v) { return geluGrad(v); });
}

Scalar softplus(Scalar x) {
    return std::log1p(std::exp(-std::abs(x))) + std::max(x, Scalar(0));
}

Matrix softplus(const Matrix& x) {
    const auto a = x.array();
    Matrix out(x.rows(), x.cols());
    out.array() = (-a.abs()).exp().log1p() + a.cwiseMax(Scalar(0));
    return out;
}

double entropyNats(const double* p, int n) {
    double h = 0.0;
    for (int i = 0; i < n; ++i)
        if (p[i] > 0.0) h -= p[i] * std::log(p[i]);
    return h;
}

}  // namespace moe
