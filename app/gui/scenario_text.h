// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moe::gui {

/// The `key = value` entries of scenario INI text by dotted name ("router.k"; entries before
/// any [section] keep their bare key, "seed"), as the option table reads them: '#' and ';'
/// start comments, blanks around keys and values are trimmed, a later entry wins. Lines that
/// are not entries are skipped; parseScenarioText reports them.
std::map<std::string, std::string> scenarioEntries(std::string_view iniText);

/// `value` quoted for a POSIX shell when it needs it ('...' with embedded quotes escaped).
std::string shellQuoted(std::string_view value);

/// "moelab run FILE --name=value ..." for the options in `changed`, in the given order; the file
/// is left out when `file` is empty (the run then starts from the defaults).
std::string runCommandLine(const std::string& file,
                           const std::vector<std::pair<std::string, std::string>>& changed);

}  // namespace moe::gui
