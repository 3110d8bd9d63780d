// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace moe {

/// Called when an internal invariant fails. The default handler prints the message and aborts;
/// tests install a throwing handler to check preconditions (see setAssertHandler).
using AssertHandler = void (*)(const char* file, int line, const std::string& message);

/// Replaces the assertion handler and returns the previous one. Not thread-safe: call at start-up.
AssertHandler setAssertHandler(AssertHandler handler);

[[noreturn]] void assertFailed(const char* file, int line, const std::string& message);

}  // namespace moe

/// An assertion that stays on in release builds: for broken invariants (bugs), never for bad
/// user input, which is reported as an error value instead.
#define MOELAB_ASSERT(cond, msg)                                                   \
    do {                                                                           \
        if (!(cond)) ::moe::assertFailed(__FILE__, __LINE__, std::string(#cond) + ": " + (msg)); \
    } while (false)
