// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>

namespace moe::import {

/// An input file that cannot be imported as it is (malformed, inconsistent, missing): the
/// command reports it as bad input (exit 2). Failures to write the output are plain
/// std::runtime_error (exit 1).
struct BadInput : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace moe::import
