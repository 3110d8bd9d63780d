// SPDX-License-Identifier: MIT
#include "app/gui/scenario_text.h"

namespace moe::gui {
namespace {

std::string_view trimmed(std::string_view s) {
    constexpr std::string_view kBlanks = " \t\r\n";
    const size_t first = s.find_first_not_of(kBlanks);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(kBlanks) - first + 1);
}

}  // namespace

std::map<std::string, std::string> scenarioEntries(std::string_view iniText) {
    std::map<std::string, std::string> entries;
    std::string section;
    while (!iniText.empty()) {
        const size_t end = iniText.find('\n');
        std::string_view line = iniText.substr(0, end);
        iniText.remove_prefix(end == std::string_view::npos ? iniText.size() : end + 1);
        line = trimmed(line.substr(0, line.find_first_of("#;")));
        if (line.empty()) continue;
        if (line.front() == '[' && line.back() == ']') {
            section = std::string(trimmed(line.substr(1, line.size() - 2)));
            continue;
        }
        const size_t equals = line.find('=');
        if (equals == std::string_view::npos) continue;
        const std::string_view key = trimmed(line.substr(0, equals));
        if (key.empty()) continue;
        const std::string name = section.empty() ? std::string(key) : section + "." + std::string(key);
        entries[name] = std::string(trimmed(line.substr(equals + 1)));
    }
    return entries;
}

std::string shellQuoted(std::string_view value) {
    const bool plain = !value.empty() && value.find_first_not_of(
                                             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789._-+/:,=@%") == std::string_view::npos;
    if (plain) return std::string(value);
    std::string out = "'";
    for (const char c : value) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

std::string runCommandLine(const std::string& file,
                           const std::vector<std::pair<std::string, std::string>>& changed) {
    std::string line = "moelab run";
    if (!file.empty()) line += " " + shellQuoted(file);
    for (const auto& [name, value] : changed) line += " " + shellQuoted("--" + name + "=" + value);
    return line;
}

}  // namespace moe::gui
