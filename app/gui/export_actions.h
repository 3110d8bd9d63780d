// SPDX-License-Identifier: MIT
#pragma once

#include <tl/expected.hpp>

#include <string>

class QCustomPlot;

namespace moe::io {
struct TraceData;
}

namespace moe::gui {

/// Writes one plot as shown (its current size, at least 800 x 500 so that a small pane still
/// gives a readable figure) as PNG, SVG or PDF by the extension of `path`.
tl::expected<void, std::string> exportPlot(QCustomPlot& plot, const std::string& path);

/// Writes the dashboard figure of `data` (`moelab plot --kind all`) as PNG, SVG or PDF.
tl::expected<void, std::string> exportDashboard(const io::TraceData& data,
                                                const std::string& title,
                                                const std::string& path);

/// Writes every per-step curve of `data` as CSV: a header row `step,<dataset>,...` (datasets in
/// name order), then one row per trace row; numbers in shortest round-trip form, NaN as "nan".
tl::expected<void, std::string> exportCurvesCsv(const io::TraceData& data, const std::string& path);

/// Writes the scenario text that produced a run (the trace's `scenario` attribute) verbatim.
tl::expected<void, std::string> exportScenario(const std::string& scenario,
                                               const std::string& path);

}  // namespace moe::gui
