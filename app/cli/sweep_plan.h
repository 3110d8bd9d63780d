// SPDX-License-Identifier: MIT
#pragma once

#include <tl/expected.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moe::app {

/// One `--vary key=v1,v2,...`: a scenario option and the values it takes, in the order given.
struct VaryAxis {
    std::string key;
    std::vector<std::string> values;
};

/// Parses one `--vary` value ("router.k=1,2"; a leading "--" on the key is accepted). Errors:
/// no '=', an empty key, an empty value ("a,,b", "a,"), a value given twice. Whether the key
/// exists and the values are valid is the scenario loader's business.
tl::expected<VaryAxis, std::string> parseVary(std::string_view spec);

/// Parses every `--vary` and refuses a key varied twice, `seed` (use --seeds) and
/// `train.threads` (a sweep runs every point on one thread).
tl::expected<std::vector<VaryAxis>, std::string> parseVaryList(
    const std::vector<std::string>& specs);

/// One point of the grid: (key, value) for each axis, in axis order.
using SweepPoint = std::vector<std::pair<std::string, std::string>>;

/// The cartesian product of the axes, the last axis varying fastest (like nested loops in the
/// order of the `--vary` options). No axes: one point with no values.
std::vector<SweepPoint> sweepGrid(const std::vector<VaryAxis>& axes);

/// The point's values as scenario overrides ("--router.k=2").
std::vector<std::string> pointOverrides(const SweepPoint& point);

/// The point for people: "router.kind=expert_choice router.k=2" ("(base scenario)" if empty).
std::string pointLabel(const SweepPoint& point);

/// A value made safe for a file name: letters, digits and ". _ + -" stay, every other byte
/// becomes %XX (so "/" and "%" cannot appear). Injective.
std::string encodeNameValue(std::string_view value);

/// The file stem of one run: "router.kind-expert_choice_router.k-2_seed3". Readable rather than
/// provably unique: two points could share a stem only through values that differ in letter case
/// alone or that contain "_<next key>-"; the sweep refuses those grids (findNameCollision).
std::string runName(const SweepPoint& point, uint64_t seed);

/// Two names that would be the same file on a case-insensitive file system, if any.
std::optional<std::pair<std::string, std::string>> findNameCollision(
    const std::vector<std::string>& names);

/// Rows a complete trace holds: one per trace.every steps, from step 0.
inline int64_t expectedTraceRows(int64_t steps, int64_t every) {
    return steps <= 0 ? 0 : (steps + every - 1) / every;
}

}  // namespace moe::app
