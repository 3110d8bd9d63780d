// SPDX-License-Identifier: MIT
#pragma once

#include "core/config/scenario_config.h"
#include "core/util/issue.h"

#include <tl/expected.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace boost::program_options {
class options_description;
}

namespace moe {

/// The one table of scenario options: every option, its dotted name `section.key`, its default
/// and its help text. It is the only place defaults live; parsing, rendering, validation ranges,
/// `moelab help options` and the GUI form are all derived from it. Values are declared as
/// strings (converted by this module, so that errors can name file, line and accepted values).
/// The table is built once and never changes; the reference stays valid for the program's life.
const boost::program_options::options_description& scenarioOptions();

/// One option as shown to users: name "router.k", section "router" ("" for `seed`), default as
/// written in a scenario file, one-line help, and the accepted values or range
/// ("integer >= 1", "position | token | score").
struct OptionInfo {
    std::string name;
    std::string section;
    std::string defaultText;
    std::string help;
    std::string accepted;
};

/// Every option of scenarioOptions(), in table order (grouped by section).
std::vector<OptionInfo> optionCatalog();

/// A readable listing of every option grouped by section: name, default, accepted values, help.
std::string formatOptionsHelp();

/// Parses a scenario from INI text plus command-line overrides (which win over the text).
/// `iniText` uses `[section]` headers and `key = value` lines; '#' and ';' start comments.
/// `sourceName` names the text in issues (usually its path; may be empty). `overrides` are tokens
/// such as "--router.k=2", "router.k=2", or "--router.k" followed by "2"; a key given twice on
/// the command line takes its last value. On success the config is validated
/// (validateScenario), `sourceName` is stored and `scenarioText` holds renderScenarioIni of the
/// result. On failure returns every issue found (unknown keys, bad values, duplicate keys,
/// impossible combinations). Never throws for bad input.
tl::expected<ScenarioConfig, std::vector<Issue>> parseScenarioText(
    std::string_view iniText, std::string_view sourceName,
    const std::vector<std::string>& overrides);

/// Reads the scenario file `iniPath` (empty: defaults only) and applies `overrides` as in
/// parseScenarioText. A missing, unreadable or oversized file is reported as an issue naming
/// the path.
tl::expected<ScenarioConfig, std::vector<Issue>> loadScenario(
    const std::string& iniPath, const std::vector<std::string>& overrides);

/// Every problem with a fully parsed scenario: values out of range, impossible combinations
/// (router.k > model.experts, groups that do not divide the experts, ...), options not yet
/// available in this version, and sizes whose per-step matrices would not fit in 16 GiB.
/// Issues carry the option key and `config.sourceName` as file; an empty result means valid.
std::vector<Issue> validateScenario(const ScenarioConfig& config);

/// The whole scenario as INI text: every option (defaults included) grouped in [sections], enum
/// names as in the table, doubles in their shortest exact form. Parsing it back with
/// parseScenarioText gives an identical ScenarioConfig; traces store this text.
std::string renderScenarioIni(const ScenarioConfig& config);

}  // namespace moe
