// SPDX-License-Identifier: MIT
#include "core/math/random_matrix.h"
#include "core/model/expert_bank.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/math/functions.h"
#include "core/util/assert.h"
#include "core/util/parallel.h"

namespace moe {
ExpertBank::ExpertBank(ExpertKind kind, int nExperts, int width, int hidden, int out, Rng& rng,
                       const std::string& name, int loraRank)
    : m_kind(kind),
      m_nExperts(nExperts),
      m_width(width),
      m_hidden(hidden),
      m_out(out),
      m_loraRank(loraRank),
      m_name(name) {
    if (kind == ExpertKind::Lora) {
        MOELAB_ASSERT(loraRank >= 1, "LoRA experts need a rank");
        m_base.w1 = Parameter(name + "_base.w1", fanInNormal(width, hidden, rng));
        m_base.b1 = Parameter(name + "_base.b1", Matrix::Zero(1, hidden));
        m_base.w2 = Parameter(name + "_base.w2", fanInNormal(hidden, out, rng));
        m_base.b2 = Parameter(name + "_base.b2", Matrix::Zero(1, out));
        for (Parameter* p : {&m_base.w1, &m_base.b1, &m_base.w2, &m_base.b2}) p->frozen = true;
    }
    m_experts.reserve(static_cast<size_t>(nExperts));
    for (int e = 0; e < nExperts; ++e) m_experts.push_back(drawExpert(e, rng));
}

ExpertBank::Expert ExpertBank::drawExpert(int e, Rng& rng) const {
    const int width = m_width;
    const int hidden = m_hidden;
    const int out = m_out;
    const int loraRank = m_loraRank;
    Expert x;
    const std::string prefix = m_name + "[" + std::to_string(e) + "].";
    switch (m_kind) {
        case ExpertKind::Ffn:
            x.w1 = Parameter(prefix + "w1", fanInNormal(width, hidden, rng));
            x.b1 = Parameter(prefix + "b1", Matrix::Zero(1, hidden));
            x.w2 = Parameter(prefix + "w2", fanInNormal(hidden, out, rng));
            x.b2 = Parameter(prefix + "b2", Matrix::Zero(1, out));
            break;
        case ExpertKind::Linear:
            x.w1 = Parameter(prefix + "w1", fanInNormal(width, out, rng));
            x.b1 = Parameter(prefix + "b1", Matrix::Zero(1, out));
            break;
        case ExpertKind::Lora:
            x.w1 = Parameter(prefix + "lora_a1", fanInNormal(width, loraRank, rng));
            x.b1 = Parameter(prefix + "lora_b1", Matrix::Zero(loraRank, hidden));
            x.w2 = Parameter(prefix + "lora_a2", fanInNormal(hidden, loraRank, rng));
            x.b2 = Parameter(prefix + "lora_b2", Matrix::Zero(loraRank, out));
            break;
        default:
            MOELAB_ASSERT(false, "unknown expert kind");
    }
    return x;
}

void ExpertBank::addExperts(int n, Rng& rng) {
    for (int i = 0; i < n; ++i) m_experts.push_back(drawExpert(m_nExperts + i, rng));
    m_nExperts += n;
}

void ExpertBank::setFrozen(int e, bool frozen) {
    Expert& x = m_experts[static_cast<size_t>(e)];
    for (Parameter* p : {&x.w1, &x.b1, &x.w2, &x.b2}) p->frozen = frozen;
}

void ExpertBank::forwardOne(int e, const Matrix& in, Matrix& out) {
    Expert& x = m_experts[static_cast<size_t>(e)];
    if (m_kind == ExpertKind::Linear) {
        out.noalias() = in * x.w1.value;
        out.rowwise() += x.b1.value.row(0);
        return;
    }
    const bool lora = m_kind == ExpertKind::Lora;
    const Expert& ffn = lora ? m_base : x;
    x.preActivation.noalias() = in * ffn.w1.value;
    if (lora) {
        // x (W1 + A1 B1) computed as x W1 + (x A1) B1: rank r, never a [d, h] sum.
        x.down1.noalias() = in * x.w1.value;
        x.preActivation.noalias() += x.down1 * x.b1.value;
    }
    x.preActivation.rowwise() += ffn.b1.value.row(0);
    x.activation = x.preActivation.unaryExpr([](Scalar v) { return gelu(v); });
    out.noalias() = x.activation * ffn.w2.value;
    if (lora) {
        x.down2.noalias() = x.activation * x.w2.value;
        out.noalias() += x.down2 * x.b2.value;
    }
    out.rowwise() += ffn.b2.value.row(0);
}

void ExpertBank::backwardOne(int e, const Matrix& in, const Matrix& dy, Matrix* dIn) {
    Expert& x = m_experts[static_cast<size_t>(e)];
    if (m_kind == ExpertKind::Linear) {
        x.w1.grad.noalias() += in.transpose() * dy;
        x.b1.grad += dy.colwise().sum();
        if (dIn) dIn->noalias() = dy * x.w1.value.transpose();
        return;
    }
    Matrix dPre;
    if (m_kind == ExpertKind::Ffn) {
        x.w2.grad.noalias() += x.activation.transpose() * dy;
        x.b2.grad += dy.colwise().sum();
        dPre.noalias() = dy * x.w2.value.transpose();
    } else {
        // out = act W2 + (act A2) B2 + b2 with W2, b2 frozen.
        const Matrix dDown2 = dy * x.b2.value.transpose();
        x.b2.grad.noalias() += x.down2.transpose() * dy;
        x.w2.grad.noalias() += x.activation.transpose() * dDown2;
        dPre.noalias() = dy * m_base.w2.value.transpose();
        dPre.noalias() += dDown2 * x.w2.value.transpose();
    }
    dPre.array() *= x.preActivation.unaryExpr([](Scalar v) { return geluGrad(v); }).array();
    if (m_kind == ExpertKind::Ffn) {
        x.w1.grad.noalias() += in.transpose() * dPre;
        x.b1.grad += dPre.colwise().sum();
        if (dIn) dIn->noalias() = dPre * x.w1.value.transpose();
    } else {
        // pre = x W1 + (x A1) B1 + b1 with W1, b1 frozen.
        const Matrix dDown1 = dPre * x.b1.value.transpose();
        x.b1.grad.noalias() += x.down1.transpose() * dPre;
        x.w1.grad.noalias() += in.transpose() * dDown1;
        if (dIn) {
            dIn->noalias() = dPre * m_base.w1.value.transpose();
            dIn->noalias() += dDown1 * x.w1.value.transpose();
        }
    }
}

void ExpertBank::forward(const std::vector<Matrix>& inputs, std::vector<Matrix>& outputs) {
    MOELAB_ASSERT(static_cast<int>(inputs.size()) == m_nExperts, "one input per expert");
    outputs.resize(inputs.size());
    parallelFor(m_nExperts, work(inputs), [&](int64_t e) {
        forwardOne(static_cast<int>(e), inputs[static_cast<size_t>(e)], outputs[static_cast<size_t>(e)]);
    });
}

void ExpertBank::backward(const std::vector<Matrix>& inputs, const std::vector<Matrix>& dOut,
                          std::vector<Matrix>* dIn) {
    if (dIn) dIn->resize(inputs.size());
    parallelFor(m_nExperts, 2 * work(inputs), [&](int64_t e) {
        const auto ue = static_cast<size_t>(e);
        Matrix* dInOne = dIn ? &(*dIn)[ue] : nullptr;
        if (inputs[ue].rows() == 0) {
            if (dInOne) dInOne->resize(0, inputs[ue].cols());
            return;
        }
        backwardOne(static_cast<int>(e), inputs[ue], dOut[ue], dInOne);
    });
}

double ExpertBank::work(const std::vector<Matrix>& inputs) const {
    double rows = 0;
    for (const Matrix& in : inputs) rows += static_cast<double>(in.rows());
    const Expert& x = m_kind == ExpertKind::Lora ? m_base : m_experts.front();
    return 2.0 * rows * static_cast<double>(x.w1.value.size() + x.w2.value.size());
}

ParameterList ExpertBank::parameters() {
    ParameterList list;
    if (m_kind == ExpertKind::Lora)
        for (Parameter* p : {&m_base.w1, &m_base.b1, &m_base.w2, &m_base.b2}) list.push_back(p);
    for (Expert& x : m_experts) {
        list.push_back(&x.w1);
        list.push_back(&x.b1);
        if (m_kind != ExpertKind::Linear) {
            list.push_back(&x.w2);
            list.push_back(&x.b2);
        }
    }
    return list;
}

ExpertBank makeRoutedExperts(const ModelConfig& model, Rng& rng) {
    return ExpertBank(model.expertKind, model.experts, model.width, model.hidden, model.outWidth(),
                      rng, "expert", model.loraRank);
}

std::optional<ExpertBank> makeSharedExperts(const ModelConfig& model, Rng& rng) {
    if (model.sharedExperts <= 0) return std::nullopt;
    return ExpertBank(model.expertKind, model.sharedExperts, model.width, model.hidden,
                      model.outWidth(), rng, "shared", model.loraRank);
}

}  // namespace moe
