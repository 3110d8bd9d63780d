// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/enums.h"

namespace moe::import {

struct MegatronImportOptions {
    /// Directories (every router_trace_rank*.jsonl in them) and/or .jsonl files.
    std::vector<std::string> inputs;
    std::string out;               ///< the moelab trace to write
    bool overwrite = false;
    int64_t experts = 0;           ///< E; 0 = from the logits sidecar's shape
    double capacityFactor = 0;     ///< 0 = dropless (nothing dropped)
    int64_t minCapacity = 0;
    Priority priority = Priority::Position;  ///< position or token (the records have no scores)
    std::string dumpedOut;         ///< when set, a dumped-stream file from the sidecars
    int64_t dumpedLayer = -1;      ///< the layer whose sidecars go there; -1 = the first MoE layer
    std::string moelabVersion;
};

struct MegatronImportResult {
    int64_t records = 0;
    int64_t steps = 0;
    std::vector<int64_t> layers;   ///< Megatron layer numbers, one trace group each, in order
    std::vector<int64_t> ranks;
    int64_t experts = 0;
    int64_t skippedMtpRecords = 0;
    int64_t dumpedRows = 0;        ///< rows written to the dumped-stream file
    std::vector<std::string> notes;
};

/// The scenario text an imported trace records as its @scenario: what the import assumed
/// (experts, top-k, capacity policy), as comments and options. Exposed for tests.
std::string importedScenarioText(const MegatronImportOptions& options, int64_t experts, int64_t topk,
                                 const std::vector<std::string>& files);

/// Reads Megatron-LM routing traces (all ranks), merges the records by step and layer, applies
/// the capacity policy to each record (one rank's forward pass, as its router saw it) and writes
/// a moelab trace: group layer_<i> for the i-th MoE layer (its Megatron number in
/// @source_layer), one row per step, with demand, load, dropped, the drop fractions and the
/// load statistics of ROUTING.md §10; metrics the records cannot give (losses, router entropy,
/// importance, specialization) are NaN. See docs/import.md. Throws BadInput for malformed or
/// inconsistent inputs (naming file and line), std::runtime_error when writing fails; in both
/// cases no output file is left behind.
MegatronImportResult importMegatron(const MegatronImportOptions& options);

}  // namespace moe::import
