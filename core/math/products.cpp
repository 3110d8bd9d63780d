// SPDX-License-Identifier: MIT
#include "core/math/products.h"

#include <algorithm>
#include <vector>

#include "core/util/parallel.h"

namespace moe {

Matrix chunkedProduct(const Matrix& x, const Matrix& w) {
    const int64_t nTokens = x.rows();
    Matrix out(nTokens, w.cols());
    const int64_t nChunks = (nTokens + kTokenChunk - 1) / kTokenChunk;
    const double flops = 2.0 * static_cast<double>(x.size()) * static_cast<double>(w.cols());
    parallelFor(nChunks, flops, [&](int64_t c) {
        const int64_t begin = c * kTokenChunk;
        const int64_t rows = std::min(kTokenChunk, nTokens - begin);
        out.middleRows(begin, rows).noalias() = x.middleRows(begin, rows) * w;
    });
    return out;
}

void addTransposedProduct(const Matrix& x, const Matrix& d, Matrix& acc) {
    const int64_t nTokens = x.rows();
    const int64_t nChunks = (nTokens + kTokenChunk - 1) / kTokenChunk;
    if (nChunks <= 1) {
        acc.noalias() += x.transpose() * d;
        return;
    }
    std::vector<Matrix> partial(static_cast<size_t>(nChunks));
    const double flops = 2.0 * static_cast<double>(x.size()) * static_cast<double>(d.cols());
    parallelFor(nChunks, flops, [&](int64_t c) {
        const int64_t begin = c * kTokenChunk;
        const int64_t rows = std::min(kTokenChunk, nTokens - begin);
        partial[static_cast<size_t>(c)].noalias() =
            x.middleRows(begin, rows).transpose() * d.middleRows(begin, rows);
    });
    for (const Matrix& p : partial) acc += p;
}

}  // namespace moe
