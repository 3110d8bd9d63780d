// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

namespace moe::app {

/// `moelab run SCENARIO.ini [--section.key=value ...] [--out TRACE.h5] [--force] [--quiet]`.
/// args excludes the program and command names. Returns the process exit code.
int runCommand(const std::vector<std::string>& args);

/// `moelab help [options]`.
int helpCommand(const std::vector<std::string>& args);

}  // namespace moe::app
