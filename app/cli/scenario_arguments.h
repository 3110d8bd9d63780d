// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

namespace moe::app {

/// Splits a command's arguments into scenario overrides (`--section.key=value`, `--seed=3`, or
/// the same with the value as the next token, rewritten to `--name=value`) and the command's own
/// arguments (positionals and any other `--option`), keeping their order. Shared by the commands
/// that take a scenario, so that overrides mean the same everywhere.
void splitArguments(const std::vector<std::string>& args, std::vector<std::string>& overrides,
                    std::vector<std::string>& own);

}  // namespace moe::app
