// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <vector>

#include "core/config/scenario_config.h"
#include "core/stream/text_corpus.h"
#include "core/stream/token_stream.h"
#include "core/util/rng.h"

namespace moe {

/// `stream.kind = text`: the words of a real corpus, record after record, as hidden states.
/// Each token id has a fixed random embedding (norm about stream.separation); with
/// stream.context = a > 0 the state mixes in a causal context, h_t = (1 - a) e_t + a c_t, where
/// c_t is the average of the embeddings of the record's previous stream.context_window tokens
/// weighted by stream.context_decay^j (j = 1 for the previous token), so the router sees
/// context as a real model's hidden state carries it; then N(0, spread^2 / d) noise per entry.
/// Records are visited in a seeded random order, a new one each epoch, and concatenated: a
/// batch holds whole runs of consecutive tokens of a record (sequence-wise losses and positions
/// keep their meaning). Domains are the corpus's files.
class TextStream final : public TokenStream {
public:
    /// width >= 1, tokensPerStep >= 1, a corpus with at least one record (asserted). initRng
    /// draws the embeddings; stepRng the record order and the noise.
    TextStream(const StreamConfig& cfg, TextCorpus corpus, int width, int tokensPerStep,
               Rng initRng, Rng stepRng);

    TokenBatch next(int64_t step) override;
    int width() const override { return m_width; }
    int nDomains() const override { return static_cast<int>(m_corpus.domainNames.size()); }
    const std::vector<std::string>* vocabulary() const override { return &m_corpus.vocabulary; }
    const std::vector<std::string>* domainNames() const override { return &m_corpus.domainNames; }

    const TextCorpus& corpus() const { return m_corpus; }
    const Matrix& embeddings() const { return m_embeddings; }

private:
    void nextRecord();

    TextCorpus m_corpus;
    int m_width;
    int m_tokensPerStep;
    int m_seqLen;
    Scalar m_mix;
    int m_window;
    std::vector<Scalar> m_decayWeights;  ///< [window] decay^1 .. decay^window
    Scalar m_noiseScale;
    Matrix m_embeddings;                 ///< [V, d]
    Rng m_rng;
    std::vector<int32_t> m_order;        ///< this epoch's record order
    size_t m_orderIndex = 0;
    size_t m_position = 0;               ///< next token of the current record
};

}  // namespace moe
