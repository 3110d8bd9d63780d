// SPDX-License-Identifier: MIT
#include "core/model/expert_bank.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/math/functions.h"
#include "core/util/assert.h"
#include "core/util/parallel.h"

namespace moe {
namespace {

Matrix fanInNormal(int rows, int cols, Rng& rng) {
    const double std = 1.0 / std::sqrt(static_cast<double>(rows));
    Matrix m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Scalar>(std * rng.normal());
    return m;
}

}  // namespace

ExpertBank::ExpertBank(ExpertKind kind, int nExperts, int width, int hidden, int out, Rng& rng)
    : m_kind(kind), m_nExperts(nExperts), m_out(out) {
    if (kind != ExpertKind::Ffn && kind != ExpertKind::Linear)
        throw std::invalid_argument("model.expert_kind = " + std::string(enumName(kind)) +
                                    " is not available in this version");
    m_experts.resize(static_cast<size_t>(nExperts));
    for (int e = 0; e < nExperts; ++e) {
        Expert& x = m_experts[static_cast<size_t>(e)];
        const std::string prefix = "expert[" + std::to_string(e) + "].";
        const int firstOut = kind == ExpertKind::Ffn ? hidden : out;
        x.w1 = Parameter(prefix + "w1", fanInNormal(width, firstOut, rng));
        x.b1 = Parameter(prefix + "b1", Matrix::Zero(1, firstOut));
        if (kind == ExpertKind::Ffn) {
            x.w2 = Parameter(prefix + "w2", fanInNormal(hidden, out, rng));
            x.b2 = Parameter(prefix + "b2", Matrix::Zero(1, out));
        }
    }
}

void ExpertBank::forward(const std::vector<Matrix>& inputs, std::vector<Matrix>& outputs) {
    MOELAB_ASSERT(static_cast<int>(inputs.size()) == m_nExperts, "one input per expert");
    outputs.resize(inputs.size());
    parallelFor(m_nExperts, work(inputs), [&](int64_t e) {
        Expert& x = m_experts[static_cast<size_t>(e)];
        const Matrix& in = inputs[static_cast<size_t>(e)];
        Matrix& out = outputs[static_cast<size_t>(e)];
        if (m_kind == ExpertKind::Linear) {
            out.noalias() = in * x.w1.value;
            out.rowwise() += x.b1.value.row(0);
            return;
        }
        x.preActivation.noalias() = in * x.w1.value;
        x.preActivation.rowwise() += x.b1.value.row(0);
        x.activation = x.preActivation.unaryExpr([](Scalar v) { return gelu(v); });
        out.noalias() = x.activation * x.w2.value;
        out.rowwise() += x.b2.value.row(0);
    });
}

void ExpertBank::backward(const std::vector<Matrix>& inputs, const std::vector<Matrix>& dOut) {
    parallelFor(m_nExperts, 2 * work(inputs), [&](int64_t e) {
        Expert& x = m_experts[static_cast<size_t>(e)];
        const Matrix& in = inputs[static_cast<size_t>(e)];
        const Matrix& dy = dOut[static_cast<size_t>(e)];
        if (in.rows() == 0) return;
        if (m_kind == ExpertKind::Linear) {
            x.w1.grad.noalias() += in.transpose() * dy;
            x.b1.grad += dy.colwise().sum();
            return;
        }
        x.w2.grad.noalias() += x.activation.transpose() * dy;
        x.b2.grad += dy.colwise().sum();
        Matrix dPre = dy * x.w2.value.transpose();
        dPre.array() *= x.preActivation.unaryExpr([](Scalar v) { return geluGrad(v); }).array();
        x.w1.grad.noalias() += in.transpose() * dPre;
        x.b1.grad += dPre.colwise().sum();
    });
}

double ExpertBank::work(const std::vector<Matrix>& inputs) const {
    double rows = 0;
    for (const Matrix& in : inputs) rows += static_cast<double>(in.rows());
    const Expert& x = m_experts.front();
    return 2.0 * rows * static_cast<double>(x.w1.value.size() + x.w2.value.size());
}

ParameterList ExpertBank::parameters() {
    ParameterList list;
    for (Expert& x : m_experts) {
        list.push_back(&x.w1);
        list.push_back(&x.b1);
        if (m_kind == ExpertKind::Ffn) {
            list.push_back(&x.w2);
            list.push_back(&x.b2);
        }
    }
    return list;
}

}  // namespace moe
