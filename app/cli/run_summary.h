// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/metrics/probe_summary.h"
#include "core/metrics/step_stats.h"

namespace moe::app {

/// Averages of a run's metrics over its first and last `window` steps, for the end-of-run table.
class RunSummary {
public:
    explicit RunSummary(size_t window = 50) : m_window(window) {}

    void add(const StepStats& s);
    int64_t steps() const { return m_steps; }
    /// The one-screen table: each metric at the start, at the end, and its worst step.
    std::string format() const;

private:
    size_t m_window;
    ProbeTracker m_probes;
    int64_t m_steps = 0;
    std::vector<StepStats> m_first;
    std::deque<StepStats> m_last;
    double m_worstDrop = 0;
    int64_t m_worstDropStep = 0;
    double m_worstCv = 0;
    int64_t m_worstCvStep = 0;
};

/// The probe table of a run with metrics.probe_every: per domain its first, best (lowest) and
/// final probe loss and the forgetting (final - best); empty when no probe ran.
std::string formatProbes(const ProbeTracker& probes);

}  // namespace moe::app
