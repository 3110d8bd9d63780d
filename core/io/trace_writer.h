// SPDX-License-Identifier: MIT
#pragma once

#include "core/io/trace_error.h"
#include "core/metrics/step_stats.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace moe::io {

/// What a trace records about the run besides the per-step rows (root attributes).
struct TraceMetadata {
    std::string moelabVersion;
    std::string scenario;  ///< the full INI text that ran, defaults included
    uint64_t seed = 0;
    std::string routerKind;
    int nExperts = 0;  ///< E, the width of every per-expert dataset; >= 1
    int nDomains = 1;  ///< K, the width of every per-domain dataset (probe_loss); >= 1
    std::string events;  ///< root @events: one "<at>\t<name>\t<actions>" line per event
    int nLayers = 1;   ///< MoE layers, one group layer_<l> each; >= 1
    /// Per-token snapshots: T and K of the layer_<l>/snapshots datasets, or 0 and 0 for a trace
    /// without them. Fixed here because SWMR allows no new datasets once the run writes rows.
    int snapshotTokens = 0;
    int snapshotColumns = 0;
    /// A text stream's words by token id and its domain names (root datasets /vocabulary and
    /// /domain_names), or empty.
    std::vector<std::string> vocabulary;
    std::vector<std::string> domainNames;
};

/// The routing of every token of one layer at one step (docs/trace-schema.md "Snapshots").
/// Row-major [T, K] arrays; T may be less than TraceMetadata::snapshotTokens (the rest is
/// stored as absent), K must equal snapshotColumns.
struct TraceSnapshot {
    int64_t step = 0;
    int nTokens = 0;                ///< T of this step
    std::vector<int32_t> domain;    ///< [T] domain labels, or empty when the stream has none
    std::vector<int32_t> tokenId;   ///< [T] vocabulary ids, or empty when the stream has none
    std::vector<int32_t> choice;    ///< [T * K] expert of each column, -1 if discarded
    std::vector<float> weight;      ///< [T * K] combine weights
    std::vector<uint8_t> kept;      ///< [T * K] 1 if dispatched
};

struct TraceWriterOptions {
    int flushEvery = 100;       ///< write once this many steps are buffered; >= 1
    double flushSeconds = 1.0;  ///< ... or once this long has passed since the last write; >= 0
    int compression = 4;        ///< gzip level 0-9 (with shuffle); 0 = no filters
};

/// Writes a trace file (docs/trace-schema.md, layout in core/io/trace_schema.h) row by row
/// during a run. Rows are buffered and written in blocks; after every write the file on disk is
/// complete up to that row. The file is written in HDF5 SWMR mode (single writer, multiple
/// readers): other processes can open it with H5F_ACC_SWMR_READ (h5py: `swmr=True`) and read
/// every flushed row while the run goes on, and a run that is killed, even during a flush,
/// leaves a file that opens that way and holds every row up to the last flush. Until close()
/// the file is marked as open for writing, so a plain (non-SWMR) open is refused.
///
/// Not thread-safe: use one writer from one thread at a time. Failures throw TraceError naming
/// the file and the dataset; a flush that failed keeps its rows buffered, so a later flush() (for
/// example after freeing disk space) writes them again in place. close() after a failed write
/// releases the file without writing more; the file keeps what was written before the failure.
/// Known HDF5 1.10 limit: after a failed write whose cause persists (a full disk, a file size
/// limit), HDF5 may be unable to close that file, and its clean-up at process exit may then
/// crash (HDFFV-11052); a program that reports a TraceError from a write should end with
/// std::_Exit.
class TraceWriter {
public:
    /// Creates (or truncates) `path` and writes the root attributes, the layer groups and their
    /// empty datasets, then flushes, so even a run that is killed before its first row leaves a
    /// valid, empty trace. Throws TraceError if the file cannot be created or written.
    /// Precondition (asserted): meta.nExperts >= 1, meta.nLayers >= 1, options in range.
    TraceWriter(const std::string& path, const TraceMetadata& meta,
                TraceWriterOptions options = {});
    /// Closes the file (see close()); never throws: a failure here is printed to stderr, so call
    /// close() yourself to handle it.
    ~TraceWriter();

    TraceWriter(const TraceWriter&) = delete;
    TraceWriter& operator=(const TraceWriter&) = delete;

    /// Buffers the row of `layer` for one step. Per-expert vectors must hold nExperts values,
    /// per-domain vectors nDomains (asserted); `layer` must be in [0, nLayers) (asserted); not after close() (asserted).
    /// Writes the buffer when flushEvery steps are buffered or flushSeconds have passed since the
    /// last write, but only at a step boundary (every layer holds the same number of buffered
    /// rows), so all layer groups on disk have the same length. Throws TraceError when that
    /// write fails.
    void append(int layer, const StepStats& stats);

    /// Buffers a per-token snapshot of `layer`, written with the next flush. Requires a trace
    /// created with snapshots (meta.snapshotColumns > 0), snapshot.nTokens <= snapshotTokens and
    /// arrays of the documented sizes (all asserted).
    void appendSnapshot(int layer, const TraceSnapshot& snapshot);

    /// Writes every buffered row, extends the datasets, and flushes HDF5's caches to the file
    /// (H5Fflush) so the file on disk is complete up to here. Throws TraceError on failure.
    /// Nothing to do after close().
    void flush();

    /// flush(), then closes the file. Idempotent: later calls do nothing. The file is released
    /// even if the final flush throws TraceError.
    void close();

    /// Rows handed to the file so far, summed over layers (buffered rows and snapshots are not
    /// counted).
    int64_t rowsWritten() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace moe::io
