// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moe::import {

/// Where a tensor of a record lies in a rank's sidecar file (hidden_states_rank{r}.bin or
/// logits_rank{r}.bin): raw bfloat16, row-major `shape`.
struct SidecarSlice {
    int64_t offset = 0;
    int64_t bytes = 0;
    std::vector<int64_t> shape;
};

/// One line of a Megatron-LM routing trace (router_trace_rank{r}.jsonl, written by
/// megatron/core/transformer/moe/router_trace.py): the top-k expert indices one router chose for
/// the tokens of one forward pass on one rank. docs/import.md lists the fields used.
struct MegatronRecord {
    int64_t step = 0;
    int64_t layer = 0;
    int64_t rank = 0;
    std::string block = "decoder";    ///< "decoder" or "mtp"
    int64_t topk = 0;
    int64_t numTokens = 0;
    std::vector<int32_t> topIndices;  ///< [numTokens * topk], row-major
    std::optional<SidecarSlice> hiddenStates;
    std::optional<SidecarSlice> logits;
};

/// Parses one JSONL line. `where` ("dir/router_trace_rank0.jsonl:12") prefixes every error.
/// Throws BadInput for invalid JSON, a missing or mistyped field (step, layer, rank,
/// top_indices), rows of top_indices whose lengths differ, num_tokens or topk that disagree with
/// top_indices, or negative expert indices.
MegatronRecord parseMegatronRecord(const std::string& line, const std::string& where);

}  // namespace moe::import
