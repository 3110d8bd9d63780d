// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>

namespace moe {

/// The floating-point type of the simulation. fp32 everywhere (ROUTING.md: router math runs in
/// fp32); the gradient-check tests build a second copy of the core with MOELAB_DOUBLE so that
/// finite differences are accurate.
#ifdef MOELAB_DOUBLE
using Scalar = double;
#else
using Scalar = float;
#endif

/// Token-major matrices: one token (or one expert's row of parameters) per row, as the spec
/// writes X [T, d] and L [T, E].
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;
using IndexMatrix = Eigen::Matrix<int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MaskMatrix = Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using DoubleVector = Eigen::VectorXd;

/// Exact test for zero (a coefficient that switches a term off, an empty count), spelled out so
/// that -Wfloat-equal keeps flagging accidental float comparisons elsewhere.
inline bool isExactlyZero(double x) { return std::fpclassify(x) == FP_ZERO; }

}  // namespace moe
