// SPDX-License-Identifier: MIT
#pragma once

#include <vector>

#include "core/config/enums.h"
#include "core/math/types.h"
#include "core/model/parameter.h"
#include "core/util/rng.h"

namespace moe {

/// The routed experts of one MoE layer: E independent networks d -> d_out, either a 2-layer
/// MLP with GELU (d -> h -> d_out) or a single affine map. Each expert processes the rows it was
/// dispatched; experts run in parallel and each writes only its own state, so results do not
/// depend on the thread count.
class ExpertBank {
public:
    ExpertBank(ExpertKind kind, int nExperts, int width, int hidden, int out, Rng& rng);

    /// Runs expert e on its rows: inputs[e] is [n_e, d]; returns outputs [n_e, d_out] per expert
    /// and keeps the activations for backward().
    void forward(const std::vector<Matrix>& inputs, std::vector<Matrix>& outputs);

    /// Given dOut[e] = dLoss/d(outputs[e]) [n_e, d_out], adds to every expert's parameter
    /// gradients. Uses the activations of the last forward().
    void backward(const std::vector<Matrix>& inputs, const std::vector<Matrix>& dOut);

    ParameterList parameters();
    int size() const { return m_nExperts; }
    int outWidth() const { return m_out; }

private:
    /// Flops of one forward pass over `inputs`, to decide whether threads pay off.
    double work(const std::vector<Matrix>& inputs) const;

    struct Expert {
        Parameter w1;  ///< [d, h] (ffn) or [d, d_out] (linear)
        Parameter b1;  ///< [1, h] or [1, d_out]
        Parameter w2;  ///< [h, d_out] (ffn only)
        Parameter b2;  ///< [1, d_out] (ffn only)
        Matrix preActivation;  ///< [n_e, h] of the last forward
        Matrix activation;     ///< [n_e, h]
    };

    ExpertKind m_kind;
    int m_nExperts;
    int m_out;
    std::vector<Expert> m_experts;
};

}  // namespace moe
