// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

class QCustomPlot;

namespace moe::io {
struct TraceData;
struct TraceSnapshot;
}  // namespace moe::io

namespace moe::plots {

/// What the domain x expert matrix of the step inspector counts.
enum class DomainCount {
    /// Tokens by their first choice (column 0 of the decision), kept or not: the routing that
    /// `specialization` (NMI of domain and first-choice expert) measures. Meaningful for token
    /// choice and the routers like it.
    FirstChoice,
    /// Kept assignments (dispatched within capacity) of every column: what each expert really
    /// processed. Works for every router, expert choice included (one column per expert).
    KeptAssignments,
};

struct StepInspectorOptions {
    DomainCount domainCount = DomainCount::KeptAssignments;
};

/// The row of `step` (ascending) whose step is nearest `target` (the earlier of two equally
/// near), or -1 when there are no rows.
int64_t nearestRow(const std::vector<int64_t>& step, int64_t target);

/// Counts [domains, nExperts] of `snapshot` by token domain and expert, as `count` says;
/// domains = largest domain label + 1. Tokens without a domain (-1) and choices outside
/// [0, nExperts) (discarded: -1) are left out. Empty (0 rows) when the snapshot has no domain
/// labels.
Eigen::MatrixXd domainExpertCounts(const io::TraceSnapshot& snapshot, int nExperts,
                                   DomainCount count);

/// Clears `plot` and draws the step inspector for the trace row nearest `step`:
/// - per-expert bars of kept assignments (load) with the dropped ones stacked on top, so a bar's
///   height is the expert's demand, outlined; and the step's capacity C as a dashed line
///   ("no capacity limit" in the legend when C = -1);
/// - below it, when `snapshot` is given and has domain labels, the domain x expert matrix of
///   domainExpertCounts, its expert axis aligned with the bars. Its title names the snapshot's
///   step, which may differ from the row's (the snapshot nearest the chosen step).
/// Returns the row drawn, or -1 when the trace has no rows (the plot then says so).
int64_t drawStepInspector(QCustomPlot& plot, const io::TraceData& data, int64_t step,
                          const io::TraceSnapshot* snapshot,
                          const StepInspectorOptions& options = {});

}  // namespace moe::plots
