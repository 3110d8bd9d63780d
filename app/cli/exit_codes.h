// SPDX-License-Identifier: MIT
#pragma once

namespace moe::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeFailure = 1;  ///< NaN/Inf, I/O failure during a run
inline constexpr int kExitBadInput = 2;        ///< bad scenario, options or input files
inline constexpr int kExitInterrupted = 130;   ///< stopped by SIGINT/SIGTERM, trace closed

}  // namespace moe::app
