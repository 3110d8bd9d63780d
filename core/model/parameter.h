// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "core/math/types.h"

namespace moe {

/// A trainable tensor with its gradient. Vectors (biases) are stored as [1, n] matrices so that
/// every parameter has one type. `frozen` parameters keep their value (LoRA bases, frozen experts).
struct Parameter {
    std::string name;  ///< "router.w", "expert[3].w1", ... used in error messages and traces
    Matrix value;
    Matrix grad;
    bool frozen = false;
    double lrScale = 1.0;  ///< multiplies the optimiser's learning rate (autoencoder gates)
    /// Empty, or one flag per column: columns flagged keep their value and their optimiser
    /// state (a frozen expert's router column, Lifelong-MoE).
    std::vector<bool> frozenColumns;

    Parameter() = default;
    Parameter(std::string n, Matrix v) : name(std::move(n)), value(std::move(v)) {
        grad = Matrix::Zero(value.rows(), value.cols());
    }
    void zeroGrad() { grad.setZero(); }
};

using ParameterList = std::vector<Parameter*>;

}  // namespace moe
