// SPDX-License-Identifier: MIT
#pragma once

#include "core/io/trace_error.h"
#include "core/metrics/step_stats.h"

#include <cstdint>
#include <memory>
#include <string>

namespace moe::io {

/// What a trace records about the run besides the per-step rows (root attributes).
struct TraceMetadata {
    std::string moelabVersion;
    std::string scenario;  ///< the full INI text that ran, defaults included
    uint64_t seed = 0;
    std::string routerKind;
    int nExperts = 0;  ///< E, the width of every per-expert dataset; >= 1
    int nLayers = 1;   ///< MoE layers, one group layer_<l> each; >= 1
};

struct TraceWriterOptions {
    int flushEvery = 100;       ///< write once this many steps are buffered; >= 1
    double flushSeconds = 1.0;  ///< ... or once this long has passed since the last write; >= 0
    int compression = 4;        ///< gzip level 0-9 (with shuffle); 0 = no filters
};

/// Writes a trace file (docs/trace-schema.md, layout in core/io/trace_schema.h) row by row
/// during a run. Rows are buffered and written in blocks; after every write the file on disk is
/// complete up to that row, so a run that is killed leaves a file that opens and holds every row
/// up to the last flush. While the writer is open HDF5 locks the file, so other processes cannot
/// open it (copy it, or set HDF5_USE_FILE_LOCKING=FALSE in the reader).
///
/// Not thread-safe: use one writer from one thread at a time. Failures throw TraceError naming
/// the file and the dataset; a flush that failed keeps its rows buffered, so a later flush() (for
/// example after freeing disk space) writes them again in place.
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

    /// Buffers the row of `layer` for one step. Per-expert vectors must hold nExperts values
    /// (asserted); `layer` must be in [0, nLayers) (asserted); not after close() (asserted).
    /// Writes the buffer when flushEvery steps are buffered or flushSeconds have passed since the
    /// last write, but only at a step boundary (every layer holds the same number of buffered
    /// rows), so all layer groups on disk have the same length. Throws TraceError when that
    /// write fails.
    void append(int layer, const StepStats& stats);

    /// Writes every buffered row, extends the datasets, and flushes HDF5's caches to the file
    /// (H5Fflush) so the file on disk is complete up to here. Throws TraceError on failure.
    /// Nothing to do after close().
    void flush();

    /// flush(), then closes the file. Idempotent: later calls do nothing. The file is closed even
    /// if the final flush throws TraceError.
    void close();

    /// Rows handed to the file so far, summed over layers (buffered rows are not counted).
    int64_t rowsWritten() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace moe::io
