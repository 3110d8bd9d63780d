// SPDX-License-Identifier: MIT
#pragma once

#include "core/config/scenario_config.h"
#include "core/stream/token_stream.h"

#include <cstdint>
#include <memory>
#include <string>

namespace moe {

/// The token stream of `stream.kind`, producing tokensPerStep tokens of width `width` per step.
/// Its randomness comes from Rng::derive(seed, "stream.init") for construction draws (centres,
/// embeddings, permutations) and Rng::derive(seed, "stream") for per-step draws, so the same
/// seed gives the same data regardless of what else the simulation draws.
/// Preconditions as the stream constructors (asserted); the config is validated upstream.
/// Throws std::invalid_argument for a dumped stream whose file is missing or malformed, or a
/// text corpus that cannot be read.
std::unique_ptr<TokenStream> makeStream(const StreamConfig& cfg, int width, int tokensPerStep,
                                        uint64_t seed);

/// The corpus `stream.kind = text` reads: stream.path, or Debian's fortunes when it is empty.
std::string textCorpusPath(const StreamConfig& cfg);

}  // namespace moe
