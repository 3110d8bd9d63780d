// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <vector>

namespace moe {

/// Where a routed expert stands in a run with lifelong-learning events (docs/lifelong.md). The
/// values are stored in the trace's `expert_state` dataset.
enum class ExpertState : uint8_t {
    Absent = 0,   ///< not added yet (its add_experts event lies ahead)
    Live = 1,     ///< routed and trained
    Frozen = 2,   ///< routed, but its parameters and router column no longer train
    Removed = 3,  ///< never routed again; its parameters stop changing
};

/// True for experts a router may pick (live or frozen).
inline bool routable(ExpertState s) {
    return s == ExpertState::Live || s == ExpertState::Frozen;
}

using ExpertStates = std::vector<ExpertState>;

}  // namespace moe
