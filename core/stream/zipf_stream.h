// SPDX-License-Identifier: MIT
#pragma once

#include "core/config/scenario_config.h"
#include "core/stream/token_stream.h"
#include "core/util/rng.h"

#include <cstdint>
#include <vector>

namespace moe {

/// Draws ranks r in [0, n) with P(r) = (r + 1)^-a / sum_j (j + 1)^-a (Zipf's law over ranks
/// 1..n; a = 0 is uniform) from a precomputed CDF, by binary search: O(log n) per draw, no
/// allocation. Shared by the vocabulary of ZipfStream and the domain mix of ClustersStream.
class ZipfSampler {
public:
    /// n >= 1, a >= 0 and finite (asserted).
    ZipfSampler(int n, double a);

    /// The rank of u in [0, 1): the first r with u < cdf[r].
    int rankOf(double u) const;
    /// One rank, from one rng.uniform().
    int sample(Rng& rng) const { return rankOf(rng.uniform()); }

    int size() const { return static_cast<int>(m_prob.size()); }
    /// P(rank r) [n], summing to 1.
    const std::vector<double>& probabilities() const { return m_prob; }

private:
    std::vector<double> m_prob;  ///< [n]
    std::vector<double> m_cdf;   ///< [n], last entry exactly 1 so every u < 1 finds a rank
};

/// A uniformly random permutation of 0..n-1, n >= 0 (Fisher-Yates, drawing with rng.below).
std::vector<int32_t> randomPermutation(int n, Rng& rng);

/// `stream.kind = zipf`: a vocabulary of V = stream.vocab token ids with fixed random embeddings
/// e_id = z * separation / sqrt(d), z ~ N(0, I_d) (expected norm ~ separation), drawn once.
/// Each token's frequency rank r is drawn from Zipf(a = stream.zipf) over ranks 1..V, and its id
/// is idOfRank()[r], a fixed random permutation (so the frequent ids are not simply 0, 1, 2 and
/// do not all share a teacher bucket). x_t = e_id + spread * z / sqrt(d) (no noise when
/// spread = 0). Domain label = id mod stream.domains (the teacher bucket), or none when
/// stream.domains is 0. No drift: stream.driftAt is ignored.
class ZipfStream final : public TokenStream {
public:
    /// cfg.vocab >= 1, cfg.zipf >= 0, cfg.domains >= 0, cfg.separation >= 0, cfg.spread >= 0,
    /// width >= 1, tokensPerStep >= 1 (asserted). initRng draws the embeddings and then the rank
    /// permutation (construction only); stepRng draws every batch.
    ZipfStream(const StreamConfig& cfg, int width, int tokensPerStep, Rng initRng, Rng stepRng);

    /// T = tokensPerStep tokens: x [T, d], tokenId [T] in [0, V), domain [T] (empty when
    /// nDomains() = 0), seqLen = stream.seqLen, or T when that is 0.
    TokenBatch next(int64_t step) override;
    int width() const override { return m_width; }
    int nDomains() const override { return m_nDomains; }

    /// Token embeddings [V, d].
    const Matrix& embeddings() const { return m_embeddings; }
    /// Token id of each frequency rank [V] (a permutation of 0..V-1); rank 0 is the most frequent.
    const std::vector<int32_t>& idOfRank() const { return m_idOfRank; }
    /// P(rank r) [V].
    const std::vector<double>& rankProbabilities() const { return m_ranks.probabilities(); }

private:
    int m_width;
    int m_tokensPerStep;
    int m_seqLen;
    int m_nDomains;
    Scalar m_noiseScale;              ///< spread / sqrt(d)
    Matrix m_embeddings;              ///< [V, d]
    ZipfSampler m_ranks;              ///< [V]
    std::vector<int32_t> m_idOfRank;  ///< [V]
    Rng m_rng;                        ///< per-step draws
};

}  // namespace moe
