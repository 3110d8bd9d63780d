// SPDX-License-Identifier: MIT
#pragma once

#include "core/config/scenario_config.h"
#include "core/stream/token_stream.h"
#include "core/util/rng.h"

#include <tl/expected.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moe {

/// What the header of a dumped token file declares (schema: docs/dumped-stream.md).
struct DumpedTokensInfo {
    int64_t rows = 0;              ///< N, from /tokens [N, d]
    int64_t width = 0;             ///< d
    bool halfPrecision = false;    ///< /tokens stored as float16 (else float32)
    bool hasDomain = false;        ///< /domain [N] present
    bool hasTokenId = false;       ///< /token_id [N] present
    std::string sourceModel;       ///< root attribute `source_model`; empty when absent
    std::optional<int64_t> layer;  ///< root attribute `layer`
};

/// Largest number of elements a dumped dataset may declare (2^50, 4 PiB of float32): a bigger
/// header is corrupt or hand-made, not a dump, and is refused before anything is sized from it.
inline constexpr uint64_t kMaxDumpedElements = uint64_t{1} << 50;

/// Largest domain label + 1 a dumped stream accepts: every label gets its own teacher MLP.
inline constexpr int kMaxDumpedDomains = 4096;

/// `stream.kind = dumped`: hidden states dumped from a real model, read from the HDF5 file
/// stream.path T rows at a time, so memory stays O(T d) whatever N is.
/// Order: rows 0..N-1 in file order, wrapping around to row 0 at the end of the file (an epoch);
/// a batch that crosses the end takes the last rows and continues with the first. With
/// stream.shuffle the file is cut into blocks of T consecutive rows (the last may be shorter),
/// and each epoch visits the blocks in a fresh random order drawn from stepRng, so every row is
/// used exactly once per epoch; batches still hold T rows and may span two blocks.
/// Domain labels come from /domain (nDomains() = largest label + 1) and token ids from
/// /token_id; without them the batches carry none, and the teacher uses domain 0 for every token.
class DumpedStream final : public TokenStream {
public:
    /// Opens cfg.path, checks it as inspect() does plus d == width, and scans /domain
    /// chunk by chunk for its largest label (each label must lie in [0, kMaxDumpedDomains)).
    /// tokensPerStep >= 1 (asserted). Throws std::invalid_argument with the error text for a bad
    /// file. stepRng draws the block orders (unused without shuffle).
    DumpedStream(const StreamConfig& cfg, int width, int tokensPerStep, Rng stepRng);
    ~DumpedStream() override;
    DumpedStream(const DumpedStream&) = delete;
    DumpedStream& operator=(const DumpedStream&) = delete;

    /// Checks a dumped token file from its metadata only (no values are read, so this is cheap
    /// whatever the file's size): /tokens [N, d] float32 or float16 with N, d >= 1; if present,
    /// /domain [N] and /token_id [N] integers, /logits [N, E] and /router_weight [d, E] float32
    /// or float16, root attributes `source_model` (string) and `layer` (integer). Errors read
    /// "<path>: dataset /<name>: <what is wrong>" (or "<path>: ..." for the file itself). Never
    /// throws for bad input.
    static tl::expected<DumpedTokensInfo, std::string> inspect(const std::string& path);

    /// The next T = tokensPerStep rows: x [T, d], domain [T] from /domain (else empty),
    /// tokenId [T] from /token_id (else empty), seqLen = stream.seqLen, or T when that is 0.
    /// Throws std::runtime_error naming the file, dataset and row when a read fails or a value
    /// is bad (non-finite token, label out of range): the file is only ever read a batch at a
    /// time, so such values are found when they are reached.
    TokenBatch next(int64_t step) override;
    int width() const override { return static_cast<int>(m_info.width); }
    int nDomains() const override { return m_nDomains; }

    const DumpedTokensInfo& info() const { return m_info; }
    /// Completed passes over the file.
    int64_t epoch() const { return m_epoch; }

    /// Read accounting, so tests can check the bounded read pattern: the most rows any single
    /// read of /tokens requested (<= T), and the rows read in total.
    int64_t largestRead() const { return m_largestRead; }
    int64_t rowsRead() const { return m_rowsRead; }

private:
    struct Reader;

    /// Reads `count` rows starting at file row `first` into rows [at, at + count) of `batch`.
    void readRange(int64_t first, int64_t count, Eigen::Index at, TokenBatch& batch);
    /// Starts an epoch: a new block order when shuffling.
    void startEpoch();
    /// File rows [first, end) of the `index`-th block visited this epoch.
    std::pair<int64_t, int64_t> blockRows(int64_t index) const;

    std::unique_ptr<Reader> m_reader;  ///< the open file and its datasets
    DumpedTokensInfo m_info;
    int m_tokensPerStep;
    int m_seqLen;
    int m_nDomains = 0;
    bool m_shuffle;
    /// [ceil(N / T)] block visit order, 8 bytes per T rows (shuffle only; without shuffle the
    /// file is one block).
    std::vector<int64_t> m_blockOrder;
    int64_t m_block = 0;   ///< blocks of this epoch already finished
    int64_t m_offset = 0;  ///< rows of the current block already produced
    int64_t m_epoch = 0;
    int64_t m_largestRead = 0;
    int64_t m_rowsRead = 0;
    Rng m_rng;
};

}  // namespace moe
