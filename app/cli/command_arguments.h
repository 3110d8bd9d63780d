// SPDX-License-Identifier: MIT
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace moe::app {

/// Parses a command's own arguments (options of `desc`, positionals by `positional`) into vm.
/// On a Boost error prints "moelab COMMAND: <error>" on stderr and returns false, so every
/// command reports bad arguments the same way (exit 2 is the caller's).
bool parseCommandArguments(const char* command, const std::vector<std::string>& args,
                           const boost::program_options::options_description& desc,
                           const boost::program_options::positional_options_description& positional,
                           boost::program_options::variables_map& vm);

}  // namespace moe::app
