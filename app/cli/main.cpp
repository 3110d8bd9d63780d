// SPDX-License-Identifier: MIT
// moelab: the headless front-end. Each command lives in its own file; main only dispatches and
// holds the last-resort catch.
#include <fmt/core.h>

#include <exception>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"

int main(int argc, char** argv) {
    using namespace moe::app;
    const std::vector<std::string> all(argv + 1, argv + argc);
    if (all.empty() || all[0] == "help" || all[0] == "--help" || all[0] == "-h")
        return helpCommand(all.empty() ? all : std::vector<std::string>(all.begin() + 1, all.end()));
    const std::string command = all[0];
    const std::vector<std::string> args(all.begin() + 1, all.end());
    try {
        if (command == "run") return runCommand(args);
        if (command == "sweep") return sweepCommand(args);
        if (command == "route") return routeCommand(args);
        if (command == "plot") return plotCommand(args);
        if (command == "inspect") return inspectCommand(args);
        if (command == "import") return importCommand(args);
        if (command == "--version" || command == "version") {
            fmt::print("moelab {}\n", MOELAB_VERSION);
            return kExitOk;
        }
        fmt::print(stderr, "moelab: unknown command '{}'; commands: run, sweep, route, inspect, plot, import, help (see 'moelab help')\n",
                   command);
        return kExitBadInput;
    } catch (const std::exception& e) {
        fmt::print(stderr, "moelab {}: {}\n", command, e.what());
        return kExitRuntimeFailure;
    }
}
