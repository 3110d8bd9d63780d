// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace moe {

/// The metrics of one step, ROUTING.md §10. Per-expert vectors have E entries. Values that do
/// not apply to a run (specialization without domain labels) are NaN.
struct StepStats {
    int64_t step = 0;

    // Per expert [E].
    std::vector<double> demand;      ///< assignments before capacity
    std::vector<double> load;        ///< kept assignments
    std::vector<double> dropped;     ///< demand - load
    std::vector<double> importance;  ///< sum of combine weights
    std::vector<double> meanScore;   ///< mean gate score s over the step's tokens
    /// ExpertState of each expert as a number (0 absent, 1 live, 2 frozen, 3 removed). In a run
    /// with add_experts events every per-expert vector has the run's final expert count, NaN
    /// for experts not added yet (core/sim/simulation.h).
    std::vector<double> expertState;

    // Per domain [K]: task loss on each domain's held-out probe set, NaN at steps without a
    // probe (metrics.probe_every) or when probes are off.
    std::vector<double> probeLoss;

    // Scalars.
    double dropFraction = 0;       ///< dropped assignments / (T k)
    double tokenDropFraction = 0;  ///< dropped tokens / T (tokens with no kept assignment)
    double pickedOnceFraction = 0;  ///< tokens with exactly one kept assignment / T
    double pickedManyFraction = 0;  ///< tokens with two or more kept assignments / T
    double nullFraction = 0;        ///< kept assignments to null experts / all kept assignments
    double loadCv = 0;             ///< population std / mean of demand
    double maxOverMean = 0;        ///< max / mean of demand
    double loadEntropy = 0;        ///< H(demand / sum) / ln E
    double routerEntropy = 0;      ///< mean_t H(p_t) / ln E
    double deadExperts = 0;        ///< experts with demand 0
    double collapse = 0;           ///< 1 - load_entropy
    double taskLoss = 0;
    double auxLoss = 0;            ///< Switch (or first-choice) load-balancing loss, before its coefficient
    double zLoss = 0;
    double importanceLoss = 0;
    double loadLoss = 0;
    double seqAuxLoss = 0;
    double totalLoss = 0;          ///< task loss plus the weighted balancing losses
    double specialization = 0;     ///< NMI(domain, first-choice expert), NaN without domains
    /// Share of frequent token ids' occurrences routed to their most common first-choice expert
    /// (vocabularySpecialization), NaN without token ids.
    double vocabSpecialization = std::numeric_limits<double>::quiet_NaN();
    int64_t capacity = -1;         ///< C of this step (-1 = unlimited)
};

}  // namespace moe
