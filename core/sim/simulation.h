// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "core/config/scenario_config.h"
#include "core/metrics/step_stats.h"
#include "core/model/layer.h"
#include "core/model/teacher.h"
#include "core/stream/token_stream.h"
#include "core/train/optimizer.h"

namespace moe {

/// Raised when a loss or a parameter stops being finite: names the step and the tensor.
class NonFiniteError : public std::runtime_error {
public:
    NonFiniteError(int64_t step, const std::string& tensor);
    int64_t step() const { return m_step; }
    const std::string& tensor() const { return m_tensor; }

private:
    int64_t m_step;
    std::string m_tensor;
};

/// Trains one MoE layer on a token stream against per-domain teachers, one step at a time.
/// Every random draw comes from streams derived from config.seed by name ("init", "teacher",
/// "stream", "route"), so a scenario and seed give the same run, bit for bit, at any thread count.
class Simulation {
public:
    /// Throws std::invalid_argument for options this version does not provide.
    explicit Simulation(const ScenarioConfig& config);

    /// Runs one training step (forward, losses, backward, optimiser update, bias update) and
    /// returns the step's metrics, measured on the routing before the update.
    /// Throws NonFiniteError if a loss or parameter becomes NaN or Inf.
    StepStats step();

    /// Index of the next step to run (0 before the first).
    int64_t stepIndex() const { return m_step; }
    const ScenarioConfig& config() const { return m_config; }
    Layer& layer() { return *m_layer; }
    const Layer& layer() const { return *m_layer; }
    const TokenStream& stream() const { return *m_stream; }
    /// The tokens of the last step (domain and token labels for per-token snapshots); empty
    /// before the first step.
    const TokenBatch& lastBatch() const { return m_batch; }

private:
    void checkFinite(const StepStats& stats);

    ScenarioConfig m_config;
    Rng m_initRng;
    std::unique_ptr<TokenStream> m_stream;
    Teacher m_teacher;
    std::unique_ptr<Layer> m_layer;
    train::Optimizer m_optimizer;
    Rng m_routeRng;
    TokenBatch m_batch;
    int64_t m_step = 0;
};

}  // namespace moe
