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
    /// Replace an existing trace at the final name when the run completes. Without it, a run
    /// whose final name exists fails before its first step, and the existing file is kept.
    bool overwrite = false;
};

enum class RunStatus {
    Completed,  ///< every step ran; the trace is closed and has its final name
    Failed,     ///< a NaN/Inf or a trace I/O failure; the partial trace keeps every step before it
    Stopped,    ///< RunHooks::stop was set; the partial trace is closed and holds every step so far
};

struct RunOutcome {
    RunStatus status = RunStatus::Completed;
    std::string error;  ///< what failed (Failed only)
    /// Writing the trace failed. HDF5 1.10 may then hold a file it could not close, and crash
    /// in its clean-up at process exit (HDFFV-11052), so the process should end with
    /// std::_Exit. Any trace write failure counts: a failed dataset write leaves the file as
    /// unclosable as a failed metadata write when the cause persists (a full disk, a file size
    /// limit), and a moelab run with `ulimit -f` crashed at exit that way.
    bool fileLevelFailure = false;
    /// Where the trace is now: the final name when Completed, else partialTracePath() of it
    /// (closed, every recorded step kept), or empty when no file was created.
    std::string tracePath;
    int64_t steps = 0;   ///< steps run
    double seconds = 0;  ///< wall time of the steps, trace writing included
};

/// Runs `sim` from its current step to config().train.steps, writing its trace as `moelab run`
/// does: a row every trace.every steps, snapshots every trace.snapshot_every steps when the
/// router makes per-token decisions. The trace is written to partialTracePath(tracePath)
/// (created or truncated; SWMR-readable while the run goes on) and renamed to `tracePath` only
/// when every step has run, so `tracePath` always holds a complete run and an existing file
/// there survives a run that fails (see RunHooks::overwrite). Never throws for run-time
/// failures (NaN, trace I/O); they are reported in the outcome.
RunOutcome runToTrace(Simulation& sim, const std::string& tracePath, const RunHooks& hooks);

}  // namespace moe::app
