// SPDX-License-Identifier: MIT
#include "core/routing/expert_choice_router.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "core/math/functions.h"
#include "core/math/precision.h"
#include "core/routing/balancing.h"
#include "core/routing/router_logits.h"
#include "core/routing/selection.h"
#include "core/util/assert.h"

namespace moe {
namespace {

/// Sort key that puts NaN below every number, so the order stays a strict weak ordering.
double rankKey(Scalar v) {
    return std::isnan(v) ? -std::numeric_limits<double>::infinity() : static_cast<double>(v);
}

}  // namespace

ExpertChoiceRouter::ExpertChoiceRouter(const RouterConfig& router, const LossConfig& loss, Matrix w)
    : m_config(router), m_zCoef(loss.z), m_weight("router.w", std::move(w)) {}

const RoutingDecision& ExpertChoiceRouter::route(const Matrix& x, const RouteContext& ctx) {
    routerLogits(x, m_weight.value, m_config, ctx, m_jitter, m_logits);
    routeFromLogits();
    return m_decision;
}

const RoutingDecision& ExpertChoiceRouter::routeLogits(const Matrix& logits) {
    MOELAB_ASSERT(logits.cols() == m_weight.value.cols(), "logits width differs from expert count");
    m_jitter.resize(0, 0);
    m_logits = logits;
    roundInPlace(m_logits, m_config.precision);
    routeFromLogits();
    return m_decision;
}

void ExpertChoiceRouter::routeFromLogits() {
    const auto nTokens = static_cast<int>(m_logits.rows());
    const auto nExperts = static_cast<int>(m_logits.cols());
    RoutingDecision& d = m_decision;
    d.nTokens = nTokens;
    d.nExperts = nExperts;
    d.k = nExperts;
    d.columnPerExpert = true;

    d.probs = softmaxRows(m_logits);
    roundInPlace(d.probs, m_config.precision);
    d.scores = d.probs;

    // C = max(1, ceil(capacity_factor * T / E)) by the §1.6 rule with k = 1 and min_capacity 1.
    // capacity_factor = 0 is the dropless limit: unlimited capacity, so every expert takes every
    // token.
    d.capacity = tokenChoiceCapacity(m_config.effectiveCapacityFactor(), 1, nTokens, nExperts, 1);
    const int take = d.capacity == kUnlimitedCapacity
                         ? nTokens
                         : static_cast<int>(std::min<int64_t>(d.capacity, nTokens));

    d.choice.setConstant(nTokens, nExperts, -1);
    d.kept.setZero(nTokens, nExperts);
    d.weight.setZero(nTokens, nExperts);
    std::vector<double> key(static_cast<size_t>(nTokens));
    std::vector<int> order(static_cast<size_t>(nTokens));
    for (int e = 0; e < nExperts; ++e) {
        for (int t = 0; t < nTokens; ++t) key[static_cast<size_t>(t)] = rankKey(d.scores(t, e));
        std::iota(order.begin(), order.end(), 0);
        // Larger score first, then lower token index: a strict total order, so the set of the
        // first `take` tokens is unique and nth_element's partition finds it without sorting.
        const auto ranksBefore = [&key](int a, int b) {
            const double va = key[static_cast<size_t>(a)];
            const double vb = key[static_cast<size_t>(b)];
            return va > vb || (!(va < vb) && a < b);
        };
        if (take < nTokens)
            std::nth_element(order.begin(), order.begin() + take, order.end(), ranksBefore);
        for (int i = 0; i < take; ++i) {
            const int t = order[static_cast<size_t>(i)];
            d.choice(t, e) = e;
            d.kept(t, e) = 1;
            d.weight(t, e) = d.scores(t, e);
        }
    }

    // §5: only the z-loss applies; balance is built in (every expert takes the same count).
    m_losses = {};
    m_losses.z = routerZLoss(m_logits, 0, nullptr);
}

void ExpertChoiceRouter::backward(const Matrix& x, const Matrix& dWeight) {
    const RoutingDecision& d = m_decision;
    MOELAB_ASSERT(dWeight.rows() == d.nTokens && dWeight.cols() == d.k,
                  "dWeight must be [T, E] like the decision");
    // weight(t, e) = S[t, e] at a pick and the constant 0 elsewhere; which tokens are picked is
    // piecewise constant in L, so it carries no gradient.
    Matrix dScores = Matrix::Zero(d.nTokens, d.nExperts);
    for (int t = 0; t < d.nTokens; ++t)
        for (int e = 0; e < d.nExperts; ++e)
            if (d.kept(t, e)) dScores(t, e) = dWeight(t, e);

    Matrix dLogits = Matrix::Zero(d.nTokens, d.nExperts);
    addSoftmaxBackward(d.scores, dScores, dLogits);
    if (!isExactlyZero(m_zCoef)) routerZLoss(m_logits, m_zCoef, &dLogits);
    addRouterWeightGradient(x, m_jitter, dLogits, m_weight.grad);
}

}  // namespace moe
