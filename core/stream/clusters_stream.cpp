// SPDX-License-Identifier: MIT
#include "core/stream/clusters_stream.h"

#include "core/stream/normal_fill.h"
#include "core/util/assert.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace moe {

ClustersStream::ClustersStream(const StreamConfig& cfg, int width, int tokensPerStep, Rng initRng,
                               Rng stepRng)
    : m_width(width),
      m_tokensPerStep(tokensPerStep),
      m_seqLen(cfg.seqLen > 0 ? cfg.seqLen : tokensPerStep),
      m_offsetScale(static_cast<Scalar>(cfg.spread / std::sqrt(static_cast<double>(width)))),
      m_ranks(cfg.domains, cfg.zipf),
      m_driftAt(cfg.driftAt),
      m_rng(std::move(stepRng)) {
    MOELAB_ASSERT(width >= 1 && tokensPerStep >= 1, "ClustersStream needs width >= 1 and T >= 1");
    MOELAB_ASSERT(cfg.separation >= 0.0 && cfg.spread >= 0.0,
                  "stream.separation and stream.spread must be >= 0");

    // Uniform directions: a standard normal vector normalised (its law is rotation invariant).
    m_centres.resize(cfg.domains, width);  // [K, d]
    for (Eigen::Index k = 0; k < m_centres.rows(); ++k) {
        auto centre = m_centres.row(k);
        double norm = 0.0;
        while (!(norm > 0.0)) {  // all-zero draws have probability 0; loop for exactness
            fillStandardNormal(initRng, centre.data(), centre.size());
            norm = static_cast<double>(centre.norm());
        }
        centre *= static_cast<Scalar>(cfg.separation / norm);
    }

    m_rankToDomain.resize(static_cast<std::size_t>(cfg.domains));
    std::iota(m_rankToDomain.begin(), m_rankToDomain.end(), 0);
    std::sort(m_driftAt.begin(), m_driftAt.end());
    m_driftAt.erase(std::unique(m_driftAt.begin(), m_driftAt.end()), m_driftAt.end());
}

void ClustersStream::redrawRanks() {
    const int32_t previousTop = m_rankToDomain.front();
    std::vector<int32_t> perm = randomPermutation(nDomains(), m_rng);
    // Condition on a new most-frequent domain (expected K / (K - 1) draws): a drift that kept
    // the popular domain would be invisible in the load curves it is meant to perturb.
    while (perm.size() > 1 && perm.front() == previousTop)
        perm = randomPermutation(nDomains(), m_rng);
    m_rankToDomain = std::move(perm);
}

TokenBatch ClustersStream::next(int64_t step) {
    while (m_nextDrift < m_driftAt.size() && step >= m_driftAt[m_nextDrift]) {
        redrawRanks();
        ++m_nextDrift;
    }

    const auto nTokens = static_cast<Eigen::Index>(m_tokensPerStep);
    const auto count = static_cast<std::size_t>(m_tokensPerStep);
    TokenBatch batch;
    batch.seqLen = m_seqLen;
    batch.domain.resize(count);
    for (std::size_t t = 0; t < count; ++t)
        batch.domain[t] = m_rankToDomain[static_cast<std::size_t>(m_ranks.sample(m_rng))];

    batch.x.resize(nTokens, m_width);  // [T, d]
    if (m_offsetScale > Scalar(0)) {
        // Offsets first (one bulk draw), then scale and add the centre in one pass per row.
        fillStandardNormal(m_rng, batch.x.data(), batch.x.size());
        for (Eigen::Index t = 0; t < nTokens; ++t)
            batch.x.row(t) = m_offsetScale * batch.x.row(t) +
                             m_centres.row(batch.domain[static_cast<std::size_t>(t)]);
    } else {
        for (Eigen::Index t = 0; t < nTokens; ++t)
            batch.x.row(t) = m_centres.row(batch.domain[static_cast<std::size_t>(t)]);
    }
    return batch;
}

}  // namespace moe
