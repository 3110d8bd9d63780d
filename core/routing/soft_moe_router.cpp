// SPDX-License-Identifier: MIT
#include "core/routing/soft_moe_router.h"

#include "core/math/functions.h"
#include "core/math/precision.h"
#include "core/math/products.h"
#include "core/util/assert.h"

namespace moe {
namespace {

/// vmoe `normalize`: x * rsqrt(sum(x^2) + eps).
constexpr Scalar kNormEps = static_cast<Scalar>(1e-6);

}  // namespace

Matrix expertCombineMass(const Matrix& combine, int slots) {
    MOELAB_ASSERT(slots >= 1 && combine.cols() % slots == 0, "slot count must divide the columns");
    const Eigen::Index nExperts = combine.cols() / slots;
    Matrix mass(combine.rows(), nExperts);  // [T, E]
    for (Eigen::Index e = 0; e < nExperts; ++e)
        mass.col(e) = combine.middleCols(e * slots, slots).rowwise().sum();
    return mass;
}

SoftMoeRouter::SoftMoeRouter(const RouterConfig& config, Matrix phi, Scalar scale)
    : m_config(config),
      m_phi("router.phi", std::move(phi)),
      m_scale("router.scale", Matrix::Constant(1, 1, scale)) {
    MOELAB_ASSERT(config.slots >= 1 && m_phi.value.cols() % config.slots == 0,
                  "router.slots must divide the columns of Phi");
}

const SoftRouting& SoftMoeRouter::route(const Matrix& x, const RouteContext& ctx) {
    MOELAB_ASSERT(x.cols() == m_phi.value.rows(), "token width differs from Phi's rows");
    SoftRouting& r = m_routing;
    r.nTokens = static_cast<int>(x.rows());
    r.slots = m_config.slots;
    r.nExperts = static_cast<int>(m_phi.value.cols()) / r.slots;

    if (m_config.normalize) {
        const Vector xInvNorm = (x.rowwise().squaredNorm().array() + kNormEps).rsqrt().matrix();
        m_xUnit = xInvNorm.asDiagonal() * x;
        m_phiInvNorm = (m_phi.value.colwise().squaredNorm().array() + kNormEps).rsqrt().matrix();
        m_phiUnit = m_phi.value * m_phiInvNorm.asDiagonal();
        m_cosine = chunkedProduct(m_xUnit, m_phiUnit);
        r.logits = m_scale.value(0, 0) * m_cosine;
    } else {
        r.logits = chunkedProduct(x, m_phi.value);
    }
    if (ctx.training && m_config.noise == NoiseKind::Gaussian) {
        MOELAB_ASSERT(ctx.rng, "logit noise needs a random stream");
        for (Eigen::Index i = 0; i < r.logits.size(); ++i)
            r.logits.data()[i] += static_cast<Scalar>(m_config.noiseStd * ctx.rng->normal());
    }
    roundInPlace(r.logits, m_config.precision);
    r.dispatch = softmaxCols(r.logits);
    roundInPlace(r.dispatch, m_config.precision);
    r.combine = softmaxRows(r.logits);
    roundInPlace(r.combine, m_config.precision);
    r.mass = expertCombineMass(r.combine, r.slots);
    return r;
}

void SoftMoeRouter::backward(const Matrix& x, const Matrix& dDispatch, const Matrix& dCombine) {
    const SoftRouting& r = m_routing;
    MOELAB_ASSERT(dDispatch.rows() == r.nTokens && dDispatch.cols() == r.logits.cols() &&
                      dCombine.rows() == r.nTokens && dCombine.cols() == r.logits.cols(),
                  "routing gradient shape");
    // Softmax Jacobians: over tokens for D (per column), over slots for Cw (per row).
    // The sums are materialised: inside a diagonal product Eigen would re-reduce them per entry.
    const Matrix dd = r.dispatch.cwiseProduct(dDispatch);   // [T, E*P]
    const Matrix cc = r.combine.cwiseProduct(dCombine);     // [T, E*P]
    const RowVector ddSum = dd.colwise().sum();             // [E*P]
    const Vector ccSum = cc.rowwise().sum();                // [T]
    Matrix dLogits = dd - r.dispatch * ddSum.asDiagonal();  // [T, E*P]
    dLogits += cc - ccSum.asDiagonal() * r.combine;

    if (!m_config.normalize) {
        addTransposedProduct(x, dLogits, m_phi.grad);
        return;
    }
    const Scalar s = m_scale.value(0, 0);
    m_scale.grad(0, 0) += dLogits.cwiseProduct(m_cosine).sum();
    // A = s Xu Phiu: dPhiu = s Xu^T dA; through phiu_j = phi_j c_j, c_j = (||phi_j||^2 + eps)^-1/2:
    // dphi_j = c_j (dphiu_j - phiu_j <phiu_j, dphiu_j>) (the eps only enters through c_j).
    Matrix dPhiUnit = Matrix::Zero(m_phiUnit.rows(), m_phiUnit.cols());  // [d, E*P]
    addTransposedProduct(m_xUnit, s * dLogits, dPhiUnit);
    const RowVector radial = m_phiUnit.cwiseProduct(dPhiUnit).colwise().sum();  // [E*P]
    m_phi.grad += (dPhiUnit - m_phiUnit * radial.asDiagonal()) * m_phiInvNorm.asDiagonal();
}

ParameterList SoftMoeRouter::parameters() {
    if (m_config.normalize) return {&m_phi, &m_scale};
    return {&m_phi};
}

}  // namespace moe
