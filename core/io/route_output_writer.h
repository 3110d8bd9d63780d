// SPDX-License-Identifier: MIT
#pragma once

#include "core/metrics/step_stats.h"
#include "core/routing/routing_decision.h"
#include "core/routing/soft_moe_router.h"

#include <tl/expected.hpp>

#include <string>

namespace moe::io {

/// What the `moelab route` output records besides the decision and its metrics.
struct RouteOutputInfo {
    std::string routerKind;  ///< router.kind as in scenario files
    std::string moelabVersion;
    std::string scenario;  ///< full INI text of the options used (ScenarioConfig::scenarioText)
};

/// Writes the `moelab route` output file (INTERFACES.md, normative): /combine float32 [T, E],
/// /dispatch uint8 [T, E], /choice int32 [T, k], /kept uint8 [T, k], per-expert float64 [E]
/// /demand, /load, /dropped, /importance, /mean_score, and as scalar attributes on "/" the
/// ROUTING.md §10 metrics of `stats` under their trace names plus capacity (int64, -1 =
/// unlimited), router_kind, k, n_tokens, n_experts, moelab_version and scenario.
/// The file is written as "<path>.tmp" and renamed to `path` (replacing it) only once complete,
/// so a failure never leaves a partial file under the real name; the temporary file is removed
/// on failure. Errors read "<path>: <object>: <detail>"; never throws for I/O failures.
tl::expected<void, std::string> writeRouteOutput(const std::string& path,
                                                 const RoutingDecision& decision,
                                                 const StepStats& stats,
                                                 const RouteOutputInfo& info);

/// The same file for soft MoE (INTERFACES.md): /combine float32 [T, E] = the per-expert combine
/// mass of each token (SoftRouting::mass), /dispatch uint8 [T, E] = 1 where that mass is > 0,
/// /dispatch_weights and /combine_weights float32 [T, E*P] (D and Cw), the per-expert arrays
/// and scalar attributes as above (capacity from stats, -1), with `slots` (P) instead of k and
/// no /choice or /kept. Written and failing like writeRouteOutput.
tl::expected<void, std::string> writeSoftRouteOutput(const std::string& path,
                                                     const SoftRouting& routing,
                                                     const StepStats& stats,
                                                     const RouteOutputInfo& info);

}  // namespace moe::io
