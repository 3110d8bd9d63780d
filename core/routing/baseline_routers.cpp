// SPDX-License-Identifier: MIT
#include "core/routing/baseline_routers.h"

#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/routing/combine_weights.h"
#include "core/routing/selection.h"
#include "core/util/assert.h"

namespace moe {
namespace {

/// Writes k distinct experts drawn uniformly from [first, first + n) into out[0..k) by a partial
/// Fisher-Yates shuffle of pool, which is reset so that each token's draw depends only on its
/// own random numbers.
void drawDistinct(int first, int n, int k, Rng& rng, std::vector<int32_t>& pool, int32_t* out) {
    pool.resize(static_cast<size_t>(n));
    std::iota(pool.begin(), pool.end(), first);
    for (int j = 0; j < k; ++j) {
        const auto r = static_cast<size_t>(j) + rng.below(static_cast<uint64_t>(n - j));
        std::swap(pool[static_cast<size_t>(j)], pool[r]);
        out[j] = pool[static_cast<size_t>(j)];
    }
}

/// The per-token labels a baseline needs, checked against the batch.
const std::vector<int32_t>& requireLabels(const std::vector<int32_t>* labels, int nTokens,
                                          const char* what, const std::string& needer,
                                          const char* streams) {
    if (labels == nullptr) {
        throw std::invalid_argument(needer + " needs " + what + ", which this stream does not "
                                    "provide; use stream.kind = " + streams);
    }
    MOELAB_ASSERT(labels->size() == static_cast<size_t>(nTokens), "labels differ from the batch");
    return *labels;
}

}  // namespace

BaselineRouter::BaselineRouter(const RouterConfig& router, int nExperts)
    : m_config(router), m_nExperts(nExperts) {
    MOELAB_ASSERT(router.k >= 1 && router.k <= nExperts, "k out of range");
}

const RoutingDecision& BaselineRouter::route(const Matrix& x, const RouteContext& ctx) {
    const auto nTokens = static_cast<int>(x.rows());
    RoutingDecision& d = m_decision;
    d.nTokens = nTokens;
    d.nExperts = m_nExperts;
    d.k = m_config.k;
    d.choice.resize(nTokens, d.k);
    d.scores.resize(nTokens, m_nExperts);
    choose(nTokens, ctx, d.choice, d.scores);
    d.probs = d.scores;

    Matrix choiceScore(nTokens, d.k);
    for (int t = 0; t < nTokens; ++t)
        for (int j = 0; j < d.k; ++j) choiceScore(t, j) = d.scores(t, d.choice(t, j));
    d.capacity = tokenChoiceCapacity(m_config.effectiveCapacityFactor(), d.k, nTokens, m_nExperts,
                                     m_config.minCapacity);
    d.kept = fillCapacity(d.choice, choiceScore, d.capacity, m_nExperts, m_config.priority);
    // Equal shares: §1.5 on a score of 1/k per choice gives weight_scale / k (none, topk) or
    // weight_scale / kept (kept).
    const Matrix share = Matrix::Constant(nTokens, d.k, Scalar(1) / static_cast<Scalar>(d.k));
    d.weight = combineWeights(share, d.kept, m_config.effectiveWeightNorm(), m_config.weightScale);
    return d;
}

void BaselineRouter::backward(const Matrix& x, const Matrix& dWeight) {
    (void)x;  // nothing to train
    (void)dWeight;
}

HashRouter::HashRouter(const RouterConfig& router, int nExperts, Rng& rng)
    : BaselineRouter(router, nExperts), m_salt(rng.bits()) {}

int HashRouter::expertOf(int32_t tokenId) const {
    if (tokenId < 0) {
        throw std::invalid_argument("router.kind = hash got token id " + std::to_string(tokenId) +
                                    "; token ids must be >= 0");
    }
    const auto id = static_cast<uint64_t>(tokenId);
    const auto n = static_cast<uint64_t>(nExperts());
    const uint64_t h = config().hash == HashKind::Modulo ? id % n : mixSeed(m_salt ^ id) % n;
    return static_cast<int>(h);
}

void HashRouter::choose(int nTokens, const RouteContext& ctx, IndexMatrix& choice,
                        Matrix& scores) {
    const auto& ids = requireLabels(ctx.tokenId, nTokens, "token ids", "router.kind = hash",
                                    "zipf, or dumped with /token_id");
    const int n = nExperts();
    for (int t = 0; t < nTokens; ++t) {
        const int h = expertOf(ids[static_cast<size_t>(t)]);
        for (int j = 0; j < choice.cols(); ++j) choice(t, j) = (h + j) % n;
    }
    scores.setConstant(Scalar(1) / static_cast<Scalar>(n));
}

void RandomRouter::choose(int nTokens, const RouteContext& ctx, IndexMatrix& choice,
                          Matrix& scores) {
    MOELAB_ASSERT(ctx.rng, "random routing needs a random stream");
    const int n = nExperts();
    const auto k = static_cast<int>(choice.cols());
    std::vector<int32_t> pool;
    for (int t = 0; t < nTokens; ++t) drawDistinct(0, n, k, *ctx.rng, pool, choice.row(t).data());
    scores.setConstant(Scalar(1) / static_cast<Scalar>(n));
}

RreRouter::RreRouter(const RouterConfig& router, int nExperts) : BaselineRouter(router, nExperts) {
    MOELAB_ASSERT(router.groups >= 1 && nExperts % router.groups == 0,
                  "experts must split into equal groups");
    MOELAB_ASSERT(router.k <= nExperts / router.groups, "k exceeds the experts of a group");
}

void RreRouter::choose(int nTokens, const RouteContext& ctx, IndexMatrix& choice,
                       Matrix& scores) {
    const auto& domains = requireLabels(ctx.domain, nTokens, "domain labels", "router.kind = rre",
                                        "clusters | zipf, or dumped with /domain");
    MOELAB_ASSERT(ctx.rng, "random routing needs a random stream");
    const int groups = config().groups;
    const int size = nExperts() / groups;
    const auto k = static_cast<int>(choice.cols());
    const Scalar inGroup = Scalar(1) / static_cast<Scalar>(size);
    std::vector<int32_t> pool;
    scores.setZero();
    for (int t = 0; t < nTokens; ++t) {
        const int32_t domain = domains[static_cast<size_t>(t)];
        if (domain < 0) {
            throw std::invalid_argument("router.kind = rre got domain label " +
                                        std::to_string(domain) + "; domain labels must be >= 0");
        }
        const int first = (domain % groups) * size;
        drawDistinct(first, size, k, *ctx.rng, pool, choice.row(t).data());
        scores.row(t).segment(first, size).setConstant(inGroup);
    }
}

}  // namespace moe
