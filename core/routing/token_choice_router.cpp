// SPDX-License-Identifier: MIT
#include "core/routing/token_choice_router.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/math/functions.h"
#include "core/math/random_matrix.h"
#include "core/math/precision.h"
#include "core/routing/balancing.h"
#include "core/routing/combine_weights.h"
#include "core/routing/router_logits.h"
#include "core/routing/selection.h"
#include "core/util/assert.h"

namespace moe {
namespace {

Scalar sign(Scalar x) { return static_cast<Scalar>((x > 0) - (x < 0)); }

}  // namespace

TokenChoiceRouter::TokenChoiceRouter(const RouterConfig& router, const LossConfig& loss, Matrix w)
    : m_config(router), m_lossConfig(loss), m_weight("router.w", std::move(w)) {
    m_bias = Vector::Zero(m_weight.value.cols());
    m_nRoutable = static_cast<int>(m_weight.value.cols());
}

Matrix TokenChoiceRouter::initialWeight(int width, int nExperts, Rng& rng) {
    return normalMatrix(width, nExperts, std::sqrt(0.1 / width), rng);
}

void TokenChoiceRouter::addExperts(int n, ColumnInit init, Rng& rng) {
    const Eigen::Index width = m_weight.value.rows();
    const Eigen::Index old = m_weight.value.cols();
    Matrix columns = Matrix::Zero(width, n);  // [d, n]
    if (init == ColumnInit::Default) {
        columns = initialWeight(static_cast<int>(width), n, rng);
    } else if (init == ColumnInit::CopyMean) {
        Vector mean = Vector::Zero(width);
        int count = 0;
        for (Eigen::Index e = 0; e < old; ++e) {
            if (removed(e)) continue;
            mean += m_weight.value.col(e);
            ++count;
        }
        columns.colwise() = mean / static_cast<Scalar>(std::max(count, 1));
    }
    Matrix grown(width, old + n);
    grown << m_weight.value, columns;
    m_weight.value = std::move(grown);
    m_weight.grad = Matrix::Zero(width, old + n);
    m_bias.conservativeResize(old + n);
    m_bias.tail(n).setZero();
    ExpertStates states = m_states.empty() ? ExpertStates(static_cast<size_t>(old), ExpertState::Live)
                                           : m_states;
    states.resize(static_cast<size_t>(old + n), ExpertState::Live);
    setExpertStates(states);
}

void TokenChoiceRouter::setExpertStates(const ExpertStates& states) {
    MOELAB_ASSERT(static_cast<Eigen::Index>(states.size()) == m_weight.value.cols(),
                  "one state per expert");
    m_states = states;
    m_nRoutable = 0;
    bool anyFrozen = false;
    std::vector<bool> frozen(states.size());
    for (size_t e = 0; e < states.size(); ++e) {
        frozen[e] = !(states[e] == ExpertState::Live);
        anyFrozen = anyFrozen || frozen[e];
        if (routable(states[e])) ++m_nRoutable;
    }
    // Empty when nothing is frozen keeps the optimiser on its whole-matrix path.
    m_weight.frozenColumns = anyFrozen ? std::move(frozen) : std::vector<bool>();
}

const RoutingDecision& TokenChoiceRouter::route(const Matrix& x, const RouteContext& ctx) {
    routerLogits(x, m_weight.value, m_config, ctx, m_jitter, m_logits);
    // Removed experts: logit -inf, so p = 0 (and sigmoid s = 0), after the noise draws, so the
    // random stream advances as it would without the event.
    for (Eigen::Index e = 0; e < m_logits.cols(); ++e)
        if (removed(e)) m_logits.col(e).setConstant(-std::numeric_limits<Scalar>::infinity());
    routeFromLogits(ctx);
    return m_decision;
}

const RoutingDecision& TokenChoiceRouter::routeLogits(const Matrix& logits,
                                                      const RouteContext& ctx) {
    MOELAB_ASSERT(logits.cols() == m_bias.size(), "logits width differs from expert count");
    m_jitter.resize(0, 0);
    m_logits = logits;
    roundInPlace(m_logits, m_config.precision);
    routeFromLogits(ctx);
    return m_decision;
}

void TokenChoiceRouter::routeFromLogits(const RouteContext& ctx) {
    const auto nTokens = static_cast<int>(m_logits.rows());
    const auto nExperts = static_cast<int>(m_logits.cols());
    const int k = m_config.k;
    RoutingDecision& d = m_decision;
    d.nTokens = nTokens;
    d.nExperts = nExperts;
    d.k = k;

    // §1.1 scores s (unbiased) and p = softmax(L) for the losses and router entropy.
    d.probs = softmaxRows(m_logits);
    roundInPlace(d.probs, m_config.precision);
    if (m_config.scores == ScoreFunc::Softmax) {
        d.scores = d.probs;
    } else {
        d.scores = sigmoid(m_logits);
        roundInPlace(d.scores, m_config.precision);
    }

    // §1.3 selection on s + b; the weights below still come from the unbiased s.
    // Removed experts rank below every finite selection score, so they are never chosen
    // (checkEvents keeps k <= routable experts).
    const bool masked = m_nRoutable < nExperts;
    if (m_bias.isZero(0) && !masked) {
        m_selected = selectTopK(d.scores, k, m_config.groups, m_config.topkGroup);
    } else {
        Matrix biased = d.scores.rowwise() + m_bias.transpose();
        for (Eigen::Index e = 0; e < biased.cols(); ++e)
            if (removed(e)) biased.col(e).setConstant(-std::numeric_limits<Scalar>::infinity());
        m_selected = selectTopK(biased, k, m_config.groups, m_config.topkGroup);
    }
    m_selectedScore.resize(nTokens, k);
    for (int t = 0; t < nTokens; ++t)
        for (int j = 0; j < k; ++j) m_selectedScore(t, j) = d.scores(t, m_selected(t, j));

    // §1.4 GShard second-expert sampling: keep the 2nd choice only if 2 * w2 > u.
    d.choice = m_selected;
    if (k == 2 && m_config.secondExpert == SecondExpert::Sampling) {
        MOELAB_ASSERT(ctx.rng, "second-expert sampling needs a random stream");
        for (int t = 0; t < nTokens; ++t) {
            const double s1 = m_selectedScore(t, 0);
            const double s2 = m_selectedScore(t, 1);
            const double w2 = s2 / std::max(s1 + s2, static_cast<double>(kWeightSumFloor));
            const double u = ctx.rng->uniform();
            if (!(2.0 * w2 > u)) d.choice(t, 1) = -1;
        }
    }

    // §1.6-1.7 capacity and fill order.
    d.capacity = tokenChoiceCapacity(m_config.effectiveCapacityFactor(), k, nTokens, m_nRoutable,
                                     m_config.minCapacity);
    d.kept = fillCapacity(d.choice, m_selectedScore, d.capacity, nExperts, m_config.priority);

    // §1.5 weights from the unbiased s.
    d.weight = combineWeights(m_selectedScore, d.kept, m_config.effectiveWeightNorm(),
                              m_config.weightScale);

    // §5 losses (values always, for the trace).
    m_seqLen = ctx.seqLen > 0 ? ctx.seqLen : nTokens;
    m_losses = {};
    // Both balancing losses are linear in their factor E, which counts routable experts only:
    // removed experts have f_i = P_i = 0, so the sums already run over the others.
    const double liveScale = routableScale();
    m_losses.aux =
        liveScale * switchAuxLoss(d.probs, m_selected, m_lossConfig.auxFirstChoice, 0, nullptr);
    m_losses.z = routerZLoss(m_logits, 0, nullptr);
    if (nTokens % m_seqLen == 0)
        m_losses.seqAux = liveScale * sequenceAuxLoss(d.scores, m_selected, m_seqLen, 0, nullptr);
}

void TokenChoiceRouter::backward(const Matrix& x, const Matrix& dWeight) {
    const RoutingDecision& d = m_decision;
    const int nTokens = d.nTokens;
    const int k = d.k;
    const WeightNorm norm = m_config.effectiveWeightNorm();
    const auto scale = static_cast<Scalar>(m_config.weightScale);

    // Through w_j = scale * s_j / D, D = max(sum over the normalising set of s, eps).
    Matrix dScores = Matrix::Zero(nTokens, d.nExperts);
    for (int t = 0; t < nTokens; ++t) {
        Scalar rawSum = 1;
        if (norm == WeightNorm::TopK) {
            rawSum = m_selectedScore.row(t).sum();
        } else if (norm == WeightNorm::Kept) {
            rawSum = 0;
            for (int j = 0; j < k; ++j)
                if (d.kept(t, j)) rawSum += m_selectedScore(t, j);
        }
        const Scalar denom = norm == WeightNorm::None ? Scalar(1) : std::max(rawSum, kWeightSumFloor);
        Scalar dDenom = 0;
        for (int j = 0; j < k; ++j) {
            if (!d.kept(t, j)) continue;
            const Scalar dw = dWeight(t, j);
            dScores(t, m_selected(t, j)) += scale * dw / denom;
            dDenom -= dw * scale * m_selectedScore(t, j) / (denom * denom);
        }
        // The clamp makes D constant below eps; above it D depends on its members.
        if (norm == WeightNorm::None || rawSum <= kWeightSumFloor) continue;
        for (int j = 0; j < k; ++j)
            if (norm == WeightNorm::TopK || d.kept(t, j)) dScores(t, m_selected(t, j)) += dDenom;
    }
    if (!isExactlyZero(m_lossConfig.seqAux))
        sequenceAuxLoss(d.scores, m_selected, m_seqLen, routableScale() * m_lossConfig.seqAux,
                        &dScores);

    Matrix dLogits = Matrix::Zero(nTokens, d.nExperts);
    if (m_config.scores == ScoreFunc::Softmax)
        addSoftmaxBackward(d.scores, dScores, dLogits);
    else
        addSigmoidBackward(d.scores, dScores, dLogits);
    if (!isExactlyZero(m_lossConfig.aux)) {
        Matrix dProbs = Matrix::Zero(nTokens, d.nExperts);
        switchAuxLoss(d.probs, m_selected, m_lossConfig.auxFirstChoice,
                      routableScale() * m_lossConfig.aux, &dProbs);
        addSoftmaxBackward(d.probs, dProbs, dLogits);
    }
    if (!isExactlyZero(m_lossConfig.z)) routerZLoss(m_logits, m_lossConfig.z, &dLogits);

    addRouterWeightGradient(x, m_jitter, dLogits, m_weight.grad);
}

void TokenChoiceRouter::afterStep() {
    if (m_config.balance != Balance::AuxFree) return;
    // §6: b_i += gamma * sign(mean_j n_j - n_i), n_i = selections of expert i before capacity.
    // The mean runs over the routable experts; frozen and removed experts keep their bias.
    Vector count = Vector::Zero(m_bias.size());
    for (Eigen::Index i = 0; i < m_selected.size(); ++i) count(m_selected.data()[i]) += 1;
    const Scalar mean = count.sum() / static_cast<Scalar>(m_nRoutable);
    const auto gamma = static_cast<Scalar>(m_config.biasRate);
    for (Eigen::Index e = 0; e < m_bias.size(); ++e)
        if (m_states.empty() || m_states[static_cast<size_t>(e)] == ExpertState::Live)
            m_bias(e) += gamma * sign(mean - count(e));
}

}  // namespace moe
