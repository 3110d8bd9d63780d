// SPDX-License-Identifier: MIT
#pragma once

#include "core/config/scenario_config.h"
#include "core/stream/token_stream.h"
#include "core/stream/zipf_stream.h"
#include "core/util/rng.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace moe {

/// `stream.kind = clusters`: K = stream.domains Gaussian clusters in R^d.
/// Centre of domain k: a uniformly random unit direction times `separation` [K, d].
/// Token of domain k: centre_k + spread * z / sqrt(d), z ~ N(0, I_d), so its offset from the
/// centre has expected norm ~ spread. The domain of each token is drawn i.i.d. with
/// P(frequency rank r) = (r + 1)^-a / sum_j (j + 1)^-a, r in [0, K), a = stream.zipf (0 = uniform),
/// and rank r currently mapped to domain rankToDomain()[r] (initially the identity).
/// Drift: the first time next(step) sees step >= s for an s in stream.driftAt, the rank-to-domain
/// mapping is re-drawn as a random permutation whose rank-0 (most frequent) domain differs from
/// the previous one (rejection; K >= 2), so the popular domain really changes at every drift.
class ClustersStream final : public TokenStream {
public:
    /// cfg.domains >= 1, cfg.zipf >= 0, cfg.separation >= 0, cfg.spread >= 0, width >= 1,
    /// tokensPerStep >= 1 (asserted). initRng draws the centres (construction only), stepRng
    /// every batch and drift, so the data does not depend on when the stream is constructed.
    ClustersStream(const StreamConfig& cfg, int width, int tokensPerStep, Rng initRng, Rng stepRng);

    /// T = tokensPerStep tokens: x [T, d], domain [T] in [0, K), tokenId empty,
    /// seqLen = stream.seqLen, or T when that is 0.
    TokenBatch next(int64_t step) override;
    int width() const override { return m_width; }
    int nDomains() const override { return static_cast<int>(m_centres.rows()); }
    /// From the next batch on, each token's domain is drawn from `weights` (normalised) with one
    /// rng.uniform() as before; the Zipf ranks are no longer used.
    void setMixture(const std::vector<double>& weights) override;
    TokenBatch domainBatch(int domain, int nTokens, Rng& rng) const override;

    /// Cluster centres [K, d], each of norm `separation`.
    const Matrix& centres() const { return m_centres; }
    /// P(rank r) [K], r = 0 the most frequent; sums to 1.
    const std::vector<double>& rankProbabilities() const { return m_ranks.probabilities(); }
    /// Domain currently holding each frequency rank [K] (a permutation of 0..K-1).
    const std::vector<int32_t>& rankToDomain() const { return m_rankToDomain; }

private:
    void redrawRanks();
    /// x of tokens of the given domains: centre + scale * N(0, I) from rng.
    Matrix tokens(const std::vector<int32_t>& domain, Rng& rng) const;

    int m_width;
    int m_tokensPerStep;
    int m_seqLen;
    Scalar m_offsetScale;                 ///< spread / sqrt(d)
    Matrix m_centres;                     ///< [K, d]
    ZipfSampler m_ranks;                  ///< frequency ranks [K]
    std::vector<int32_t> m_rankToDomain;  ///< [K]
    std::vector<int64_t> m_driftAt;       ///< sorted, unique
    std::size_t m_nextDrift = 0;          ///< first entry of m_driftAt not yet applied
    std::vector<double> m_mixtureCdf;     ///< [K] after a mixture event, else empty
    Rng m_rng;                            ///< per-step draws
};

}  // namespace moe
