// SPDX-License-Identifier: MIT
#pragma once

#include <tl/expected.hpp>

#include <Eigen/Core>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace moe::io {

/// The root attributes of a trace and the length of one layer. Cheap to read: no dataset
/// contents are loaded.
struct TraceHeader {
    std::string schemaVersion;  ///< "major.minor"
    std::string moelabVersion;
    std::string scenario;  ///< the full INI text that ran
    std::string created;   ///< ISO 8601 UTC
    std::string routerKind;
    uint64_t seed = 0;
    int nExperts = 0;
    int nLayers = 0;
    /// Lifelong-learning events, one "<at>\t<name>\t<actions>" line each (empty when the run
    /// had none or the trace predates schema 1.2).
    std::string events;
    int64_t rows = 0;       ///< length of the layer's `step` dataset
    int64_t snapshots = 0;  ///< per-token snapshots of the layer (0 when the run took none)
};

/// One layer of a trace, loaded whole.
struct TraceData : TraceHeader {
    /// Step index of each row [rows].
    std::vector<int64_t> step;
    /// Every scalar dataset of the schema by name (load_cv, ...), each [rows]. `capacity` is
    /// stored as int64 and converted here (exact below 2^53; -1 = unlimited); NaN stays NaN.
    std::map<std::string, std::vector<double>> scalars;
    /// Every per-expert dataset by name (demand, load, dropped, importance, mean_score,
    /// expert_state), each [rows, nExperts]. Traces before schema 1.2 have no expert_state
    /// (every expert was live throughout).
    std::map<std::string, Eigen::MatrixXd> perExpert;
    /// Every per-domain dataset by name (probe_loss), each [rows, K]; absent before schema 1.2.
    std::map<std::string, Eigen::MatrixXd> perDomain;
};

/// Reads the root attributes of `path` and the row count of layer `layer`. The file is opened in
/// HDF5 SWMR read mode, so a trace that a run is still writing (or whose run was killed) reads
/// up to its last flush. The error names the file and the problem: missing file, not HDF5,
/// locked by a running writer that does not use SWMR, a schema major
/// other than ours ("trace.h5 has schema 2.0; this moelab reads up to 1.x"), missing or mistyped
/// attributes, no such layer. Never throws and never crashes on a malformed file.
tl::expected<TraceHeader, std::string> readTraceHeader(const std::string& path, int layer = 0);

/// Reads every dataset of layer `layer` (group layer_<l>). Refuses what readTraceHeader refuses,
/// and a layer that lacks a dataset of the schema (all missing names are listed) or has one of
/// the wrong shape or type. Datasets added by a newer minor version are ignored. If a run was
/// killed in the middle of a flush (or is writing one now) the datasets may differ in length;
/// the result keeps the rows present in all of them. moelab writes `step` last, so those are
/// the header's `rows`.
tl::expected<TraceData, std::string> readTrace(const std::string& path, int layer = 0);

}  // namespace moe::io
