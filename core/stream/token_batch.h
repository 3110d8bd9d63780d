// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <vector>

#include "core/math/types.h"

namespace moe {

/// One step's tokens. x is [T, d]; domain and tokenId are [T] (-1 when the stream has none).
struct TokenBatch {
    Matrix x;                      ///< [T, d] hidden states fed to the router and experts
    std::vector<int32_t> domain;   ///< [T] domain label, or empty when the stream has none
    std::vector<int32_t> tokenId;  ///< [T] vocabulary id, or empty when the stream has none
    int seqLen = 0;                ///< tokens per sequence (T when the batch is one sequence)

    int nTokens() const { return static_cast<int>(x.rows()); }
    bool hasDomains() const { return !domain.empty(); }
};

}  // namespace moe
