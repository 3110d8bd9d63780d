// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "core/model/expert_bank.h"
#include "core/model/layer.h"

namespace moe {

/// A sparse MoE layer: a router that assigns tokens to experts, the routed experts, optional
/// shared experts and null experts (ROUTING.md §7). forward() routes X [T, d], dispatches the
/// kept assignments and combines y_t = sum_j w_tj f_{e_tj}(x_t) + sum_s f_s(x_t) (§1.8, §7);
/// a token whose choices were all dropped gets only the shared experts' output (0 without them).
/// Null experts are the router's last `model.null_experts` columns: chosen like any expert,
/// they output 0 and cost nothing.
class MoeLayer final : public Layer {
public:
    MoeLayer(const ScenarioConfig& config, Rng& initRng);

    const Matrix& forward(const Matrix& x, const RouteContext& ctx) override;
    double taskLoss(const Matrix& target) const override;
    double backward(const Matrix& x, const Matrix& target) override;
    BalanceLosses losses() const override { return m_router->losses(); }
    StepStats routingStats(const std::vector<int32_t>& domain) const override;
    ParameterList parameters() override;
    void afterStep() override { m_router->afterStep(); }
    int outWidth() const override { return m_experts.outWidth(); }
    /// The router's columns first, then the experts, each from its own share of rng's draws.
    void addExperts(int n, ColumnInit init, Rng& rng) override;
    void setExpertStates(const ExpertStates& states) override;

    Router& router() { return *m_router; }
    const RoutingDecision& decision() const { return *m_decision; }
    const RoutingDecision* lastDecision() const override { return m_decision; }

private:
    /// Per-token terms of the competitive objective (Jacobs et al. 1991, ROUTING.md §5).
    struct Competitive {
        Matrix posterior;  ///< [T, k] h_tj = g_j exp(-err_j) / sum_i g_i exp(-err_i), 0 if not kept
        Vector loss;       ///< [T] -log sum_j g_j exp(-err_j)
    };
    Competitive competitive(const Matrix& target) const;
    /// The prediction of choice (t, j): its expert's output plus the shared experts' output.
    RowVector choicePrediction(int t, int j) const;

    Objective m_objective;
    int m_nRouted;  ///< experts with parameters; router columns beyond it are null experts
    std::unique_ptr<Router> m_router;
    ExpertBank m_experts;
    std::optional<ExpertBank> m_shared;
    const RoutingDecision* m_decision = nullptr;

    // Dispatch of the last forward: rows of each expert, and where each kept choice landed.
    std::vector<std::vector<int32_t>> m_expertTokens;  ///< [E][n_e] token of each row
    IndexMatrix m_rowOf;      ///< [T, k] row in its expert; -1 if not kept or a null expert
    std::vector<Matrix> m_expertIn;   ///< [E] x rows [n_e, d]
    std::vector<Matrix> m_expertOut;  ///< [E] f_e rows [n_e, d_out]
    std::vector<Matrix> m_sharedIn;   ///< [S] X for every shared expert (the same tokens)
    std::vector<Matrix> m_sharedOut;  ///< [S] f_s(X) [T, d_out]
    Matrix m_y;                       ///< [T, d_out]
};

}  // namespace moe
