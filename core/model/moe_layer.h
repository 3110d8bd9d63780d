// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <vector>

#include "core/config/scenario_config.h"
#include "core/model/expert_bank.h"
#include "core/routing/router.h"

namespace moe {

/// One MoE layer: a router and its experts. forward() routes X [T, d], dispatches the kept
/// assignments to their experts and combines y_t = sum_j w_tj f_{e_tj}(x_t) (ROUTING.md §1.8);
/// a token whose choices were all dropped gets y_t = 0.
class MoeLayer {
public:
    MoeLayer(const ScenarioConfig& config, Rng& initRng);

    /// Returns y [T, d_out]; valid until the next forward().
    const Matrix& forward(const Matrix& x, const RouteContext& ctx);

    /// Backward from dy = dLoss/dy [T, d_out] of the last forward(): adds to the gradients of the
    /// router (task loss through the weights, plus its balancing losses) and of the experts.
    void backward(const Matrix& x, const Matrix& dy);

    ParameterList parameters();
    Router& router() { return *m_router; }
    const RoutingDecision& decision() const { return *m_decision; }
    int outWidth() const { return m_experts.outWidth(); }

private:
    std::unique_ptr<Router> m_router;
    ExpertBank m_experts;
    const RoutingDecision* m_decision = nullptr;

    // Dispatch of the last forward: rows of each expert, and where each kept choice landed.
    std::vector<std::vector<int32_t>> m_expertTokens;  ///< [E][n_e] token of each row
    IndexMatrix m_rowOf;                                ///< [T, k] row in its expert, -1 if not kept
    std::vector<Matrix> m_expertIn;                     ///< [E] x rows [n_e, d]
    std::vector<Matrix> m_expertOut;                    ///< [E] f_e rows [n_e, d_out]
    Matrix m_y;                                         ///< [T, d_out]
};

}  // namespace moe
