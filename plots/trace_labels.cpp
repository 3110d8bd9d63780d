// SPDX-License-Identifier: MIT
#include "plots/trace_labels.h"

#include "core/io/trace_reader.h"

#include <fmt/format.h>

#include <sstream>

namespace moe::plots {
namespace {

std::string trimmed(const std::string& text) {
    const size_t first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r") + 1 - first);
}

}  // namespace

std::string scenarioValue(const std::string& scenario, const std::string& section,
                          const std::string& key) {
    // The stored text is the INI that moelab rendered itself: one `key = value` per line.
    std::istringstream lines(scenario);
    std::string line;
    std::string current;
    while (std::getline(lines, line)) {
        line = trimmed(line);
        if (!line.empty() && line.front() == '[') {
            current = line.substr(1, line.find(']') - 1);
            continue;
        }
        const size_t equals = line.find('=');
        if (current != section || equals == std::string::npos) continue;
        if (trimmed(line.substr(0, equals)) == key) return trimmed(line.substr(equals + 1));
    }
    return {};
}

std::string figureTitle(const io::TraceHeader& header, int layer, const std::string& source) {
    std::string title =
        fmt::format("{} router", header.routerKind.empty() ? "?" : header.routerKind);
    const std::string k = scenarioValue(header.scenario, "router", "k");
    if (!k.empty()) title += fmt::format(", k = {}", k);
    title += fmt::format(", E = {}", header.nExperts);
    const std::string capacityFactor = scenarioValue(header.scenario, "router", "capacity_factor");
    if (!capacityFactor.empty()) title += fmt::format(", capacity factor {}", capacityFactor);
    title += fmt::format("  |  layer {} of {}", layer, header.nLayers);
    if (!source.empty()) title += fmt::format("  |  {}", source);
    return title;
}

}  // namespace moe::plots
