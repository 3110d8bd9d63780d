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

    const auto count = static_cast<std::size_t>(m_tokensPerStep);
    TokenBatch batch;
    batch.seqLen = m_seqLen;
    batch.domain.resize(count);
    for (std::size_t t = 0; t < count; ++t) {
        if (m_mixtureCdf.empty()) {
            batch.domain[t] = m_rankToDomain[static_cast<std::size_t>(m_ranks.sample(m_rng))];
        } else {
            const double u = m_rng.uniform();
            const auto it = std::upper_bound(m_mixtureCdf.begin(), m_mixtureCdf.end(), u);
            batch.domain[t] = static_cast<int32_t>(
                std::min<std::ptrdiff_t>(it - m_mixtureCdf.begin(), nDomains() - 1));
        }
    }
    batch.x = tokens(batch.domain, m_rng);
    return batch;
}

Matrix ClustersStream::tokens(const std::vector<int32_t>& domain, Rng& rng) const {
    const auto nTokens = static_cast<Eigen::Index>(domain.size());
    Matrix x(nTokens, m_width);  // [T, d]
    if (m_offsetScale > Scalar(0)) {
        // Offsets first (one bulk draw), then scale and add the centre in one pass per row.
        fillStandardNormal(rng, x.data(), x.size());
        for (Eigen::Index t = 0; t < nTokens; ++t)
            x.row(t) = m_offsetScale * x.row(t) + m_centres.row(domain[static_cast<std::size_t>(t)]);
    } else {
        for (Eigen::Index t = 0; t < nTokens; ++t)
            x.row(t) = m_centres.row(domain[static_cast<std::size_t>(t)]);
    }
    return x;
}

void ClustersStream::setMixture(const std::vector<double>& weights) {
    MOELAB_ASSERT(static_cast<int>(weights.size()) == nDomains(), "one weight per domain");
    double total = 0;
    for (const double w : weights) total += w;
    MOELAB_ASSERT(total > 0, "mixture weights must have a positive sum");
    m_mixtureCdf.clear();
    double sum = 0;
    for (const double w : weights) {
        sum += w;
        m_mixtureCdf.push_back(sum / total);
    }
    // Exactly 1 at the end, as ZipfSampler's cdf: every u < 1 finds a domain. Trailing domains
    // of weight 0 keep cdf 1 and are never drawn (upper_bound stops at the first entry > u).
    m_mixtureCdf.back() = 1.0;
}

TokenBatch ClustersStream::domainBatch(int domain, int nTokens, Rng& rng) const {
    MOELAB_ASSERT(domain >= 0 && domain < nDomains() && nTokens >= 1, "bad probe request");
    TokenBatch batch;
    batch.seqLen = nTokens;
    batch.domain.assign(static_cast<std::size_t>(nTokens), domain);
    batch.x = tokens(batch.domain, rng);
    return batch;
}

}  // namespace moe
