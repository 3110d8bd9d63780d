// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config/enums.h"

namespace moe {

/// Token stream options (`[stream]`).
struct StreamConfig {
    StreamKind kind;
    int domains;                  ///< K domains (clusters) or teacher buckets (zipf)
    double zipf;                  ///< clusters: domain-frequency exponent (0 = uniform); zipf: vocabulary exponent
    int vocab;                    ///< V token ids (zipf stream)
    double separation;            ///< norm of each cluster centre
    double spread;                ///< expected norm of a token's offset from its centre
    std::vector<int64_t> driftAt; ///< steps at which the domain mixture is re-drawn
    int seqLen;                   ///< tokens per sequence for sequence-wise losses (0 = the whole batch)
    std::string path;             ///< dumped stream file, or text corpus file or folder
    bool shuffle;                 ///< dumped stream: visit blocks of T rows in a seeded random order
    double context;               ///< text: weight of the causal context in each hidden state
    int contextWindow;            ///< text: previous tokens in the context
    double contextDecay;          ///< text: weight decay^j of the j-th previous token
};

/// The MoE layer and its teacher (`[model]`).
struct ModelConfig {
    int width;          ///< d
    int experts;        ///< E routed experts
    int hidden;         ///< h, expert hidden width
    int out;            ///< d_out (0 = width)
    ExpertKind expertKind;
    int sharedExperts;
    int nullExperts;
    int teacherHidden;  ///< hidden width of each domain's teacher MLP
    int loraRank;       ///< r of the per-expert adapters when expertKind = lora

    /// d_out with 0 resolved to the model width.
    int outWidth() const { return out > 0 ? out : width; }
};

/// Router options (`[router]`), ROUTING.md §1-§2 and §6.
struct RouterConfig {
    RouterKind kind;
    int k;
    std::optional<double> capacityFactor;  ///< 0 = dropless; unset ("auto") = the router's default
    int minCapacity;
    Priority priority;
    WeightNorm weightNorm;  ///< Auto resolves to None for k = 1 and TopK for k > 1
    double weightScale;
    ScoreFunc scores;
    SecondExpert secondExpert;
    NoiseKind noise;
    double jitterEps;       ///< Switch jitter: X *= U(1 - eps, 1 + eps)
    double noiseStd;        ///< sigma of gaussian logit noise
    Precision precision;
    int slots;
    Balance balance;
    double biasRate;        ///< gamma of the aux-loss-free bias update
    double temperature;
    int groups;             ///< DeepSeek-V3 n_group (1 = no group limit)
    int topkGroup;          ///< DeepSeek-V3 topk_group
    HashKind hash;          ///< hash router: token_id mod E, or a fixed random hash of the id
    bool normalize;         ///< soft MoE: l2-normalise X rows and Phi columns (Puigcerver §2.3)
    int aeHidden;           ///< autoencoder gate: hidden width h of each expert's autoencoder
    double aeLr;            ///< autoencoder gate: learning rate of the autoencoders
    Activation aeActivation;  ///< autoencoder gate: hidden activation (sigmoid in the paper)

    /// capacity_factor with "auto" resolved: 2 for expert choice (ROUTING.md §3), 1 otherwise.
    double effectiveCapacityFactor() const {
        if (capacityFactor) return *capacityFactor;
        return kind == RouterKind::ExpertChoice ? 2.0 : 1.0;
    }

    /// weight_norm with Auto resolved (ROUTING.md §1.5 default).
    WeightNorm effectiveWeightNorm() const {
        if (weightNorm != WeightNorm::Auto) return weightNorm;
        return k == 1 ? WeightNorm::None : WeightNorm::TopK;
    }
};

/// Balancing-loss coefficients (`[loss]`, 0 = off), ROUTING.md §5.
struct LossConfig {
    double aux;
    bool auxFirstChoice;
    double z;
    double importance;
    double load;
    double seqAux;
    Objective objective;  ///< cooperative MSE, or Jacobs et al. 1991 competitive (ROUTING.md §5)
};

/// Training (`[train]`).
struct TrainConfig {
    int64_t steps;
    int tokens;  ///< T per step
    double lr;
    Optimizer optimizer;
    double beta1;
    double beta2;
    double adamEps;
    int threads;  ///< 0 = all cores
};

/// Trace output (`[trace]`).
struct TraceConfig {
    int every;          ///< record every N steps
    int snapshotEvery;  ///< per-token snapshots every N steps (0 = off)
    int flushEvery;     ///< flush to disk at least every N recorded steps
    int compression;    ///< gzip level 0-9
};

/// Metrics computed besides the routing metrics (`[metrics]`).
struct MetricsConfig {
    int probeEvery;   ///< task loss on each domain's held-out probe every N steps (0 = off)
    int probeTokens;  ///< tokens in each domain's probe set
};

/// One lifelong-learning event (`[event.NAME]`): actions applied before step `at` runs, in this
/// order: add_experts, then freeze_experts and remove_experts (ids count the experts just
/// added), then stream.mixture and train.lr. See docs/lifelong.md.
struct EventConfig {
    std::string name;                ///< NAME of the section; [A-Za-z0-9_-]+
    int64_t at = 0;                  ///< step before which the event applies
    int addExperts = 0;              ///< routed experts appended (ids E, E+1, ...)
    ColumnInit init = ColumnInit::Default;  ///< how the new router columns start
    bool freezeOld = false;          ///< freeze_experts = old: every expert that existed before
    std::vector<int> freeze;         ///< expert ids whose parameters and gate columns stop training
    std::vector<int> remove;         ///< expert ids that routers never pick again
    std::vector<double> mixture;     ///< new domain weights [K] (empty = unchanged)
    std::optional<double> lr;        ///< new train.lr (empty = unchanged)
};

/// Routed experts at the end of the run: model.experts plus every add_experts. Per-expert trace
/// datasets have this many columns; column e is expert e for the whole run.
inline int maxExperts(const std::vector<EventConfig>& events, int initialExperts) {
    int total = initialExperts;
    for (const EventConfig& e : events) total += e.addExperts;
    return total;
}

/// A whole scenario: what the option table (core/config/options.h) fills from an INI file and
/// the command line. There are no defaults here: the option table is their only source.
struct ScenarioConfig {
    uint64_t seed;
    StreamConfig stream;
    ModelConfig model;
    RouterConfig router;
    LossConfig loss;
    TrainConfig train;
    TraceConfig trace;
    MetricsConfig metrics;
    std::vector<EventConfig> events;  ///< sorted by (at, name)
    std::string scenarioText;  ///< the full INI text that ran, defaults included
    std::string sourceName;    ///< file the scenario came from (for messages); empty if none
};

}  // namespace moe
