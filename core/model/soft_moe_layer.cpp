// SPDX-License-Identifier: MIT
#include "core/math/random_matrix.h"
#include "core/model/soft_moe_layer.h"

#include "core/metrics/soft_moe_metrics.h"
#include "core/model/task_loss.h"

#include <cmath>
#include <stdexcept>

namespace moe {
namespace {

Matrix initialPhi(const ScenarioConfig& c, Rng& rng) {
    return fanInNormal(c.model.width, (c.model.experts + c.model.nullExperts) * c.router.slots,
                       rng);
}

const ScenarioConfig& cooperativeOnly(const ScenarioConfig& c) {
    if (c.loss.objective != Objective::Cooperative) {
        throw std::invalid_argument(
            "loss.objective = competitive is not available with router.kind = soft_moe: a soft "
            "MoE token has no per-expert prediction to score, every slot mixes all tokens");
    }
    return c;
}

}  // namespace

SoftMoeLayer::SoftMoeLayer(const ScenarioConfig& config, Rng& initRng)
    : m_nRouted(cooperativeOnly(config).model.experts),
      m_nNull(config.model.nullExperts),
      m_slots(config.router.slots),
      m_router(config.router, initialPhi(config, initRng), Scalar(1)),
      m_experts(makeRoutedExperts(config.model, initRng)),
      m_shared(makeSharedExperts(config.model, initRng)) {}

const Matrix& SoftMoeLayer::forward(const Matrix& x, const RouteContext& ctx) {
    const SoftRouting& r = m_router.route(x, ctx);
    const Eigen::Index routedSlots = static_cast<Eigen::Index>(m_nRouted) * m_slots;

    // X~ = D^T X, for the routed experts' slots only: a null expert's slots reach no expert.
    const Matrix slotIn = r.dispatch.leftCols(routedSlots).transpose() * x;  // [E*P, d]
    m_expertIn.resize(static_cast<size_t>(m_nRouted));
    for (int e = 0; e < m_nRouted; ++e)
        m_expertIn[static_cast<size_t>(e)] =
            slotIn.middleRows(static_cast<Eigen::Index>(e) * m_slots, m_slots);
    m_experts.forward(m_expertIn, m_expertOut);
    m_slotOut.resize(routedSlots, m_experts.outWidth());
    for (int e = 0; e < m_nRouted; ++e)
        m_slotOut.middleRows(static_cast<Eigen::Index>(e) * m_slots, m_slots) =
            m_expertOut[static_cast<size_t>(e)];

    // Y = Cw Y~; the null experts' slots contribute 0, so their columns are skipped.
    m_y.noalias() = r.combine.leftCols(routedSlots) * m_slotOut;  // [T, d_out]
    if (m_shared) {
        m_sharedIn.assign(static_cast<size_t>(m_shared->size()), x);
        m_shared->forward(m_sharedIn, m_sharedOut);
        for (const Matrix& out : m_sharedOut) m_y += out;
    }
    return m_y;
}

double SoftMoeLayer::taskLoss(const Matrix& target) const {
    return cooperativeLoss(m_y, target);
}

double SoftMoeLayer::backward(const Matrix& x, const Matrix& target) {
    const SoftRouting& r = m_router.routing();
    const Eigen::Index routedSlots = m_slotOut.rows();
    const Matrix dy = cooperativeLossGradient(m_y, target);  // [T, d_out]

    // Y = Cw Y~: dCw = dY Y~^T, dY~ = Cw^T dY (routed slots; null slots have no output).
    Matrix dCombine = Matrix::Zero(r.nTokens, r.combine.cols());  // [T, E*P]
    dCombine.leftCols(routedSlots).noalias() = dy * m_slotOut.transpose();
    const Matrix dSlotOut = r.combine.leftCols(routedSlots).transpose() * dy;  // [E*P, d_out]
    std::vector<Matrix> dOut(static_cast<size_t>(m_nRouted));
    for (int e = 0; e < m_nRouted; ++e)
        dOut[static_cast<size_t>(e)] =
            dSlotOut.middleRows(static_cast<Eigen::Index>(e) * m_slots, m_slots);
    std::vector<Matrix> dIn;
    m_experts.backward(m_expertIn, dOut, &dIn);

    // X~ = D^T X: dD = X dX~^T.
    Matrix dSlotIn(routedSlots, x.cols());  // [E*P, d]
    for (int e = 0; e < m_nRouted; ++e)
        dSlotIn.middleRows(static_cast<Eigen::Index>(e) * m_slots, m_slots) =
            dIn[static_cast<size_t>(e)];
    Matrix dDispatch = Matrix::Zero(r.nTokens, r.dispatch.cols());  // [T, E*P]
    dDispatch.leftCols(routedSlots).noalias() = x * dSlotIn.transpose();
    m_router.backward(x, dDispatch, dCombine);

    if (m_shared) {
        const std::vector<Matrix> dSharedOut(static_cast<size_t>(m_shared->size()), dy);
        m_shared->backward(m_sharedIn, dSharedOut);
    }
    return cooperativeLoss(m_y, target);
}

StepStats SoftMoeLayer::routingStats(const std::vector<int32_t>& domain) const {
    return softMoeMetrics(m_router.routing().mass, domain, m_nNull);
}

ParameterList SoftMoeLayer::parameters() {
    ParameterList list = m_router.parameters();
    for (Parameter* p : m_experts.parameters()) list.push_back(p);
    if (m_shared)
        for (Parameter* p : m_shared->parameters()) list.push_back(p);
    return list;
}

}  // namespace moe
