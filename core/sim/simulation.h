// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "core/config/scenario_config.h"
#include "core/metrics/step_stats.h"
#include "core/model/expert_state.h"
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
/// "stream", "route", "event.NAME" for an event's new experts, "probe" and "probe.route" for the
/// held-out probe sets), so a scenario and seed give the same run, bit for bit, at any thread
/// count, and turning probes on does not change the training.
///
/// Lifelong-learning events (config.events, docs/lifelong.md) apply at the start of step `at`,
/// before its batch is drawn. Per-expert metrics always have traceExperts() entries: column e is
/// expert e for the whole run, NaN while the expert does not exist yet; load_cv, dead_experts,
/// max_over_mean, load_entropy, collapse and router_entropy count only the experts that can be
/// routed to (live or frozen), so a removed expert is not a dead one.
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

    /// Columns of every per-expert metric: model.experts plus every add_experts, plus the null
    /// experts.
    int traceExperts() const { return static_cast<int>(m_states.size()); }
    /// Entries of StepStats::probeLoss: the stream's domains (at least 1).
    int traceDomains() const { return m_probeDomains; }
    /// State of every expert of traceExperts() now (before the next step's events).
    const ExpertStates& expertStates() const { return m_states; }
    /// Task loss of the current parameters on each domain's probe set [traceDomains()], NaN
    /// when probes are off. Draws from neither the training streams nor changes parameters,
    /// but it runs the layer forward: until the next step(), layer().lastDecision() describes
    /// the last probe batch (step() probes before its own forward pass for that reason).
    std::vector<double> probeLosses();

private:
    void checkFinite(const StepStats& stats);
    void applyEvent(const EventConfig& event);
    /// Pads the per-expert metrics to traceExperts() and recomputes the load statistics over
    /// the routable experts (only while some expert is not added yet or removed).
    void fitExpertColumns(StepStats& stats) const;

    ScenarioConfig m_config;
    Rng m_initRng;
    std::unique_ptr<TokenStream> m_stream;
    Teacher m_teacher;
    std::unique_ptr<Layer> m_layer;
    train::Optimizer m_optimizer;
    Rng m_routeRng;
    TokenBatch m_batch;
    int64_t m_step = 0;

    size_t m_nextEvent = 0;  ///< first entry of m_config.events not applied yet
    int m_nRouted;           ///< routed experts that exist now
    ExpertStates m_states;   ///< [traceExperts()]
    int m_probeDomains;
    std::vector<TokenBatch> m_probes;    ///< [K] held-out tokens of each domain (probes on)
    std::vector<Matrix> m_probeTargets;  ///< [K] their teacher targets
};

}  // namespace moe
