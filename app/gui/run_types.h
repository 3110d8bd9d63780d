// SPDX-License-Identifier: MIT
#pragma once

#include "core/metrics/step_stats.h"

#include <QMetaType>
#include <QString>

#include <cstdint>
#include <vector>

namespace moe::gui {

/// Consecutive steps of a run, copied out of the worker thread in one queued signal.
struct StepBatch {
    std::vector<StepStats> steps;
};

/// How a run ended (app/cli/run_loop.h RunOutcome, in Qt terms).
struct RunResult {
    enum class Status { Completed, Stopped, Failed };
    Status status = Status::Completed;
    QString error;      ///< what failed (Failed only)
    QString tracePath;  ///< the trace the run wrote
    int64_t steps = 0;  ///< steps run
    double seconds = 0;
};

}  // namespace moe::gui

Q_DECLARE_METATYPE(moe::gui::StepBatch)
Q_DECLARE_METATYPE(moe::gui::RunResult)
