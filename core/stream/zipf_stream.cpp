// SPDX-License-Identifier: MIT
#include "core/stream/zipf_stream.h"

#include "core/stream/normal_fill.h"
#include "core/util/assert.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <utility>

namespace moe {

ZipfSampler::ZipfSampler(int n, double a) {
    MOELAB_ASSERT(n >= 1, "ZipfSampler needs n >= 1");
    MOELAB_ASSERT(a >= 0.0 && std::isfinite(a), "ZipfSampler needs a finite exponent a >= 0");
    const auto size = static_cast<std::size_t>(n);
    m_prob.resize(size);
    // Zipf's law: P(rank) proportional to rank^-a, ranks 1..n.
    for (std::size_t r = 0; r < size; ++r) m_prob[r] = std::pow(static_cast<double>(r + 1), -a);
    const double total = std::accumulate(m_prob.begin(), m_prob.end(), 0.0);
    for (double& p : m_prob) p /= total;
    m_cdf.resize(size);
    std::partial_sum(m_prob.begin(), m_prob.end(), m_cdf.begin());
    m_cdf.back() = 1.0;  // rounding could leave it at 1 - 1e-16, and u may be that large
}

int ZipfSampler::rankOf(double u) const {
    const auto it = std::upper_bound(m_cdf.begin(), m_cdf.end(), u);
    return static_cast<int>(
        std::min(it - m_cdf.begin(), static_cast<std::ptrdiff_t>(m_cdf.size()) - 1));
}

std::vector<int32_t> randomPermutation(int n, Rng& rng) {
    std::vector<int32_t> perm(static_cast<std::size_t>(std::max(n, 0)));
    std::iota(perm.begin(), perm.end(), 0);
    for (std::size_t i = perm.size(); i > 1; --i) {
        const auto j = static_cast<std::size_t>(rng.below(i));  // j in [0, i)
        std::swap(perm[i - 1], perm[j]);
    }
    return perm;
}

ZipfStream::ZipfStream(const StreamConfig& cfg, int width, int tokensPerStep, Rng initRng,
                       Rng stepRng)
    : m_width(width),
      m_tokensPerStep(tokensPerStep),
      m_seqLen(cfg.seqLen > 0 ? cfg.seqLen : tokensPerStep),
      m_nDomains(cfg.domains),
      m_noiseScale(static_cast<Scalar>(cfg.spread / std::sqrt(static_cast<double>(width)))),
      m_ranks(cfg.vocab, cfg.zipf),
      m_rng(std::move(stepRng)) {
    MOELAB_ASSERT(width >= 1 && tokensPerStep >= 1, "ZipfStream needs width >= 1 and T >= 1");
    MOELAB_ASSERT(cfg.domains >= 0, "stream.domains must be >= 0");
    MOELAB_ASSERT(cfg.separation >= 0.0 && cfg.spread >= 0.0,
                  "stream.separation and stream.spread must be >= 0");
    // E ||z|| ~ sqrt(d) for z ~ N(0, I_d), so this scale gives embeddings of norm ~ separation.
    m_embeddings.resize(cfg.vocab, width);
    fillNormal(initRng, m_embeddings,
               static_cast<Scalar>(cfg.separation / std::sqrt(static_cast<double>(width))));
    m_idOfRank = randomPermutation(cfg.vocab, initRng);
}

TokenBatch ZipfStream::next(int64_t /*step*/) {
    const auto nTokens = static_cast<Eigen::Index>(m_tokensPerStep);
    const auto count = static_cast<std::size_t>(m_tokensPerStep);
    TokenBatch batch;
    batch.seqLen = m_seqLen;
    batch.tokenId.resize(count);
    for (std::size_t t = 0; t < count; ++t)
        batch.tokenId[t] = m_idOfRank[static_cast<std::size_t>(m_ranks.sample(m_rng))];
    if (m_nDomains > 0) {
        batch.domain.resize(count);
        for (std::size_t t = 0; t < count; ++t) batch.domain[t] = batch.tokenId[t] % m_nDomains;
    }

    batch.x.resize(nTokens, m_width);  // [T, d]
    if (m_noiseScale > Scalar(0)) {
        fillStandardNormal(m_rng, batch.x.data(), batch.x.size());
        for (Eigen::Index t = 0; t < nTokens; ++t)
            batch.x.row(t) = m_noiseScale * batch.x.row(t) +
                             m_embeddings.row(batch.tokenId[static_cast<std::size_t>(t)]);
    } else {
        for (Eigen::Index t = 0; t < nTokens; ++t)
            batch.x.row(t) = m_embeddings.row(batch.tokenId[static_cast<std::size_t>(t)]);
    }
    return batch;
}

}  // namespace moe
