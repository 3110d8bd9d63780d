// SPDX-License-Identifier: MIT
#pragma once

#include <tl/expected.hpp>

#include <string>
#include <vector>

namespace moe::io {

/// What a trace of a text stream records besides its rows: the word of each token id
/// (/vocabulary) and the name of each domain (/domain_names). Both empty for other streams.
struct TraceText {
    std::vector<std::string> vocabulary;
    std::vector<std::string> domainNames;
};

/// Reads /vocabulary and /domain_names of a trace (SWMR read, so a running trace works). Absent
/// datasets give empty lists; a dataset that is not a 1-D list of variable-length strings is an
/// error naming the file and the dataset.
tl::expected<TraceText, std::string> readTraceText(const std::string& path);

}  // namespace moe::io
