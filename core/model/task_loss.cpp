// SPDX-License-Identifier: MIT
#include "core/model/task_loss.h"

#include "core/util/assert.h"

namespace moe {

double cooperativeLoss(const Matrix& y, const Matrix& target) {
    MOELAB_ASSERT(y.rows() == target.rows() && y.cols() == target.cols(), "target shape");
    return (y - target).cast<double>().squaredNorm() / static_cast<double>(y.size());
}

Matrix cooperativeLossGradient(const Matrix& y, const Matrix& target) {
    MOELAB_ASSERT(y.rows() == target.rows() && y.cols() == target.cols(), "target shape");
    return (y - target) * static_cast<Scalar>(2.0 / static_cast<double>(y.size()));
}

}  // namespace moe
