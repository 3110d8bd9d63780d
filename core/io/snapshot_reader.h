// SPDX-License-Identifier: MIT
#pragma once

#include "core/io/trace_writer.h"

#include <tl/expected.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace moe::io {

/// The step of every per-token snapshot of layer `layer` (layer_<l>/snapshots/snapshot_step),
/// in stored order; empty when the trace records none. Opened like readTrace (SWMR read), so a
/// trace a run is still writing works; if the snapshot datasets differ in length (a run killed
/// in a flush) only the snapshots present in all of them are listed. The error names the file
/// and the problem, as readTraceHeader's do.
tl::expected<std::vector<int64_t>, std::string> readSnapshotSteps(const std::string& path,
                                                                  int layer = 0);

/// Reads snapshot `index` (a position in readSnapshotSteps) of layer `layer`: one [1, T, K]
/// chunk per dataset, nothing else. nTokens is T of the file; tokens a step did not have are
/// stored as absent (choice -1, kept 0). domain and tokenId are empty when every entry is -1 (a
/// stream without labels), as TraceWriter::appendSnapshot takes them. Refuses an index out of
/// range and datasets of the wrong rank, type or shape, naming the dataset.
tl::expected<TraceSnapshot, std::string> readSnapshot(const std::string& path, int layer,
                                                      int64_t index);

/// The position in `snapshotSteps` of the snapshot nearest to `step` (the earlier one of two
/// equally near), or -1 when there is none.
int64_t nearestSnapshot(const std::vector<int64_t>& snapshotSteps, int64_t step);

}  // namespace moe::io
