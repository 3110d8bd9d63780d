// SPDX-License-Identifier: MIT
#include "core/model/moe_layer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/metrics/step_metrics.h"
#include "core/model/task_loss.h"
#include "core/util/assert.h"
#include "core/util/parallel.h"

namespace moe {

MoeLayer::MoeLayer(const ScenarioConfig& config, Rng& initRng)
    : m_objective(config.loss.objective),
      m_nRouted(config.model.experts),
      m_router(makeRouter(config.router, config.loss, config.model.width,
                          config.model.experts + config.model.nullExperts, initRng,
                          config.train.lr)),
      m_experts(makeRoutedExperts(config.model, initRng)),
      m_shared(makeSharedExperts(config.model, initRng)) {}

const Matrix& MoeLayer::forward(const Matrix& x, const RouteContext& ctx) {
    const RoutingDecision& d = m_router->route(x, ctx);
    m_decision = &d;
    const int nTokens = d.nTokens;
    const int k = d.k;

    // Dispatch in token order, so each expert's rows do not depend on the fill order or threads.
    m_expertTokens.assign(static_cast<size_t>(m_nRouted), {});
    m_rowOf.setConstant(nTokens, k, -1);
    for (int t = 0; t < nTokens; ++t) {
        for (int j = 0; j < k; ++j) {
            if (!d.kept(t, j) || d.choice(t, j) >= m_nRouted) continue;  // null experts: no work
            auto& rows = m_expertTokens[static_cast<size_t>(d.choice(t, j))];
            m_rowOf(t, j) = static_cast<int32_t>(rows.size());
            rows.push_back(t);
        }
    }
    m_expertIn.resize(static_cast<size_t>(m_nRouted));
    const double copyWork = static_cast<double>(x.size()) * k;
    parallelFor(m_nRouted, copyWork, [&](int64_t e) {
        const auto& rows = m_expertTokens[static_cast<size_t>(e)];
        Matrix& in = m_expertIn[static_cast<size_t>(e)];
        in.resize(static_cast<Eigen::Index>(rows.size()), x.cols());
        for (size_t r = 0; r < rows.size(); ++r) in.row(static_cast<Eigen::Index>(r)) = x.row(rows[r]);
    });
    m_experts.forward(m_expertIn, m_expertOut);

    if (m_shared) {
        m_sharedIn.assign(static_cast<size_t>(m_shared->size()), x);
        m_shared->forward(m_sharedIn, m_sharedOut);
        m_y = m_sharedOut.front();
        for (size_t s = 1; s < m_sharedOut.size(); ++s) m_y += m_sharedOut[s];
    } else {
        m_y.setZero(nTokens, m_experts.outWidth());
    }
    // Combine per token in choice order: a fixed summation order whatever the thread count.
    const int64_t nChunks = (nTokens + kTokenChunk - 1) / kTokenChunk;
    const double combineWork = 2.0 * nTokens * k * static_cast<double>(m_y.cols());
    parallelFor(nChunks, combineWork, [&](int64_t c) {
        const int64_t end = std::min<int64_t>(nTokens, (c + 1) * kTokenChunk);
        for (auto t = static_cast<int>(c * kTokenChunk); t < end; ++t)
            for (int j = 0; j < k; ++j)
                if (m_rowOf(t, j) >= 0)
                    m_y.row(t) += d.weight(t, j) *
                                  m_expertOut[static_cast<size_t>(d.choice(t, j))].row(m_rowOf(t, j));
    });
    return m_y;
}

RowVector MoeLayer::choicePrediction(int t, int j) const {
    RowVector f = RowVector::Zero(m_y.cols());
    if (m_rowOf(t, j) >= 0) f = m_expertOut[static_cast<size_t>(m_decision->choice(t, j))].row(m_rowOf(t, j));
    for (const Matrix& s : m_sharedOut) f += s.row(t);
    return f;
}

MoeLayer::Competitive MoeLayer::competitive(const Matrix& target) const {
    // -log sum_j g_j exp(-err_j), err_j = ||target - f_j||^2 / d_out: the spec's
    // 0.5 ||y - f_j||^2 on the same per-dimension scale as the cooperative MSE
    // (core/model/task_loss.h).
    // A token with nothing kept is scored on the shared experts' output alone.
    const RoutingDecision& d = *m_decision;
    const auto dOut = static_cast<double>(m_y.cols());
    Competitive c{Matrix::Zero(d.nTokens, d.k), Vector(d.nTokens)};
    std::vector<double> logTerm(static_cast<size_t>(d.k));
    for (int t = 0; t < d.nTokens; ++t) {
        double best = -std::numeric_limits<double>::infinity();
        for (int j = 0; j < d.k; ++j) {
            logTerm[static_cast<size_t>(j)] = -std::numeric_limits<double>::infinity();
            if (!d.kept(t, j) || !(d.weight(t, j) > 0)) continue;
            const double err = (target.row(t) - choicePrediction(t, j)).cast<double>().squaredNorm() / dOut;
            logTerm[static_cast<size_t>(j)] = std::log(static_cast<double>(d.weight(t, j))) - err;
            best = std::max(best, logTerm[static_cast<size_t>(j)]);
        }
        if (!std::isfinite(best)) {
            c.loss(t) = static_cast<Scalar>((target.row(t) - m_y.row(t)).cast<double>().squaredNorm() / dOut);
            continue;
        }
        double sum = 0;
        for (int j = 0; j < d.k; ++j) sum += std::exp(logTerm[static_cast<size_t>(j)] - best);
        c.loss(t) = static_cast<Scalar>(-(best + std::log(sum)));
        for (int j = 0; j < d.k; ++j)
            c.posterior(t, j) = static_cast<Scalar>(std::exp(logTerm[static_cast<size_t>(j)] - best) / sum);
    }
    return c;
}

double MoeLayer::taskLoss(const Matrix& target) const {
    if (m_objective == Objective::Competitive)
        return competitive(target).loss.cast<double>().mean();
    return cooperativeLoss(m_y, target);
}

double MoeLayer::backward(const Matrix& x, const Matrix& target) {
    const RoutingDecision& d = *m_decision;
    const int nTokens = d.nTokens;
    const int k = d.k;
    MOELAB_ASSERT(target.rows() == nTokens && target.cols() == m_y.cols(), "target shape");

    Matrix dWeight = Matrix::Zero(nTokens, k);
    std::vector<Matrix> dOut(static_cast<size_t>(m_nRouted));
    for (size_t e = 0; e < dOut.size(); ++e)
        dOut[e].resize(static_cast<Eigen::Index>(m_expertTokens[e].size()), m_y.cols());
    Matrix dShared = Matrix::Zero(nTokens, m_y.cols());
    double loss = 0;

    if (m_objective == Objective::Cooperative) {
        // dLoss/dy for the MSE; then dLoss/dw_tj = <dy_t, f_e(x_t)> and dLoss/df_e = w_tj dy_t.
        const Matrix dy = cooperativeLossGradient(m_y, target);
        loss = cooperativeLoss(m_y, target);
        for (int t = 0; t < nTokens; ++t) {
            for (int j = 0; j < k; ++j) {
                const int row = m_rowOf(t, j);
                if (row < 0) continue;
                const auto e = static_cast<size_t>(d.choice(t, j));
                dWeight(t, j) = dy.row(t).dot(m_expertOut[e].row(row));
                dOut[e].row(row) = d.weight(t, j) * dy.row(t);
            }
        }
        dShared = dy;
    } else {
        // L_t = -log Z_t, Z_t = sum_j g_j exp(-err_j): dL/dg_j = -h_j / g_j,
        // dL/df_j = h_j * 2 (f_j - target) / d_out, with posterior h_j; mean over tokens.
        const Competitive c = competitive(target);
        loss = c.loss.cast<double>().mean();
        const auto scale = static_cast<Scalar>(1.0 / nTokens);
        const auto errScale = static_cast<Scalar>(2.0 / static_cast<double>(m_y.cols()));
        for (int t = 0; t < nTokens; ++t) {
            bool anyTerm = false;
            for (int j = 0; j < k; ++j) {
                const Scalar h = c.posterior(t, j);
                if (!(h > 0)) continue;
                anyTerm = true;
                dWeight(t, j) = -scale * h / d.weight(t, j);
                const RowVector dF = scale * h * errScale * (choicePrediction(t, j) - target.row(t));
                if (m_rowOf(t, j) >= 0) dOut[static_cast<size_t>(d.choice(t, j))].row(m_rowOf(t, j)) = dF;
                dShared.row(t) += dF;
            }
            if (!anyTerm) dShared.row(t) = scale * errScale * (m_y.row(t) - target.row(t));
        }
    }
    m_experts.backward(m_expertIn, dOut);
    if (m_shared) {
        std::vector<Matrix> dSharedOut(static_cast<size_t>(m_shared->size()), dShared);
        m_shared->backward(m_sharedIn, dSharedOut);
    }
    m_router->backward(x, dWeight);
    return loss;
}

void MoeLayer::addExperts(int n, ColumnInit init, Rng& rng) {
    MOELAB_ASSERT(m_decision == nullptr || m_nRouted == m_decision->nExperts,
                  "experts cannot be added next to null experts");
    m_router->addExperts(n, init, rng);
    m_experts.addExperts(n, rng);
    m_nRouted += n;
}

void MoeLayer::setExpertStates(const ExpertStates& states) {
    MOELAB_ASSERT(static_cast<int>(states.size()) == m_nRouted, "one state per routed expert");
    m_router->setExpertStates(states);
    for (int e = 0; e < m_nRouted; ++e)
        m_experts.setFrozen(e, states[static_cast<size_t>(e)] != ExpertState::Live);
}

StepStats MoeLayer::routingStats(const std::vector<int32_t>& domain) const {
    return routingMetrics(*m_decision, domain, m_decision->nExperts - m_nRouted);
}

ParameterList MoeLayer::parameters() {
    ParameterList list = m_router->parameters();
    for (Parameter* p : m_experts.parameters()) list.push_back(p);
    if (m_shared)
        for (Parameter* p : m_shared->parameters()) list.push_back(p);
    return list;
}

}  // namespace moe
