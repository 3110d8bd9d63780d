// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include "core/routing/router.h"

namespace moe {

/// Common part of the parameter-free baselines of ROUTING.md §9: a subclass picks k distinct
/// experts per token and the gate scores; this class applies capacity and fill order (§1.6-1.7)
/// and uniform weights. The spec gives baselines no weights; moelab gives every choice an equal
/// share, i.e. §1.5 applied to a score of 1/k per choice: w = weight_scale / k for
/// weight_norm none | topk, and weight_scale / (number of kept choices) for kept.
/// All choices of a baseline score the same, so fill priority `score` visits tokens in token
/// order (its tie rule). No parameters, no losses, nothing to learn.
class BaselineRouter : public Router {
public:
    const RoutingDecision& route(const Matrix& x, const RouteContext& ctx) final;
    BalanceLosses losses() const final { return {}; }
    void backward(const Matrix& x, const Matrix& dWeight) final;
    ParameterList parameters() final { return {}; }

protected:
    BaselineRouter(const RouterConfig& router, int nExperts);

    /// Fills choice [T, k] with k distinct experts per token and scores [T, E] with the gate
    /// distribution the choice was drawn from (reported as scores and probs, so that router
    /// entropy and mean gate score mean something).
    virtual void choose(int nTokens, const RouteContext& ctx, IndexMatrix& choice,
                        Matrix& scores) = 0;

    const RouterConfig& config() const { return m_config; }
    int nExperts() const { return m_nExperts; }

private:
    RouterConfig m_config;
    int m_nExperts;
    RoutingDecision m_decision;
};

/// Hash layers (Roller et al. 2021, "Hash Layers For Large Sparse Models", arXiv 2106.04426): the expert is a
/// fixed function of the token id. router.hash = modulo: h = id mod E; random: h = a random
/// hash of the id, mixSeed(salt ^ id) mod E with the salt drawn once at construction, so the
/// map is fixed for the run and independent of the routing stream. The spec defines k = 1; for
/// k > 1 the j-th choice is (h + j) mod E. Scores are uniform, 1/E. Needs RouteContext::tokenId.
class HashRouter final : public BaselineRouter {
public:
    /// The random-hash salt comes from rng.
    HashRouter(const RouterConfig& router, int nExperts, Rng& rng);

    /// First-choice expert h of a token id (>= 0).
    int expertOf(int32_t tokenId) const;

private:
    void choose(int nTokens, const RouteContext& ctx, IndexMatrix& choice, Matrix& scores) override;

    uint64_t m_salt;
};

/// Random routing: k distinct experts uniform at random, independently per token, drawn from
/// RouteContext::rng (partial Fisher-Yates). Scores are uniform, 1/E.
class RandomRouter final : public BaselineRouter {
public:
    RandomRouter(const RouterConfig& router, int nExperts) : BaselineRouter(router, nExperts) {}

private:
    void choose(int nTokens, const RouteContext& ctx, IndexMatrix& choice, Matrix& scores) override;
};

/// Random Routed Experts (PanGu-Sigma, Ren et al. 2023, arXiv 2303.10845): the experts split into
/// router.groups equal contiguous groups; a token's domain picks group (domain mod groups), then
/// k distinct experts are drawn uniformly within the group from RouteContext::rng. Scores are
/// 1/(E / groups) inside the token's group, 0 outside. Needs RouteContext::domain and
/// k <= E / groups.
class RreRouter final : public BaselineRouter {
public:
    RreRouter(const RouterConfig& router, int nExperts);

private:
    void choose(int nTokens, const RouteContext& ctx, IndexMatrix& choice, Matrix& scores) override;
};

}  // namespace moe
