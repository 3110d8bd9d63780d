// SPDX-License-Identifier: MIT
#pragma once

#include <tl/expected.hpp>

#include <string>

namespace moe::app {

/// The name a run writes its trace under until the run completes: TRACE.partial, in the same
/// folder as TRACE so that publishing it is a rename within one file system. A run that fails,
/// is stopped or is killed leaves its trace under this name (docs/trace-schema.md).
std::string partialTracePath(const std::string& tracePath);

/// Checks, before any work, that a trace can be created at `tracePath`: its folder exists, is
/// a folder, and accepts a new file. The last is probed by creating and removing a uniquely
/// named empty file, because permission bits say nothing for root or a read-only mount. The
/// error names the path and the reason.
tl::expected<void, std::string> checkTraceDestination(const std::string& tracePath);

/// Moves the finished trace `partialPath` to `tracePath`, atomically. Unless `replace`, an
/// existing `tracePath` is left untouched and the move fails (also when that file appeared
/// during the run). The error names both files.
tl::expected<void, std::string> publishTrace(const std::string& partialPath,
                                             const std::string& tracePath, bool replace);

}  // namespace moe::app
