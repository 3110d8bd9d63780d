// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace moe::io {
struct TraceHeader;
}

namespace moe::plots {

/// The value of `key` in `[section]` of a trace's stored scenario text (root entries have an
/// empty section), or "" when it is absent (a key an older moelab did not write).
std::string scenarioValue(const std::string& scenario, const std::string& section,
                          const std::string& key);

/// The line that heads every figure of a trace: router kind, k, E and capacity factor from the
/// header and the stored scenario, then the layer and `source` (usually the file name), e.g.
/// "token_choice router, k = 2, E = 16, capacity factor 1 | layer 0 of 1 | default.h5".
std::string figureTitle(const io::TraceHeader& header, int layer, const std::string& source);

}  // namespace moe::plots
