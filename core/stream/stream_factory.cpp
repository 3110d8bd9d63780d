// SPDX-License-Identifier: MIT
#include "core/stream/stream_factory.h"

#include "core/stream/clusters_stream.h"
#include "core/stream/dumped_stream.h"
#include "core/stream/text_corpus.h"
#include "core/stream/text_stream.h"
#include "core/stream/zipf_stream.h"
#include "core/util/assert.h"
#include "core/util/rng.h"

#include <stdexcept>

namespace moe {

std::string textCorpusPath(const StreamConfig& cfg) {
    return cfg.path.empty() ? std::string(kDefaultTextCorpus) : cfg.path;
}

void TokenStream::setMixture(const std::vector<double>& /*weights*/) {
    throw std::invalid_argument("this stream has no domain mixture to change");
}

TokenBatch TokenStream::domainBatch(int /*domain*/, int /*nTokens*/, Rng& /*rng*/) const {
    throw std::invalid_argument("this stream cannot draw tokens of a chosen domain");
}

std::unique_ptr<TokenStream> makeStream(const StreamConfig& cfg, int width, int tokensPerStep,
                                        uint64_t seed) {
    switch (cfg.kind) {
        case StreamKind::Clusters:
            return std::make_unique<ClustersStream>(cfg, width, tokensPerStep,
                                                    Rng::derive(seed, "stream.init"),
                                                    Rng::derive(seed, "stream"));
        case StreamKind::Zipf:
            return std::make_unique<ZipfStream>(cfg, width, tokensPerStep,
                                                Rng::derive(seed, "stream.init"),
                                                Rng::derive(seed, "stream"));
        case StreamKind::Dumped:
            return std::make_unique<DumpedStream>(cfg, width, tokensPerStep,
                                                  Rng::derive(seed, "stream"));
        case StreamKind::Text: {
            auto corpus = loadTextCorpus(textCorpusPath(cfg), cfg.vocab);
            if (!corpus) throw std::invalid_argument("stream.path: " + corpus.error());
            return std::make_unique<TextStream>(cfg, std::move(*corpus), width, tokensPerStep,
                                                Rng::derive(seed, "stream.init"),
                                                Rng::derive(seed, "stream"));
        }
        default:
            MOELAB_ASSERT(false, "unknown StreamKind");
    }
    return nullptr;
}

}  // namespace moe
