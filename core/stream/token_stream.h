// SPDX-License-Identifier: MIT
#pragma once

#include "core/stream/token_batch.h"

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/rng.h"

namespace moe {

/// A source of token batches, one per training step. Batches are produced in order: `next` is
/// called with non-decreasing steps, and each call advances the stream's random state, so the
/// same seed and the same sequence of calls give the same batches.
class TokenStream {
public:
    virtual ~TokenStream() = default;

    /// The batch for `step`: x [T, width()], domain [T] when nDomains() > 0 (else empty),
    /// tokenId [T] for vocabulary streams (else empty), seqLen > 0.
    virtual TokenBatch next(int64_t step) = 0;

    /// d, the width of each token.
    virtual int width() const = 0;

    /// Number of distinct domain labels (labels are in [0, nDomains())); 0 if the stream has none.
    virtual int nDomains() const = 0;

    /// The word of each token id, for streams of real text (traces store it); else nullptr.
    virtual const std::vector<std::string>* vocabulary() const { return nullptr; }
    /// The name of each domain label when the stream has names for them; else nullptr.
    virtual const std::vector<std::string>* domainNames() const { return nullptr; }

    /// Replaces the domain distribution from the next batch on: weights [nDomains()] >= 0 with
    /// a positive sum (a stream.mixture event). Throws std::invalid_argument for streams
    /// without domains to choose (only the clusters stream has them).
    virtual void setMixture(const std::vector<double>& weights);

    /// nTokens tokens of `domain` drawn from `rng` (not the stream's own random state): the
    /// held-out probe sets. Throws std::invalid_argument for streams that cannot.
    virtual TokenBatch domainBatch(int domain, int nTokens, Rng& rng) const;
};

}  // namespace moe
