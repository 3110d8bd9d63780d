// SPDX-License-Identifier: MIT
#pragma once

#include "core/config/options.h"
#include "core/config/scenario_config.h"
#include "core/util/issue.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moe {

// The keys of `[event.NAME]` sections (lifelong-learning events, docs/lifelong.md). Events are
// not in the Boost table because their section names are free; options.cpp collects their
// `key = value` lines (and `--event.NAME.key=value` overrides) and hands them here, so they get
// the same file/line/accepted-values messages as every other option.

/// One `key = value` of an event section, with where it was set (line 0 = command line).
struct EventEntry {
    std::string value;
    std::string file;
    int line = 0;
};
/// NAME -> key -> entry.
using EventEntries = std::map<std::string, std::map<std::string, EventEntry>>;

/// "event.grow.add_experts" -> {"grow", "add_experts"}; "event.grow.stream.mixture" ->
/// {"grow", "stream.mixture"}; nullopt if `option` does not start with "event." or has no key.
std::optional<std::pair<std::string, std::string>> splitEventOption(std::string_view option);

/// The events of `entries`, sorted by (at, name). Unknown keys, bad values, bad names and a
/// missing `at` are added to `issues`, naming "event.NAME.key", the file and line.
std::vector<EventConfig> parseEvents(const EventEntries& entries, std::vector<Issue>& issues);

/// Rules that involve the rest of the scenario: expert ids in range (counting earlier
/// add_experts), never every expert removed, router.k at most the live experts, router kinds and
/// streams that support the actions. Each problem is {"event.NAME.key", message}.
std::vector<std::pair<std::string, std::string>> checkEvents(const ScenarioConfig& config);

/// The events as `[event.NAME]` sections, keys that are set only; parses back to the same events.
std::string renderEvents(const std::vector<EventConfig>& events);

/// One line per action of an event ("add_experts = 1; freeze_experts = old"), for traces.
std::string describeEvent(const EventConfig& event);

/// The event keys for `moelab help options`: name "event.NAME.<key>", section "event.NAME".
std::vector<OptionInfo> eventKeyCatalog();

}  // namespace moe
