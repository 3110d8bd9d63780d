// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "core/config/scenario_config.h"
#include "core/io/route_batch_reader.h"

namespace moe::app {

/// `moelab route STREAM.h5 --replay --out TRACE.h5`: routes a stream of logits recorded over a
/// real run (an imported Megatron-LM dumped stream: /logits with /step and /record per row) the
/// way the run did, one routing call per record (a rank's batch, with its own capacity), and
/// writes a trace with one row per step, merged as `moelab import megatron` merges the real
/// decisions (mergeStepParts), so the two traces compare step by step. Evaluation mode, no
/// training. Without /record, the rows of a step with the same /rank form one call; without
/// /rank, the whole step. Returns the exit code.
int replayToTrace(const ScenarioConfig& cfg, const io::RouteBatch& batch, const std::string& input,
                  const std::string& out);

}  // namespace moe::app
