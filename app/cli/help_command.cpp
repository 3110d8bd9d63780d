// SPDX-License-Identifier: MIT
#include <fmt/core.h>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "core/config/options.h"

namespace moe::app {

int helpCommand(const std::vector<std::string>& args) {
    if (!args.empty() && args[0] == "options") {
        fmt::print("{}", formatOptionsHelp());
        return kExitOk;
    }
    if (!args.empty()) {
        fmt::print(stderr, "moelab help: unknown topic '{}'; topics: options\n", args[0]);
        return kExitBadInput;
    }
    fmt::print(
        "moelab {}: Mixture-of-Experts routing simulator\n\n"
        "usage:\n"
        "  moelab run SCENARIO.ini [--section.key=value ...] [--out TRACE.h5] [--force] [--quiet]\n"
        "      train one scenario and write its trace (HDF5); exit 0 ok, 1 runtime failure,\n"
        "      2 bad input, 130 interrupted (the trace is closed and keeps every step so far)\n"
        "  moelab help options\n"
        "      every scenario option with its default, accepted values and meaning\n",
        MOELAB_VERSION);
    return kExitOk;
}

}  // namespace moe::app
