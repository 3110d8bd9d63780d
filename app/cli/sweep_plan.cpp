// SPDX-License-Identifier: MIT
#include "app/cli/sweep_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace moe::app {

tl::expected<VaryAxis, std::string> parseVary(std::string_view spec) {
    const size_t eq = spec.find('=');
    if (eq == std::string_view::npos)
        return tl::unexpected(fmt::format("--vary {}: expected KEY=V1,V2,...", spec));
    std::string_view key = spec.substr(0, eq);
    if (key.substr(0, 2) == "--") key.remove_prefix(2);
    if (key.empty()) return tl::unexpected(fmt::format("--vary {}: the key is empty", spec));
    VaryAxis axis{std::string(key), {}};
    std::string_view rest = spec.substr(eq + 1);
    while (true) {
        const size_t comma = rest.find(',');
        const std::string value(rest.substr(0, comma));
        if (value.empty())
            return tl::unexpected(fmt::format("--vary {}: empty value in the list", spec));
        if (std::find(axis.values.begin(), axis.values.end(), value) != axis.values.end())
            return tl::unexpected(fmt::format("--vary {}: value '{}' given twice", spec, value));
        axis.values.push_back(value);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return axis;
}

tl::expected<std::vector<VaryAxis>, std::string> parseVaryList(
    const std::vector<std::string>& specs) {
    std::vector<VaryAxis> axes;
    std::set<std::string> keys;
    for (const std::string& spec : specs) {
        auto axis = parseVary(spec);
        if (!axis) return tl::unexpected(axis.error());
        if (axis->key == "seed")
            return tl::unexpected(std::string("--vary seed: use --seeds N to run several seeds"));
        // Every point runs on one thread (see sweepCommand); varying it would only rename runs.
        if (axis->key == "train.threads")
            return tl::unexpected(
                std::string("--vary train.threads: a sweep runs each point on one thread"));
        if (!keys.insert(axis->key).second)
            return tl::unexpected(fmt::format("--vary {}: the key is varied twice", axis->key));
        axes.push_back(std::move(*axis));
    }
    return axes;
}

std::vector<SweepPoint> sweepGrid(const std::vector<VaryAxis>& axes) {
    std::vector<SweepPoint> grid{SweepPoint{}};
    for (const VaryAxis& axis : axes) {
        std::vector<SweepPoint> next;
        next.reserve(grid.size() * axis.values.size());
        for (const SweepPoint& prefix : grid)
            for (const std::string& value : axis.values) {
                SweepPoint point = prefix;
                point.emplace_back(axis.key, value);
                next.push_back(std::move(point));
            }
        grid = std::move(next);
    }
    return grid;
}

std::vector<std::string> pointOverrides(const SweepPoint& point) {
    std::vector<std::string> overrides;
    for (const auto& [key, value] : point) overrides.push_back(fmt::format("--{}={}", key, value));
    return overrides;
}

std::string pointLabel(const SweepPoint& point) {
    if (point.empty()) return "(base scenario)";
    std::string label;
    for (const auto& [key, value] : point)
        label += fmt::format("{}{}={}", label.empty() ? "" : " ", key, value);
    return label;
}

std::string encodeNameValue(std::string_view value) {
    std::string out;
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '.' || c == '_' || c == '+' || c == '-')
            out += c;
        else
            out += fmt::format("%{:02X}", u);
    }
    return out;
}

std::string runName(const SweepPoint& point, uint64_t seed) {
    std::string name;
    for (const auto& [key, value] : point)
        name += encodeNameValue(key) + "-" + encodeNameValue(value) + "_";
    return name + fmt::format("seed{}", seed);
}

std::optional<std::pair<std::string, std::string>> findNameCollision(
    const std::vector<std::string>& names) {
    std::map<std::string, std::string> seen;
    for (const std::string& name : names) {
        std::string folded = name;
        std::transform(folded.begin(), folded.end(), folded.begin(), [](char c) {
            return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        });
        const auto [it, inserted] = seen.emplace(folded, name);
        if (!inserted) return std::make_pair(it->second, name);
    }
    return std::nullopt;
}

}  // namespace moe::app
