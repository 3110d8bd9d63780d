// SPDX-License-Identifier: MIT
#pragma once

#include "core/math/types.h"

namespace moe {

/// X W for token-major X [T, d] and W [d, n], split into fixed token chunks that run in
/// parallel. The chunking is independent of the thread count, so the result is too.
Matrix chunkedProduct(const Matrix& x, const Matrix& w);

/// Adds X^T D to acc ([d, n] += [T, d]^T [T, n]). Per-chunk partial products are summed in
/// chunk order, so the sum does not depend on the thread count.
void addTransposedProduct(const Matrix& x, const Matrix& d, Matrix& acc);

}  // namespace moe
