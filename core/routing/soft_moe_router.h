// SPDX-License-Identifier: MIT
#pragma once

#include "core/config/scenario_config.h"
#include "core/math/types.h"
#include "core/model/parameter.h"
#include "core/routing/router.h"

namespace moe {

/// What the soft MoE router computed for one batch (ROUTING.md §4). T tokens, E experts (null
/// experts included), P slots per expert; slot column j belongs to expert j / P.
struct SoftRouting {
    int nTokens = 0;
    int nExperts = 0;
    int slots = 0;
    Matrix logits;    ///< A [T, E*P], after training noise and router.precision rounding
    Matrix dispatch;  ///< D [T, E*P] = softmax of A over tokens: each column sums to 1
    Matrix combine;   ///< Cw [T, E*P] = softmax of A over slots: each row sums to 1
    Matrix mass;      ///< [T, E] combine mass of expert e in token t: sum of Cw over e's slots
};

/// Per-expert combine mass of combine [T, E*P]: [T, E], entry (t, e) = sum over the P slots of
/// expert e of combine(t, slot). ROUTING.md §4 reports its column sums as the experts' load.
Matrix expertCombineMass(const Matrix& combine, int slots);

/// The Soft MoE router (Puigcerver et al. 2023, arXiv 2308.00951 §2 and the appendix on
/// normalization; google-research vmoe `vmoe/projects/soft_moe/router.py`, SoftRouter).
/// Parameters Phi [d, E*P] and a scalar scale s. With router.normalize (the default)
///   A = s * l2norm_rows(X) l2norm_cols(Phi),  l2norm(v) = v / sqrt(||v||^2 + 1e-6)
/// (vmoe's `normalize`, whose epsilon also keeps a zero token finite); without it A = X Phi and
/// s is not used: vmoe always normalises and introduces the scale only to restore the logits'
/// range that normalisation takes away, and in A = s X Phi it would merely duplicate Phi's norm.
/// Training noise `router.noise = gaussian` adds N(0, noise_std^2) to A (vmoe `noise_std`).
/// router.precision rounds A, then D and Cw, as the token-choice router rounds L and p; the
/// backward pass treats the rounding as the identity (straight-through).
/// Both the soft MoE layer and `moelab route` call it, so the routing math lives here only.
class SoftMoeRouter {
public:
    /// phi [d, E*P] with E*P a multiple of config.slots; scale is s.
    SoftMoeRouter(const RouterConfig& config, Matrix phi, Scalar scale);

    /// Routes X [T, d]. The result stays valid until the next call.
    const SoftRouting& route(const Matrix& x, const RouteContext& ctx);

    /// Adds to the gradients of Phi and s, given dDispatch = dLoss/dD and dCombine = dLoss/dCw
    /// [T, E*P] of the last route(); x is the batch given to it.
    void backward(const Matrix& x, const Matrix& dDispatch, const Matrix& dCombine);

    /// "router.phi" [d, E*P], and "router.scale" [1, 1] when router.normalize is on.
    ParameterList parameters();

    const SoftRouting& routing() const { return m_routing; }

private:
    RouterConfig m_config;
    Parameter m_phi;
    Parameter m_scale;
    SoftRouting m_routing;
    // Normalisation intermediates of the last route() (router.normalize only).
    Matrix m_xUnit;          ///< [T, d] l2norm_rows(X)
    Matrix m_phiUnit;        ///< [d, E*P] l2norm_cols(Phi)
    RowVector m_phiInvNorm;  ///< [E*P] 1 / sqrt(||phi_j||^2 + eps)
    Matrix m_cosine;         ///< [T, E*P] m_xUnit m_phiUnit, A before the scale and noise
};

}  // namespace moe
