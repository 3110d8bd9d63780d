// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "core/config/scenario_config.h"
#include "core/model/parameter.h"

namespace moe::train {

/// Adam (Kingma & Ba 2015, Algorithm 1, with bias correction) or plain SGD over a list of
/// parameters. Frozen parameters are skipped, and so are the frozen columns of a parameter
/// (Parameter::frozenColumns): their values and their Adam moments stay as they are. Each
/// parameter is updated on its own, in parallel.
class Optimizer {
public:
    Optimizer(const TrainConfig& config, ParameterList params);

    /// Replaces the parameter list after the model grew (add_experts): a parameter whose name was
    /// in the old list keeps its Adam moments, padded with zeros where it gained rows or columns;
    /// a new parameter starts with zero moments. The step count (bias correction) goes on.
    void setParameters(ParameterList params);

    /// Applies one update from the parameters' current gradients.
    void step();
    void zeroGrad();
    void setLearningRate(double lr) { m_lr = lr; }
    double learningRate() const { return m_lr; }

private:
    TrainConfig m_config;
    double m_lr;
    ParameterList m_params;
    /// Names of m_params, kept apart: after the model grows the old pointers may dangle.
    std::vector<std::string> m_names;
    std::vector<Matrix> m_firstMoment;
    std::vector<Matrix> m_secondMoment;
    int64_t m_steps = 0;
};

}  // namespace moe::train
