// SPDX-License-Identifier: MIT
#include "core/model/moe_layer.h"

#include <algorithm>

#include "core/util/assert.h"
#include "core/util/parallel.h"

namespace moe {

MoeLayer::MoeLayer(const ScenarioConfig& config, Rng& initRng)
    : m_router(makeRouter(config.router, config.loss, config.model.width, config.model.experts,
                          initRng)),
      m_experts(config.model.expertKind, config.model.experts, config.model.width,
                config.model.hidden, config.model.out > 0 ? config.model.out : config.model.width,
                initRng) {}

const Matrix& MoeLayer::forward(const Matrix& x, const RouteContext& ctx) {
    const RoutingDecision& d = m_router->route(x, ctx);
    m_decision = &d;
    const int nTokens = d.nTokens;
    const int k = d.k;

    // Dispatch in token order, so each expert's rows do not depend on the fill order or threads.
    m_expertTokens.assign(static_cast<size_t>(d.nExperts), {});
    m_rowOf.setConstant(nTokens, k, -1);
    for (int t = 0; t < nTokens; ++t) {
        for (int j = 0; j < k; ++j) {
            if (!d.kept(t, j)) continue;
            auto& rows = m_expertTokens[static_cast<size_t>(d.choice(t, j))];
            m_rowOf(t, j) = static_cast<int32_t>(rows.size());
            rows.push_back(t);
        }
    }
    m_expertIn.resize(static_cast<size_t>(d.nExperts));
    const double copyWork = static_cast<double>(x.size()) * k;
    parallelFor(d.nExperts, copyWork, [&](int64_t e) {
        const auto& rows = m_expertTokens[static_cast<size_t>(e)];
        Matrix& in = m_expertIn[static_cast<size_t>(e)];
        in.resize(static_cast<Eigen::Index>(rows.size()), x.cols());
        for (size_t r = 0; r < rows.size(); ++r) in.row(static_cast<Eigen::Index>(r)) = x.row(rows[r]);
    });
    m_experts.forward(m_expertIn, m_expertOut);

    // Combine per token in choice order: a fixed summation order whatever the thread count.
    m_y.setZero(nTokens, m_experts.outWidth());
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

void MoeLayer::backward(const Matrix& x, const Matrix& dy) {
    const RoutingDecision& d = *m_decision;
    const int nTokens = d.nTokens;
    const int k = d.k;
    MOELAB_ASSERT(dy.rows() == nTokens, "dy must match the last forward");

    // dLoss/dw_tj = <dy_t, f_e(x_t)>; dLoss/df_e(x_t) = w_tj dy_t.
    Matrix dWeight = Matrix::Zero(nTokens, k);
    std::vector<Matrix> dOut(static_cast<size_t>(d.nExperts));
    for (size_t e = 0; e < dOut.size(); ++e)
        dOut[e].resize(static_cast<Eigen::Index>(m_expertTokens[e].size()), dy.cols());
    for (int t = 0; t < nTokens; ++t) {
        for (int j = 0; j < k; ++j) {
            const int row = m_rowOf(t, j);
            if (row < 0) continue;
            const auto e = static_cast<size_t>(d.choice(t, j));
            dWeight(t, j) = dy.row(t).dot(m_expertOut[e].row(row));
            dOut[e].row(row) = d.weight(t, j) * dy.row(t);
        }
    }
    m_experts.backward(m_expertIn, dOut);
    m_router->backward(x, dWeight);
}

ParameterList MoeLayer::parameters() {
    ParameterList list = m_router->parameters();
    for (Parameter* p : m_experts.parameters()) list.push_back(p);
    return list;
}

}  // namespace moe
