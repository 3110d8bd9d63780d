// SPDX-License-Identifier: MIT
#include "core/train/optimizer.h"

#include <cmath>
#include <map>
#include <string>

#include "core/util/parallel.h"

namespace moe::train {
namespace {

bool columnFrozen(const Parameter& p, Eigen::Index column) {
    return !p.frozenColumns.empty() && p.frozenColumns[static_cast<size_t>(column)];
}

}  // namespace

Optimizer::Optimizer(const TrainConfig& config, ParameterList params)
    : m_config(config), m_lr(config.lr), m_params(std::move(params)) {
    for (const Parameter* p : m_params) m_names.push_back(p->name);
    if (m_config.optimizer == moe::Optimizer::Adam) {
        for (const Parameter* p : m_params) {
            m_firstMoment.push_back(Matrix::Zero(p->value.rows(), p->value.cols()));
            m_secondMoment.push_back(Matrix::Zero(p->value.rows(), p->value.cols()));
        }
    }
}

void Optimizer::setParameters(ParameterList params) {
    if (m_config.optimizer == moe::Optimizer::Adam) {
        std::map<std::string, std::pair<Matrix, Matrix>> old;
        for (size_t i = 0; i < m_names.size(); ++i)
            old[m_names[i]] = {std::move(m_firstMoment[i]), std::move(m_secondMoment[i])};
        m_firstMoment.clear();
        m_secondMoment.clear();
        for (const Parameter* p : params) {
            Matrix m = Matrix::Zero(p->value.rows(), p->value.cols());
            Matrix v = Matrix::Zero(p->value.rows(), p->value.cols());
            if (const auto it = old.find(p->name); it != old.end()) {
                const Matrix& oldM = it->second.first;
                m.topLeftCorner(oldM.rows(), oldM.cols()) = oldM;
                v.topLeftCorner(oldM.rows(), oldM.cols()) = it->second.second;
            }
            m_firstMoment.push_back(std::move(m));
            m_secondMoment.push_back(std::move(v));
        }
    }
    m_params = std::move(params);
    m_names.clear();
    for (const Parameter* p : m_params) m_names.push_back(p->name);
}

void Optimizer::zeroGrad() {
    for (Parameter* p : m_params) p->zeroGrad();
}

void Optimizer::step() {
    ++m_steps;
    const auto n = static_cast<int64_t>(m_params.size());
    double values = 0;
    for (const Parameter* p : m_params) values += static_cast<double>(p->value.size());
    const double flops = 10 * values;
    if (m_config.optimizer == moe::Optimizer::Sgd) {
        parallelFor(n, flops, [&](int64_t i) {
            Parameter& p = *m_params[static_cast<size_t>(i)];
            if (p.frozen) return;
            const Matrix update = static_cast<Scalar>(m_lr * p.lrScale) * p.grad;
            for (Eigen::Index c = 0; c < p.value.cols(); ++c)
                if (!columnFrozen(p, c)) p.value.col(c) -= update.col(c);
        });
        return;
    }
    const double b1 = m_config.beta1;
    const double b2 = m_config.beta2;
    // Bias corrections folded into the step size and epsilon (Kingma & Ba, end of §2).
    const double c1 = 1.0 - std::pow(b1, static_cast<double>(m_steps));
    const double c2 = 1.0 - std::pow(b2, static_cast<double>(m_steps));
    const double stepSize = m_lr / c1;
    const auto sqrtC2 = static_cast<Scalar>(std::sqrt(c2));
    const auto eps = static_cast<Scalar>(m_config.adamEps);
    const auto fb1 = static_cast<Scalar>(b1);
    const auto fb2 = static_cast<Scalar>(b2);
    parallelFor(n, flops, [&](int64_t i) {
        Parameter& p = *m_params[static_cast<size_t>(i)];
        if (p.frozen) return;
        Matrix& m = m_firstMoment[static_cast<size_t>(i)];
        Matrix& v = m_secondMoment[static_cast<size_t>(i)];
        const auto step = static_cast<Scalar>(stepSize * p.lrScale);
        if (p.frozenColumns.empty()) {
            m = fb1 * m + (Scalar(1) - fb1) * p.grad;
            v = fb2 * v + (Scalar(1) - fb2) * p.grad.cwiseAbs2();
            // theta -= lr * mhat / (sqrt(vhat) + eps), mhat = m / c1, vhat = v / c2.
            p.value.array() -= step * m.array() / (v.array().sqrt() / sqrtC2 + eps);
            return;
        }
        // The same update column by column, leaving frozen columns and their moments alone:
        // a zero gradient alone would still move them through the moments.
        for (Eigen::Index c = 0; c < p.value.cols(); ++c) {
            if (columnFrozen(p, c)) continue;
            m.col(c) = fb1 * m.col(c) + (Scalar(1) - fb1) * p.grad.col(c);
            v.col(c) = fb2 * v.col(c) + (Scalar(1) - fb2) * p.grad.col(c).cwiseAbs2();
            p.value.col(c).array() -=
                step * m.col(c).array() / (v.col(c).array().sqrt() / sqrtC2 + eps);
        }
    });
}

}  // namespace moe::train
