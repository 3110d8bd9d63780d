// SPDX-License-Identifier: MIT
#include "core/stream/dumped_stream.h"

#include "core/io/dumped_file.h"
#include "core/util/assert.h"

#include <fmt/core.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace moe {

/// The open file and the datasets the stream reads.
struct DumpedStream::Reader {
    io::DumpedFile file;
    io::DumpedDataset tokens;                  ///< [N, d]
    std::optional<io::DumpedDataset> domain;   ///< [N]
    std::optional<io::DumpedDataset> tokenId;  ///< [N]
    DumpedTokensInfo info;

    /// Opens `path` and checks everything its metadata can tell (see DumpedStream::inspect).
    static tl::expected<std::unique_ptr<Reader>, std::string> open(const std::string& path);
};

namespace {

constexpr const char* kLimitText = "2^50";

/// Labels read per chunk while scanning /domain: 512 KiB of int64, whatever N is.
constexpr hsize_t kScanRows = hsize_t{1} << 16;

/// An optional rank-1 integer dataset [N] (/domain, /token_id); nothing when absent.
tl::expected<std::optional<io::DumpedDataset>, std::string> openLabels(const io::DumpedFile& file,
                                                                       const std::string& name,
                                                                       hsize_t rows) {
    if (!file.has(name)) return std::nullopt;
    auto dataset = file.openDataset(name, 1, "[N]", kMaxDumpedElements, kLimitText);
    if (!dataset) return tl::make_unexpected(dataset.error());
    if (dataset->dims[0] != rows) {
        return tl::make_unexpected(file.error(
            name, fmt::format("has {} entries for N = {} rows of /tokens; expected [N] = [{}]",
                              dataset->dims[0], rows, rows)));
    }
    if (auto problem = file.checkInteger(*dataset)) return tl::make_unexpected(*problem);
    return std::optional<io::DumpedDataset>(std::move(*dataset));
}

/// An optional rank-2 float dataset whose first extent must be `rows` (named by `rowsName` in
/// messages); returns its second extent, or 0 when absent. Only its header is read: the stream
/// does not use these values, but a dump that gets them wrong is likely wrong elsewhere too.
tl::expected<hsize_t, std::string> checkSideMatrix(const io::DumpedFile& file,
                                                   const std::string& name,
                                                   const std::string& axes, hsize_t rows,
                                                   const std::string& rowsName) {
    if (!file.has(name)) return hsize_t{0};
    auto dataset = file.openDataset(name, 2, axes, kMaxDumpedElements, kLimitText);
    if (!dataset) return tl::make_unexpected(dataset.error());
    if (auto problem = file.checkFloat(*dataset)) return tl::make_unexpected(*problem);
    if (dataset->dims[0] != rows) {
        return tl::make_unexpected(
            file.error(name, fmt::format("has shape {} but {} = {}; expected {}",
                                         io::shapeText(dataset->dims), rowsName, rows, axes)));
    }
    return dataset->dims[1];
}

}  // namespace

tl::expected<std::unique_ptr<DumpedStream::Reader>, std::string> DumpedStream::Reader::open(
    const std::string& path) {
    auto reader = std::make_unique<Reader>(Reader{io::DumpedFile(path), {}, {}, {}, {}});
    io::DumpedFile& file = reader->file;
    if (auto problem = file.open()) return tl::make_unexpected(*problem);

    auto tokens = file.openDataset("tokens", 2, "[N, d]", kMaxDumpedElements, kLimitText);
    if (!tokens) return tl::make_unexpected(tokens.error());
    if (auto problem = file.checkFloat(*tokens)) return tl::make_unexpected(*problem);
    const hsize_t rows = tokens->dims[0];
    const hsize_t width = tokens->dims[1];
    DumpedTokensInfo& info = reader->info;
    info.rows = static_cast<int64_t>(rows);
    info.width = static_cast<int64_t>(width);
    {
        const io::h5::Handle type(H5Dget_type(tokens->handle.get()), H5Tclose);
        info.halfPrecision = H5Tget_size(type.get()) == 2;
    }
    reader->tokens = std::move(*tokens);

    auto domain = openLabels(file, "domain", rows);
    if (!domain) return tl::make_unexpected(domain.error());
    reader->domain = std::move(*domain);
    auto tokenId = openLabels(file, "token_id", rows);
    if (!tokenId) return tl::make_unexpected(tokenId.error());
    reader->tokenId = std::move(*tokenId);
    info.hasDomain = reader->domain.has_value();
    info.hasTokenId = reader->tokenId.has_value();

    const auto logitsExperts = checkSideMatrix(file, "logits", "[N, E]", rows, "N (rows of /tokens)");
    if (!logitsExperts) return tl::make_unexpected(logitsExperts.error());
    const auto weightExperts =
        checkSideMatrix(file, "router_weight", "[d, E]", width, "d (width of /tokens)");
    if (!weightExperts) return tl::make_unexpected(weightExperts.error());
    if (*logitsExperts > 0 && *weightExperts > 0 && *logitsExperts != *weightExperts) {
        return tl::make_unexpected(file.error(
            "router_weight", fmt::format("has E = {} columns but /logits has E = {}",
                                         *weightExperts, *logitsExperts)));
    }

    auto sourceModel = file.textAttribute("source_model");
    if (!sourceModel) return tl::make_unexpected(sourceModel.error());
    info.sourceModel = sourceModel->value_or("");
    auto layer = file.integerAttribute("layer");
    if (!layer) return tl::make_unexpected(layer.error());
    info.layer = *layer;
    return reader;
}

tl::expected<DumpedTokensInfo, std::string> DumpedStream::inspect(const std::string& path) {
    const io::h5::ErrorPrintingOff quiet;
    auto reader = Reader::open(path);
    if (!reader) return tl::make_unexpected(reader.error());
    return (*reader)->info;
}

DumpedStream::DumpedStream(const StreamConfig& cfg, int width, int tokensPerStep, Rng stepRng)
    : m_tokensPerStep(tokensPerStep),
      m_seqLen(cfg.seqLen > 0 ? cfg.seqLen : tokensPerStep),
      m_shuffle(cfg.shuffle),
      m_rng(std::move(stepRng)) {
    MOELAB_ASSERT(tokensPerStep >= 1, "DumpedStream needs T >= 1");
    const io::h5::ErrorPrintingOff quiet;
    auto reader = Reader::open(cfg.path);
    if (!reader) throw std::invalid_argument(reader.error());
    m_reader = std::move(*reader);
    m_info = m_reader->info;
    if (m_info.width != width) {
        throw std::invalid_argument(m_reader->file.error(
            "tokens", fmt::format("has width d = {} (shape [{}, {}]) but model.width = {}",
                                  m_info.width, m_info.rows, m_info.width, width)));
    }

    if (m_reader->domain) {
        // Chunk by chunk, so finding the number of domains needs O(1) memory whatever N is.
        const hsize_t rows = m_reader->domain->dims[0];
        std::vector<int32_t> labels(static_cast<size_t>(std::min(rows, kScanRows)));
        int32_t largest = 0;
        hsize_t largestAt = 0;
        for (hsize_t first = 0; first < rows; first += kScanRows) {
            const hsize_t count = std::min(kScanRows, rows - first);
            if (auto problem = m_reader->file.readLabels(*m_reader->domain, first, count,
                                                         labels.data())) {
                throw std::invalid_argument(*problem);
            }
            const auto top = std::max_element(labels.begin(), labels.begin() +
                                                                  static_cast<std::ptrdiff_t>(count));
            if (*top > largest) {
                largest = *top;
                largestAt = first + static_cast<hsize_t>(top - labels.begin());
            }
        }
        if (largest >= kMaxDumpedDomains) {
            throw std::invalid_argument(m_reader->file.error(
                "domain", fmt::format("label [{}] is {}; accepted: integers 0..{} (each label "
                                      "gets its own teacher MLP)",
                                      largestAt, largest, kMaxDumpedDomains - 1)));
        }
        m_nDomains = largest + 1;
    }
    startEpoch();
}

DumpedStream::~DumpedStream() = default;

void DumpedStream::startEpoch() {
    m_block = 0;
    m_offset = 0;
    if (!m_shuffle) return;
    const int64_t blocks = (m_info.rows + m_tokensPerStep - 1) / m_tokensPerStep;
    m_blockOrder.resize(static_cast<size_t>(blocks));
    std::iota(m_blockOrder.begin(), m_blockOrder.end(), int64_t{0});
    // Fisher-Yates with the stream's own draws (std::shuffle's are implementation-defined).
    for (size_t i = m_blockOrder.size(); i > 1; --i)
        std::swap(m_blockOrder[i - 1], m_blockOrder[static_cast<size_t>(m_rng.below(i))]);
}

std::pair<int64_t, int64_t> DumpedStream::blockRows(int64_t index) const {
    if (!m_shuffle) return {0, m_info.rows};
    const int64_t first = m_blockOrder[static_cast<size_t>(index)] * m_tokensPerStep;
    return {first, std::min(first + m_tokensPerStep, m_info.rows)};
}

void DumpedStream::readRange(int64_t first, int64_t count, Eigen::Index at, TokenBatch& batch) {
    const auto start = static_cast<hsize_t>(first);
    const auto rows = static_cast<hsize_t>(count);
    const io::DumpedFile& file = m_reader->file;
    if (auto problem = file.readRows(m_reader->tokens, start, rows, batch.x.row(at).data())) {
        throw std::runtime_error(*problem);
    }
    m_largestRead = std::max(m_largestRead, count);
    m_rowsRead += count;

    const auto to = static_cast<size_t>(at);
    if (m_reader->tokenId) {
        if (auto problem = file.readLabels(*m_reader->tokenId, start, rows, &batch.tokenId[to])) {
            throw std::runtime_error(*problem);
        }
    }
    if (m_reader->domain) {
        if (auto problem = file.readLabels(*m_reader->domain, start, rows, &batch.domain[to])) {
            throw std::runtime_error(*problem);
        }
        // The labels were scanned when the stream opened; a larger one means the file changed.
        for (size_t i = to; i < to + rows; ++i) {
            if (batch.domain[i] >= m_nDomains) {
                throw std::runtime_error(file.error(
                    "domain", fmt::format("label [{}] is {}, above the largest label ({}) found "
                                          "when the file was opened; was the file modified?",
                                          first + static_cast<int64_t>(i - to), batch.domain[i],
                                          m_nDomains - 1)));
            }
        }
    }
}

TokenBatch DumpedStream::next(int64_t /*step*/) {
    const io::h5::ErrorPrintingOff quiet;
    const auto count = static_cast<size_t>(m_tokensPerStep);
    TokenBatch batch;
    batch.seqLen = m_seqLen;
    batch.x.resize(m_tokensPerStep, m_info.width);  // [T, d]
    if (m_reader->domain) batch.domain.resize(count);
    if (m_reader->tokenId) batch.tokenId.resize(count);

    // Each read takes the rows that are contiguous in the file: the rest of the current block
    // (the whole file without shuffle), at most what the batch still needs.
    const auto blocks = m_shuffle ? static_cast<int64_t>(m_blockOrder.size()) : 1;
    int64_t filled = 0;
    while (filled < m_tokensPerStep) {
        if (m_block == blocks) {
            ++m_epoch;
            startEpoch();
        }
        const auto [first, end] = blockRows(m_block);
        const int64_t take = std::min(end - first - m_offset, m_tokensPerStep - filled);
        readRange(first + m_offset, take, filled, batch);
        filled += take;
        m_offset += take;
        if (first + m_offset == end) {
            ++m_block;
            m_offset = 0;
        }
    }
    return batch;
}

}  // namespace moe
