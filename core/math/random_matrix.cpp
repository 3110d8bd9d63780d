// SPDX-License-Identifier: MIT
#include "core/math/random_matrix.h"

#include <cmath>

namespace moe {

Matrix normalMatrix(int rows, int cols, double std, Rng& rng) {
    Matrix m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Scalar>(std * rng.normal());
    return m;
}

Matrix fanInNormal(int rows, int cols, Rng& rng) {
    return normalMatrix(rows, cols, 1.0 / std::sqrt(static_cast<double>(rows)), rng);
}

}  // namespace moe
