// SPDX-License-Identifier: MIT
#pragma once

#include <vector>

#include "core/config/scenario_config.h"
#include "core/model/parameter.h"

namespace moe::train {

/// Adam (Kingma & Ba 2015, Algorithm 1, with bias correction) or plain SGD over a fixed list of
/// parameters. Frozen parameters are skipped. Each parameter is updated on its own, in parallel.
class Optimizer {
public:
    Optimizer(const TrainConfig& config, ParameterList params);

    /// Applies one update from the parameters' current gradients.
    void step();
    void zeroGrad();
    void setLearningRate(double lr) { m_lr = lr; }
    double learningRate() const { return m_lr; }

private:
    TrainConfig m_config;
    double m_lr;
    ParameterList m_params;
    std::vector<Matrix> m_firstMoment;
    std::vector<Matrix> m_secondMoment;
    int64_t m_steps = 0;
};

}  // namespace moe::train
