// SPDX-License-Identifier: MIT
#pragma once

#include "core/model/expert_bank.h"
#include "core/model/layer.h"
#include "core/routing/soft_moe_router.h"

#include <optional>
#include <vector>

namespace moe {

/// A Soft MoE layer (Puigcerver et al. 2023, arXiv 2308.00951 §2; ROUTING.md §4 and §7).
/// E = model.experts routed experts plus N = model.null_experts null experts, P = router.slots
/// slots each. forward() routes X [T, d] with SoftMoeRouter, forms the slot inputs
/// X~ = D^T X [E*P, d] from the original X, runs expert e on its P slot rows as one block,
/// Y~_slot = f_{slot / P}(X~_slot), and combines Y = Cw Y~ [T, d_out] plus the shared experts'
/// output on every token with weight 1. Null experts are the last N experts of Phi: their slots
/// take part in both softmaxes, output 0 and cost nothing.
/// The task loss is the cooperative MSE only: the competitive objective (Jacobs et al. 1991)
/// scores each expert's own prediction for a token, and a soft MoE token has none (every slot
/// output mixes all tokens), so the constructor refuses it. Soft MoE has no balancing loss
/// (vmoe reports auxiliary_loss = 0 and uses no z-loss): losses() is all 0 and the loss.*
/// coefficients do not apply.
class SoftMoeLayer final : public Layer {
public:
    /// Phi starts N(0, 1/d) (vmoe's lecun_normal, untruncated) and s at 1.
    /// Throws std::invalid_argument for loss.objective = competitive.
    SoftMoeLayer(const ScenarioConfig& config, Rng& initRng);

    const Matrix& forward(const Matrix& x, const RouteContext& ctx) override;
    double taskLoss(const Matrix& target) const override;
    double backward(const Matrix& x, const Matrix& target) override;
    BalanceLosses losses() const override { return {}; }
    StepStats routingStats(const std::vector<int32_t>& domain) const override;
    ParameterList parameters() override;
    int outWidth() const override { return m_experts.outWidth(); }

    const SoftRouting& routing() const { return m_router.routing(); }

private:
    int m_nRouted;  ///< experts with parameters; Phi's slots beyond m_nRouted * P are null experts'
    int m_nNull;
    int m_slots;
    SoftMoeRouter m_router;
    ExpertBank m_experts;
    std::optional<ExpertBank> m_shared;

    std::vector<Matrix> m_expertIn;   ///< [E] X~ rows of expert e's slots [P, d]
    std::vector<Matrix> m_expertOut;  ///< [E] Y~ rows of expert e's slots [P, d_out]
    Matrix m_slotOut;                 ///< [E*P, d_out] Y~ of the routed experts' slots
    std::vector<Matrix> m_sharedIn;   ///< [S] X for every shared expert
    std::vector<Matrix> m_sharedOut;  ///< [S] f_s(X) [T, d_out]
    Matrix m_y;                       ///< [T, d_out]
};

}  // namespace moe
