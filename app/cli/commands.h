// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

namespace moe::app {

/// `moelab run SCENARIO.ini [--section.key=value ...] [--out TRACE.h5] [--force] [--quiet]`.
/// args excludes the program and command names. Returns the process exit code.
int runCommand(const std::vector<std::string>& args);

/// `moelab sweep SCENARIO.ini --vary KEY=V1,V2,... [--vary ...] [--seeds N] [--jobs N] --out DIR
/// [--force] [--quiet] [--section.key=value ...]`: runs the cartesian product of the --vary values
/// (and N seeds each) in parallel, one trace per run, resumable; writes DIR/summary.csv.
int sweepCommand(const std::vector<std::string>& args);

/// `moelab route INPUT.h5 --out OUTPUT.h5 [--replay] [--force] [SCENARIO.ini]
/// [--section.key=value ...]`: routes one dumped batch in evaluation mode and writes the decision
/// (INTERFACES.md); with --replay, routes a recorded stream step by step into a trace.
int routeCommand(const std::vector<std::string>& args);

/// `moelab inspect TRACE.h5 [--step N] [--metric NAME] [--csv] [--scenario] [--layer L]
/// [--experts] [--text STEP [--tokens N]]`:
/// summarises a trace or prints one metric or step of it (INTERFACES.md); reads traces that a
/// run is still writing.
int inspectCommand(const std::vector<std::string>& args);

/// `moelab plot TRACE.h5 --out FIG.png|FIG.svg|FIG.pdf [--kind load|drops|collapse|loss|all]
/// [--width W --height H] [--layer L]`: renders a trace's plots headless. Exit 2 on bad input,
/// an unwritable output, or a build without plotting (MOELAB_BUILD_GUI=OFF).
int plotCommand(const std::vector<std::string>& args);

/// `moelab import megatron DIR|FILES --out TRACE.h5 ...` and `moelab import npy FILES --out
/// STREAM.h5 ...` (docs/import.md): Megatron-LM routing traces into a moelab trace, NumPy arrays
/// into a dumped-stream file. Exit 2 for malformed inputs, 1 when writing fails; no partial
/// output is left behind either way.
int importCommand(const std::vector<std::string>& args);

/// `moelab help [options]`.
int helpCommand(const std::vector<std::string>& args);

}  // namespace moe::app
