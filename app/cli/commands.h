// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

namespace moe::app {

/// `moelab run SCENARIO.ini [--section.key=value ...] [--out TRACE.h5] [--force] [--quiet]`.
/// args excludes the program and command names. Returns the process exit code.
int runCommand(const std::vector<std::string>& args);

/// `moelab route INPUT.h5 --out OUTPUT.h5 [--force] [SCENARIO.ini] [--section.key=value ...]`:
/// routes one dumped batch in evaluation mode and writes the decision (INTERFACES.md).
int routeCommand(const std::vector<std::string>& args);

/// `moelab help [options]`.
int helpCommand(const std::vector<std::string>& args);

}  // namespace moe::app
