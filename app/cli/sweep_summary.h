// SPDX-License-Identifier: MIT
#pragma once

#include "app/cli/sweep_plan.h"
#include "core/metrics/step_stats.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moe::app {

/// The metrics of one run that summary.csv reports: final = the last step's value, worst = the
/// maximum over every step (best for specialization, where higher is better). NaN values
/// (specialization without domain labels) are skipped by worst/best; all NaN gives NaN.
class RunMetrics {
public:
    void add(const StepStats& s);
    int64_t steps() const { return m_steps; }
    /// The metric columns in summaryColumns() order, from final_drop_fraction to final_task_loss.
    std::vector<double> values() const;

private:
    int64_t m_steps = 0;
    StepStats m_last;
    double m_worstDrop = 0, m_worstCv = 0, m_worstCollapse = 0, m_worstDead = 0;
    double m_bestSpecialization = 0;
    bool m_seenSpecialization = false;
};

/// One finished run (a point and a seed) as summary.csv reports it.
struct SweepRow {
    SweepPoint point;
    uint64_t seed = 0;
    RunMetrics metrics;
    double wallSeconds = 0;
    bool ok = true;
    std::string error;  ///< why the run failed (NaN step, trace I/O); empty when ok
};

/// summary.csv's header: the varied keys, seed, steps, status, the metrics, wall_time_s, error.
std::vector<std::string> summaryColumns(const std::vector<std::string>& keys);

/// A row's fields in summaryColumns() order; numbers in shortest round-trip form, so that the
/// same run always writes the same text.
std::vector<std::string> summaryFields(const SweepRow& row);

/// One CSV line (no newline); a field holding a comma, quote or line break is quoted (RFC 4180).
std::string formatCsvLine(const std::vector<std::string>& fields);

/// Splits one CSV line written by formatCsvLine.
std::vector<std::string> parseCsvLine(std::string_view line);

/// The sidecar DIR/<run>.done: summary header and the run's fields, two CSV lines.
std::string formatDoneFile(const std::vector<std::string>& keys, const SweepRow& row);

/// The run's summary fields from a sidecar's text, or nothing when the text is not a complete
/// sidecar of this sweep's columns (an older sweep with other --vary keys, a torn write).
std::optional<std::vector<std::string>> parseDoneFile(std::string_view text,
                                                      const std::vector<std::string>& keys);

/// True if summary fields (from summaryFields or parseDoneFile) are of a run that failed.
bool fieldsFailed(const std::vector<std::string>& keys, const std::vector<std::string>& fields);

/// summary_by_point.csv: the varied keys, `seeds` (runs that completed ok), `failed`, then
/// <column>_mean and <column>_std (sample standard deviation, n - 1; NaN below two runs) of
/// every numeric column of the ok runs. `rows` are summary fields, grouped by point in grid
/// order (each point's seeds next to each other); returns the header followed by one row per point.
std::vector<std::vector<std::string>> byPointTable(
    const std::vector<std::string>& keys, const std::vector<std::vector<std::string>>& rows);

}  // namespace moe::app
