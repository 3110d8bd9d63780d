// SPDX-License-Identifier: MIT
#pragma once

#include <memory>

#include "core/config/scenario_config.h"
#include "core/io/route_batch_reader.h"
#include "core/routing/router.h"

namespace moe::app {

/// Routes `batch` (its /logits, or /tokens with /router_weight) with the token-choice style
/// router the scenario names, in the mode `ctx` says. Returns null after printing an error for
/// a kind `route` does not offer. The router stays alive in `holder` because the returned
/// decision is owned by it; `losses` receives its balancing losses.
const RoutingDecision* routeBatch(const ScenarioConfig& cfg, const io::RouteBatch& batch,
                                  const RouteContext& ctx, std::unique_ptr<Router>& holder,
                                  BalanceLosses& losses);

}  // namespace moe::app
