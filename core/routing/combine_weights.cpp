// SPDX-License-Identifier: MIT
#include "core/routing/combine_weights.h"

#include <algorithm>

#include "core/util/assert.h"

namespace moe {

Matrix combineWeights(const Matrix& choiceScore, const MaskMatrix& kept, WeightNorm norm,
                      double weightScale) {
    MOELAB_ASSERT(norm != WeightNorm::Auto, "weight_norm must be resolved before use");
    MOELAB_ASSERT(choiceScore.rows() == kept.rows() && choiceScore.cols() == kept.cols(),
                  "choice scores and kept mask differ in shape");
    const auto nTokens = choiceScore.rows();
    const auto k = choiceScore.cols();
    const auto scale = static_cast<Scalar>(weightScale);
    Matrix weight = Matrix::Zero(nTokens, k);
    for (Eigen::Index t = 0; t < nTokens; ++t) {
        Scalar denom = 1;
        if (norm == WeightNorm::TopK) {
            denom = std::max(choiceScore.row(t).sum(), kWeightSumFloor);
        } else if (norm == WeightNorm::Kept) {
            Scalar sum = 0;
            for (Eigen::Index j = 0; j < k; ++j)
                if (kept(t, j)) sum += choiceScore(t, j);
            denom = std::max(sum, kWeightSumFloor);
        }
        for (Eigen::Index j = 0; j < k; ++j)
            if (kept(t, j)) weight(t, j) = scale * choiceScore(t, j) / denom;
    }
    return weight;
}

}  // namespace moe
