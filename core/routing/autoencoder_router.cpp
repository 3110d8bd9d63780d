// SPDX-License-Identifier: MIT
#include "core/math/random_matrix.h"
#include "core/routing/autoencoder_router.h"

#include <cmath>
#include <limits>
#include <string>

#include "core/math/functions.h"
#include "core/math/precision.h"
#include "core/routing/combine_weights.h"
#include "core/routing/selection.h"
#include "core/util/assert.h"
#include "core/util/parallel.h"

namespace moe {
namespace {

/// Residual x^ - x [n, d] of the decoder given the hidden activations z [n, h].
Matrix residual(const AutoencoderGateRouter::Autoencoder& a, const Matrix& z, const Matrix& x) {
    Matrix r = z * a.decW.value;
    r.rowwise() += a.decB.value.row(0);
    r -= x;
    return r;
}

}  // namespace

AutoencoderGateRouter::AutoencoderGateRouter(const RouterConfig& router, int width, int nExperts,
                                             double lrScale, Rng& rng)
    : m_config(router), m_lrScale(lrScale), m_nRoutable(nExperts) {
    MOELAB_ASSERT(width >= 1 && nExperts >= 1 && router.aeHidden >= 1, "bad autoencoder sizes");
    MOELAB_ASSERT(lrScale > 0, "the autoencoder learning-rate scale must be positive");
    m_autoencoders.reserve(static_cast<size_t>(nExperts));
    for (int e = 0; e < nExperts; ++e) m_autoencoders.push_back(drawAutoencoder(e, width, rng));
}

AutoencoderGateRouter::Autoencoder AutoencoderGateRouter::drawAutoencoder(int e, int width,
                                                                          Rng& rng) const {
    const int hidden = m_config.aeHidden;
    const std::string prefix = "router.ae[" + std::to_string(e) + "].";
    Autoencoder a{
        Parameter(prefix + "enc_w", normalMatrix(width, hidden, std::sqrt(1.0 / width), rng)),
        Parameter(prefix + "enc_b", Matrix::Zero(1, hidden)),
        Parameter(prefix + "dec_w", normalMatrix(hidden, width, std::sqrt(1.0 / hidden), rng)),
        Parameter(prefix + "dec_b", Matrix::Zero(1, width))};
    for (Parameter* p : {&a.encW, &a.encB, &a.decW, &a.decB}) p->lrScale = m_lrScale;
    return a;
}

void AutoencoderGateRouter::addExperts(int n, ColumnInit init, Rng& rng) {
    // ROUTING.md §8: "a new expert (lifelong events) starts with a fresh autoencoder", so only
    // ColumnInit::Default exists here (checkEvents refuses the others).
    MOELAB_ASSERT(init == ColumnInit::Default, "a new autoencoder starts fresh");
    const auto width = static_cast<int>(m_autoencoders.front().encW.value.rows());
    const size_t old = m_autoencoders.size();
    for (int i = 0; i < n; ++i)
        m_autoencoders.push_back(drawAutoencoder(static_cast<int>(old) + i, width, rng));
    ExpertStates states = m_states.empty() ? ExpertStates(old, ExpertState::Live) : m_states;
    states.resize(m_autoencoders.size(), ExpertState::Live);
    setExpertStates(states);
}

void AutoencoderGateRouter::setExpertStates(const ExpertStates& states) {
    MOELAB_ASSERT(states.size() == m_autoencoders.size(), "one state per expert");
    m_states = states;
    m_nRoutable = 0;
    for (size_t e = 0; e < states.size(); ++e) {
        if (routable(states[e])) ++m_nRoutable;
        Autoencoder& a = m_autoencoders[e];
        for (Parameter* p : {&a.encW, &a.encB, &a.decW, &a.decB})
            p->frozen = states[e] != ExpertState::Live;
    }
}

ParameterList AutoencoderGateRouter::parameters() {
    ParameterList list;
    for (Autoencoder& a : m_autoencoders)
        for (Parameter* p : {&a.encW, &a.encB, &a.decW, &a.decB}) list.push_back(p);
    return list;
}

Matrix AutoencoderGateRouter::encode(const Autoencoder& a, const Matrix& x) const {
    Matrix z = x * a.encW.value;
    z.rowwise() += a.encB.value.row(0);
    if (m_config.aeActivation == Activation::Sigmoid)
        sigmoidInPlace(z);
    else
        z = z.cwiseMax(Scalar(0));
    return z;
}

const RoutingDecision& AutoencoderGateRouter::route(const Matrix& x, const RouteContext& ctx) {
    (void)ctx;  // deterministic: no noise, no sampling
    const auto nTokens = static_cast<int>(x.rows());
    const auto nExperts = static_cast<int>(m_autoencoders.size());
    const auto width = static_cast<Scalar>(x.cols());
    MOELAB_ASSERT(x.cols() == m_autoencoders.front().encW.value.rows(),
                  "token width differs from autoencoder width");

    // er [T, E]: every expert scores every token (the paper runs all autoencoders on a sample).
    m_errors.resize(nTokens, nExperts);
    const double work = 4.0 * nTokens * static_cast<double>(x.cols()) * m_config.aeHidden;
    parallelFor(nExperts, work * nExperts, [&](int64_t e) {
        const Autoencoder& a = m_autoencoders[static_cast<size_t>(e)];
        const Matrix r = residual(a, encode(a, x), x);
        m_errors.col(e) = r.rowwise().squaredNorm() / width;
    });

    RoutingDecision& d = m_decision;
    d.nTokens = nTokens;
    d.nExperts = nExperts;
    d.k = m_config.k;
    // p = softmax(-er / t): "logits" -er / t, rounded like a token-choice router's L and p.
    Matrix logits = m_errors / static_cast<Scalar>(-m_config.temperature);
    roundInPlace(logits, m_config.precision);
    constexpr Scalar kMinusInf = -std::numeric_limits<Scalar>::infinity();
    for (Eigen::Index e = 0; e < logits.cols(); ++e)
        if (removed(static_cast<size_t>(e))) logits.col(e).setConstant(kMinusInf);
    d.probs = softmaxRows(logits);
    roundInPlace(d.probs, m_config.precision);
    d.scores = d.probs;

    if (m_nRoutable < nExperts) {
        // Removed experts rank below every probability, even one that underflowed to 0.
        Matrix selection = d.probs;
        for (Eigen::Index e = 0; e < selection.cols(); ++e)
            if (removed(static_cast<size_t>(e))) selection.col(e).setConstant(kMinusInf);
        d.choice = selectTopK(selection, d.k, m_config.groups, m_config.topkGroup);
    } else {
        d.choice = selectTopK(d.probs, d.k, m_config.groups, m_config.topkGroup);
    }
    Matrix choiceScore(nTokens, d.k);
    for (int t = 0; t < nTokens; ++t)
        for (int j = 0; j < d.k; ++j) choiceScore(t, j) = d.probs(t, d.choice(t, j));
    d.capacity = tokenChoiceCapacity(m_config.effectiveCapacityFactor(), d.k, nTokens, m_nRoutable,
                                     m_config.minCapacity);
    d.kept = fillCapacity(d.choice, choiceScore, d.capacity, nExperts, m_config.priority);
    d.weight = combineWeights(choiceScore, d.kept, m_config.effectiveWeightNorm(),
                              m_config.weightScale);
    return d;
}

void AutoencoderGateRouter::addReconstructionGradient(int expert, const Matrix& x) {
    MOELAB_ASSERT(x.rows() >= 1, "the reconstruction loss needs at least one token");
    Autoencoder& a = m_autoencoders[static_cast<size_t>(expert)];
    const Matrix z = encode(a, x);
    // Loss = (1 / n) sum_t ||r_t||^2 / d with r = x^ - x, so dLoss/dr = 2 r / (n d).
    const double n = static_cast<double>(x.rows()) * static_cast<double>(x.cols());
    const Matrix dr = residual(a, z, x) * static_cast<Scalar>(2.0 / n);
    a.decW.grad.noalias() += z.transpose() * dr;
    a.decB.grad += dr.colwise().sum();
    Matrix da = dr * a.decW.value.transpose();  // dLoss/dz, then through the activation
    if (m_config.aeActivation == Activation::Sigmoid)
        da.array() *= z.array() * (Scalar(1) - z.array());
    else
        da.array() *= (z.array() > Scalar(0)).cast<Scalar>();
    a.encW.grad.noalias() += x.transpose() * da;
    a.encB.grad += da.colwise().sum();
}

void AutoencoderGateRouter::backward(const Matrix& x, const Matrix& dWeight) {
    (void)dWeight;  // the gate is not trained by the task loss (§8)
    const RoutingDecision& d = m_decision;
    MOELAB_ASSERT(x.rows() == d.nTokens, "backward needs the batch of the last route()");
    const auto nExperts = static_cast<int>(m_autoencoders.size());
    std::vector<std::vector<Eigen::Index>> tokensOf(static_cast<size_t>(nExperts));
    for (int t = 0; t < d.nTokens; ++t)
        for (int j = 0; j < d.k; ++j)
            if (d.kept(t, j)) tokensOf[static_cast<size_t>(d.choice(t, j))].push_back(t);

    // Each expert writes only its own autoencoder's gradients.
    const double work = 8.0 * d.nTokens * d.k * static_cast<double>(x.cols()) * m_config.aeHidden;
    parallelFor(nExperts, work, [&](int64_t e) {
        const auto& rows = tokensOf[static_cast<size_t>(e)];
        // An expert without kept tokens has an empty loss: nothing to learn this step.
        if (!rows.empty()) addReconstructionGradient(static_cast<int>(e), x(rows, Eigen::all));
    });
}

}  // namespace moe
