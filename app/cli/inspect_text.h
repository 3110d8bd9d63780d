// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace moe::app {

/// `moelab inspect TRACE.h5 --experts`: per expert, over every per-token snapshot of `layer`,
/// the tokens it received as first choice, its most frequent words (or token ids) and its top
/// domains. Returns the exit code (2 for a trace without snapshots).
int printExpertVocabulary(const std::string& path, int layer, int topWords);

/// `moelab inspect TRACE.h5 --text STEP`: the first `tokens` tokens of the snapshot nearest to
/// STEP as a passage, each word tagged with its first-choice expert: coloured on a terminal
/// (a fixed colour per expert, with a legend), `word[e]` otherwise. Returns the exit code.
int printRoutedText(const std::string& path, int layer, int64_t step, int tokens, bool colour);

}  // namespace moe::app
