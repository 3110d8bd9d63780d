// SPDX-License-Identifier: MIT
#include "core/util/assert.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace moe {
namespace {

void abortingHandler(const char* file, int line, const std::string& message) {
    std::fprintf(stderr, "moelab: internal error at %s:%d: %s\n", file, line, message.c_str());
    std::abort();
}

AssertHandler g_handler = &abortingHandler;

}  // namespace

AssertHandler setAssertHandler(AssertHandler handler) {
    AssertHandler previous = g_handler;
    g_handler = handler ? handler : &abortingHandler;
    return previous;
}

void assertFailed(const char* file, int line, const std::string& message) {
    g_handler(file, line, message);
    // A handler must not return; if it does, stop anyway.
    std::abort();
}

}  // namespace moe
