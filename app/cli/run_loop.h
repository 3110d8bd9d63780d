// SPDX-License-Identifier: MIT
#pragma once

#include "core/config/scenario_config.h"
#include "core/metrics/step_stats.h"
#include "core/sim/simulation.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace moe::app {

/// Columns of the run's per-token snapshots: k choices, one per router column (null experts
/// included) for expert choice, and 0 for soft MoE, which makes no per-token decision.
int snapshotColumns(const ScenarioConfig& cfg);

/// What the single-run loop may be told and tells back while it runs.
struct RunHooks {
    /// Checked before every step; nonzero stops the run (the trace is closed, status Stopped).
    const std::atomic<int>* stop = nullptr;
    /// Called after every step with its metrics, on the running thread.
    std::function<void(const StepStats&)> onStep;
    /// Called before every step, before `stop` is checked, on the running thread. The desktop
    /// app blocks here while a run is paused and releases one step at a time; a stop request
    /// should release it so the run ends promptly.
    std::function<void()> beforeStep;
    /// Held around every trace-file operation. HDF5 keeps library-wide state, so runs on
    /// several threads share one mutex and never enter it at the same time; null for one run.
    std::mutex* traceMutex = nullptr;
};

enum class RunStatus {
    Completed,  ///< every step ran and the trace is closed
    Failed,     ///< a NaN/Inf or a trace I/O failure; the trace keeps every step before it
    Stopped,    ///< RunHooks::stop was set; the trace is closed and holds every step so far
};

struct RunOutcome {
    RunStatus status = RunStatus::Completed;
    std::string error;  ///< what failed (Failed only)
    /// The failure hit the trace file's own metadata: HDF5 may crash in its clean-up at exit
    /// (HDFFV-11052), so the process should end with std::_Exit.
    bool fileLevelFailure = false;
    int64_t steps = 0;   ///< steps run
    double seconds = 0;  ///< wall time of the steps, trace writing included
};

/// Runs `sim` from its current step to config().train.steps, writing the trace `tracePath`
/// (created or truncated) as `moelab run` does: a row every trace.every steps, snapshots every
/// trace.snapshot_every steps when the router makes per-token decisions. Never throws for
/// run-time failures (NaN, trace I/O); they are reported in the outcome.
RunOutcome runToTrace(Simulation& sim, const std::string& tracePath, const RunHooks& hooks);

}  // namespace moe::app
