// SPDX-License-Identifier: MIT
#include "core/stream/text_stream.h"

#include <cmath>
#include <utility>

#include "core/stream/normal_fill.h"
#include "core/stream/zipf_stream.h"
#include "core/util/assert.h"

namespace moe {

TextStream::TextStream(const StreamConfig& cfg, TextCorpus corpus, int width, int tokensPerStep,
                       Rng initRng, Rng stepRng)
    : m_corpus(std::move(corpus)),
      m_width(width),
      m_tokensPerStep(tokensPerStep),
      m_seqLen(cfg.seqLen > 0 ? cfg.seqLen : tokensPerStep),
      m_mix(static_cast<Scalar>(cfg.context)),
      m_window(cfg.contextWindow),
      m_noiseScale(static_cast<Scalar>(cfg.spread / std::sqrt(static_cast<double>(width)))),
      m_rng(std::move(stepRng)) {
    MOELAB_ASSERT(width >= 1 && tokensPerStep >= 1, "TextStream needs width >= 1 and T >= 1");
    MOELAB_ASSERT(!m_corpus.records.empty(), "TextStream needs a corpus with records");
    MOELAB_ASSERT(m_window >= 1, "stream.context_window must be >= 1");
    double w = 1;
    for (int j = 0; j < m_window; ++j) {
        w *= cfg.contextDecay;
        m_decayWeights.push_back(static_cast<Scalar>(w));
    }
    m_embeddings.resize(static_cast<Eigen::Index>(m_corpus.vocabulary.size()), width);
    fillNormal(initRng, m_embeddings,
               static_cast<Scalar>(cfg.separation / std::sqrt(static_cast<double>(width))));
    m_order = randomPermutation(static_cast<int>(m_corpus.records.size()), m_rng);
}

void TextStream::nextRecord() {
    m_position = 0;
    if (++m_orderIndex < m_order.size()) return;
    m_order = randomPermutation(static_cast<int>(m_corpus.records.size()), m_rng);
    m_orderIndex = 0;
}

TokenBatch TextStream::next(int64_t /*step*/) {
    TokenBatch batch;
    const auto T = static_cast<size_t>(m_tokensPerStep);
    batch.x.resize(m_tokensPerStep, m_width);
    batch.domain.resize(T);
    batch.tokenId.resize(T);
    batch.seqLen = m_seqLen;
    for (size_t t = 0; t < T; ++t) {
        const TextRecord* record = &m_corpus.records[static_cast<size_t>(m_order[m_orderIndex])];
        while (m_position >= record->tokens.size()) {
            nextRecord();
            record = &m_corpus.records[static_cast<size_t>(m_order[m_orderIndex])];
        }
        const int32_t id = record->tokens[m_position];
        batch.tokenId[t] = id;
        batch.domain[t] = record->domain;
        auto row = batch.x.row(static_cast<Eigen::Index>(t));
        row = m_embeddings.row(id);
        const size_t previous = std::min(m_position, static_cast<size_t>(m_window));
        if (m_mix > 0 && previous > 0) {
            RowVector context = RowVector::Zero(m_width);
            Scalar total = 0;
            for (size_t j = 1; j <= previous; ++j) {
                const Scalar w = m_decayWeights[j - 1];
                context += w * m_embeddings.row(record->tokens[m_position - j]);
                total += w;
            }
            row = (1 - m_mix) * row + (m_mix / total) * context;
        }
        ++m_position;
    }
    if (m_noiseScale > 0) {
        Matrix noise(m_tokensPerStep, m_width);
        fillNormal(m_rng, noise, m_noiseScale);
        batch.x += noise;
    }
    return batch;
}

}  // namespace moe
