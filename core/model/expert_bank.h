// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config/enums.h"
#include "core/config/scenario_config.h"
#include "core/math/types.h"
#include "core/model/parameter.h"
#include "core/util/rng.h"

namespace moe {

/// The experts of one MoE layer: E independent networks d -> d_out, one of
/// - ffn: a 2-layer MLP with GELU, d -> h -> d_out;
/// - linear: a single affine map d -> d_out;
/// - lora: a frozen base FFN shared by all experts plus per-expert rank-r adapters on both of its
///   weight matrices, W_e = W + A_e B_e (Hu et al. 2021; the MoE-LoRA fine-tuning setting). The
///   base keeps its random initialisation (it stands for a pre-trained FFN); A_e starts
///   N(0, 1/fan_in) and B_e at zero, so every expert starts as the base.
/// Each expert processes the rows it was dispatched; experts run in parallel and each writes
/// only its own state, so results do not depend on the thread count.
class ExpertBank {
public:
    /// Parameters are named "<name>[e].w1" and so on ("expert", or "shared" for shared experts);
    /// loraRank is used by ExpertKind::Lora only.
    ExpertBank(ExpertKind kind, int nExperts, int width, int hidden, int out, Rng& rng,
               const std::string& name = "expert", int loraRank = 0);

    /// Runs expert e on its rows: inputs[e] is [n_e, d]; returns outputs [n_e, d_out] per expert
    /// and keeps the activations for backward().
    void forward(const std::vector<Matrix>& inputs, std::vector<Matrix>& outputs);

    /// Given dOut[e] = dLoss/d(outputs[e]) [n_e, d_out], adds to every expert's parameter
    /// gradients (frozen base weights get none). Uses the activations of the last forward().
    /// When dIn is given it receives dLoss/d(inputs[e]) [n_e, d] per expert (soft MoE slot
    /// inputs are a function of the router, so its gradient flows through them).
    void backward(const std::vector<Matrix>& inputs, const std::vector<Matrix>& dOut,
                  std::vector<Matrix>* dIn = nullptr);

    /// Every tensor, the frozen LoRA base included (marked frozen).
    ParameterList parameters();

    /// Appends n experts (ids size(), size() + 1, ...) initialised as at construction from rng.
    /// Parameter objects may move: take parameters() again afterwards.
    void addExperts(int n, Rng& rng);
    /// Freezes (or unfreezes) every parameter of expert e.
    void setFrozen(int e, bool frozen);
    int size() const { return m_nExperts; }
    int outWidth() const { return m_out; }

private:
    /// Flops of one forward pass over `inputs`, to decide whether threads pay off.
    double work(const std::vector<Matrix>& inputs) const;
    void forwardOne(int e, const Matrix& in, Matrix& out);
    void backwardOne(int e, const Matrix& in, const Matrix& dy, Matrix* dIn);

    struct Expert {
        Parameter w1;  ///< [d, h] (ffn) or [d, d_out] (linear); lora: adapter A1 [d, r]
        Parameter b1;  ///< [1, h] or [1, d_out]; lora: adapter B1 [r, h]
        Parameter w2;  ///< [h, d_out] (ffn); lora: adapter A2 [h, r]
        Parameter b2;  ///< [1, d_out] (ffn); lora: adapter B2 [r, d_out]
        Matrix preActivation;  ///< [n_e, h] of the last forward
        Matrix activation;     ///< [n_e, h]
        Matrix down1;          ///< lora: [n_e, r] x A1
        Matrix down2;          ///< lora: [n_e, r] activation A2
    };

    ExpertKind m_kind;
    int m_nExperts;
    int m_width;
    int m_hidden;
    int m_out;
    int m_loraRank;
    std::string m_name;
    std::vector<Expert> m_experts;
    Expert m_base;  ///< lora only: the frozen shared FFN (w1, b1, w2, b2)

    /// Expert e's parameters drawn from rng (see the class comment).
    Expert drawExpert(int e, Rng& rng) const;
};

/// The routed experts of a layer: model.experts networks of model.expert_kind.
ExpertBank makeRoutedExperts(const ModelConfig& model, Rng& rng);

/// The always-on shared experts of a layer (ROUTING.md §7), or nullopt when model.shared_experts
/// is 0.
std::optional<ExpertBank> makeSharedExperts(const ModelConfig& model, Rng& rng);

}  // namespace moe
