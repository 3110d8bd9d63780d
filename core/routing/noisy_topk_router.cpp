// SPDX-License-Identifier: MIT
#include "core/routing/noisy_topk_router.h"

#include <cmath>

#include "core/math/functions.h"
#include "core/math/precision.h"
#include "core/math/products.h"
#include "core/routing/balancing.h"
#include "core/routing/selection.h"
#include "core/util/assert.h"

namespace moe {

NoisyTopKRouter::NoisyTopKRouter(const RouterConfig& router, const LossConfig& loss, Matrix wGate,
                                 Matrix wNoise)
    : m_config(router),
      m_lossConfig(loss),
      m_gate("router.w", std::move(wGate)),
      m_noise("router.w_noise", std::move(wNoise)) {}

const RoutingDecision& NoisyTopKRouter::route(const Matrix& x, const RouteContext& ctx) {
    m_training = ctx.training;
    m_clean = chunkedProduct(x, m_gate.value);
    if (m_training) {
        MOELAB_ASSERT(ctx.rng, "noisy top-k needs a random stream in training");
        m_noiseRaw = chunkedProduct(x, m_noise.value);
        m_noiseStd = m_noiseRaw.unaryExpr([](Scalar u) {
            return softplus(u) + static_cast<Scalar>(kNoiseEpsilon);
        });
        m_normal.resize(m_clean.rows(), m_clean.cols());
        for (Eigen::Index i = 0; i < m_normal.size(); ++i)
            m_normal.data()[i] = static_cast<Scalar>(ctx.rng->normal());
        m_h = m_clean + (m_normal.array() * m_noiseStd.array()).matrix();
    } else {
        m_h = m_clean;
    }
    routeFromH();
    return m_decision;
}

const RoutingDecision& NoisyTopKRouter::routeLogits(const Matrix& logits, const RouteContext& ctx) {
    // Without x there is no x W_noise to scale the noise with: logits are routed as at evaluation.
    MOELAB_ASSERT(!ctx.training, "noisy top-k routes logits in evaluation mode only");
    MOELAB_ASSERT(logits.cols() == m_gate.value.cols(), "logits width differs from expert count");
    m_training = false;
    m_clean = logits;
    m_h = m_clean;
    routeFromH();
    return m_decision;
}

void NoisyTopKRouter::routeFromH() {
    const auto nTokens = static_cast<int>(m_h.rows());
    const auto nExperts = static_cast<int>(m_h.cols());
    const int k = m_config.k;
    roundInPlace(m_h, m_config.precision);

    // Order k + 1 experts when possible: the (k+1)-th is the load loss's threshold (eq. 9).
    const int ranked = std::min(k + 1, nExperts);
    m_order = selectTopK(m_h, ranked);
    RoutingDecision& d = m_decision;
    d.nTokens = nTokens;
    d.nExperts = nExperts;
    d.k = k;
    d.choice = m_order.leftCols(k);

    // G = softmax over the k kept entries of H (KeepTopK sets the rest to -inf, eq. 5).
    m_gateTopK.resize(nTokens, k);
    d.scores.setZero(nTokens, nExperts);
    for (int t = 0; t < nTokens; ++t) {
        Scalar top = m_h(t, d.choice(t, 0));
        Scalar sum = 0;
        for (int j = 0; j < k; ++j) {
            m_gateTopK(t, j) = std::exp(m_h(t, d.choice(t, j)) - top);
            sum += m_gateTopK(t, j);
        }
        m_gateTopK.row(t) /= sum;
    }
    roundInPlace(m_gateTopK, m_config.precision);
    for (int t = 0; t < nTokens; ++t)
        for (int j = 0; j < k; ++j) d.scores(t, d.choice(t, j)) = m_gateTopK(t, j);
    d.probs = softmaxRows(m_h);
    roundInPlace(d.probs, m_config.precision);

    d.capacity = tokenChoiceCapacity(m_config.effectiveCapacityFactor(), k, nTokens, nExperts,
                                     m_config.minCapacity);
    d.kept = fillCapacity(d.choice, m_gateTopK, d.capacity, nExperts, m_config.priority);
    d.weight = m_gateTopK.cwiseProduct(d.kept.cast<Scalar>());

    m_losses = {};
    m_losses.aux = switchAuxLoss(d.probs, d.choice, m_lossConfig.auxFirstChoice, 0, nullptr);
    m_losses.z = routerZLoss(m_h, 0, nullptr);
    m_importance.assign(static_cast<size_t>(nExperts), 0.0);
    for (int t = 0; t < nTokens; ++t)
        for (int j = 0; j < k; ++j)
            m_importance[static_cast<size_t>(d.choice(t, j))] += m_gateTopK(t, j);
    m_losses.importance = cvSquared(m_importance, nullptr);
    m_load.clear();
    if (m_training) {
        m_load = computeLoad();
        m_losses.load = cvSquared(m_load, nullptr);
    }
}

std::vector<double> NoisyTopKRouter::computeLoad() const {
    const auto nTokens = static_cast<int>(m_h.rows());
    const auto nExperts = static_cast<int>(m_h.cols());
    const int k = m_config.k;
    std::vector<double> load(static_cast<size_t>(nExperts), 0.0);
    for (int t = 0; t < nTokens; ++t) {
        for (int i = 0; i < nExperts; ++i) {
            if (k >= nExperts) {  // every expert is always in the top k: P = 1
                load[static_cast<size_t>(i)] += 1.0;
                continue;
            }
            // kth_excluding(H, k, i): the (k+1)-th largest if i is in the top k, else the k-th.
            const bool inTopK = (m_order.row(t).head(k).array() == i).any();
            const double threshold = m_h(t, m_order(t, inTopK ? k : k - 1));
            const double z = (m_clean(t, i) - threshold) / m_noiseStd(t, i);
            load[static_cast<size_t>(i)] += normalCdf(static_cast<Scalar>(z));
        }
    }
    return load;
}

void NoisyTopKRouter::backward(const Matrix& x, const Matrix& dWeight) {
    const RoutingDecision& d = m_decision;
    const int nTokens = d.nTokens;
    const int nExperts = d.nExperts;
    const int k = d.k;

    // dG for the k selected of each token: task gradient where kept, plus importance loss.
    Matrix dGate = dWeight.cwiseProduct(d.kept.cast<Scalar>());
    if (!isExactlyZero(m_lossConfig.importance)) {
        std::vector<double> grad;
        cvSquared(m_importance, &grad);
        for (int t = 0; t < nTokens; ++t)
            for (int j = 0; j < k; ++j)
                dGate(t, j) += static_cast<Scalar>(m_lossConfig.importance *
                                                   grad[static_cast<size_t>(d.choice(t, j))]);
    }
    // Through the softmax over the k kept entries of H.
    Matrix dH = Matrix::Zero(nTokens, nExperts);
    for (int t = 0; t < nTokens; ++t) {
        const Scalar inner = m_gateTopK.row(t).dot(dGate.row(t));
        for (int j = 0; j < k; ++j)
            dH(t, d.choice(t, j)) += m_gateTopK(t, j) * (dGate(t, j) - inner);
    }
    if (!isExactlyZero(m_lossConfig.aux)) {
        Matrix dProbs = Matrix::Zero(nTokens, nExperts);
        switchAuxLoss(d.probs, d.choice, m_lossConfig.auxFirstChoice, m_lossConfig.aux, &dProbs);
        addSoftmaxBackward(d.probs, dProbs, dH);
    }
    if (!isExactlyZero(m_lossConfig.z)) routerZLoss(m_h, m_lossConfig.z, &dH);

    Matrix dClean = dH;
    if (m_training) {
        Matrix dStd = dH.cwiseProduct(m_normal);  // H = clean + n * std
        if (!isExactlyZero(m_lossConfig.load) && k < nExperts) {
            std::vector<double> grad;
            cvSquared(m_load, &grad);
            for (int t = 0; t < nTokens; ++t) {
                for (int i = 0; i < nExperts; ++i) {
                    const bool inTopK = (m_order.row(t).head(k).array() == i).any();
                    const int thresholdExpert = m_order(t, inTopK ? k : k - 1);
                    const Scalar std = m_noiseStd(t, i);
                    const Scalar z = (m_clean(t, i) - m_h(t, thresholdExpert)) / std;
                    // dP = coef * dCV^2/dLoad_i * phi(z) dz; z = (clean_i - H_m) / std_i.
                    const auto dz = static_cast<Scalar>(
                        m_lossConfig.load * grad[static_cast<size_t>(i)] * normalPdf(z));
                    dClean(t, i) += dz / std;
                    const Scalar dThreshold = -dz / std;
                    dStd(t, i) -= dz * z / std;
                    // The threshold is H of another expert: it flows through clean and noise.
                    dClean(t, thresholdExpert) += dThreshold;
                    dStd(t, thresholdExpert) += dThreshold * m_normal(t, thresholdExpert);
                }
            }
        }
        // std = softplus(u) + eps, u = x W_noise; softplus'(u) = sigmoid(u).
        const Matrix dRaw = dStd.cwiseProduct(sigmoid(m_noiseRaw));
        addTransposedProduct(x, dRaw, m_noise.grad);
    }
    addTransposedProduct(x, dClean, m_gate.grad);
}

}  // namespace moe
