// SPDX-License-Identifier: MIT
#pragma once

#include "app/gui/scenario_config_qt.h"  // first: see there
#include "core/io/trace_reader.h"
#include "core/metrics/step_stats.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace moe::gui {

/// The rows of a run in progress, kept as its trace file will hold them (a row every
/// trace.every steps, the datasets of core/io/trace_schema.h), so that the live plots and the
/// plots of the finished trace show the same data. Appending is cheap; snapshot() copies.
class LiveTrace {
public:
    /// Starts an empty trace of the run of `config` (header from the scenario).
    void begin(const ScenarioConfig& config);

    /// Records `stats` if its step is one the trace records (step % trace.every == 0).
    /// Per-expert vectors must hold nExperts values (the run's E plus null experts).
    void append(const StepStats& stats);

    int64_t rows() const { return static_cast<int64_t>(m_step.size()); }

    /// The rows so far as a trace reader would return them.
    std::shared_ptr<const io::TraceData> snapshot() const;

private:
    io::TraceHeader m_header;
    int m_every = 1;
    std::vector<int64_t> m_step;
    std::map<std::string, std::vector<double>> m_scalars;
    std::map<std::string, std::vector<double>> m_perExpert;  ///< row-major [rows, E]
};

}  // namespace moe::gui
