// SPDX-License-Identifier: MIT
#pragma once

#include "core/metrics/step_stats.h"

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// The layout of a trace file (INTERFACES.md "Trace files (HDF5)", docs/trace-schema.md). The
/// writer, the reader and the docs all follow this header, so a dataset is named, typed and
/// described in exactly one place: kTraceDatasets.
namespace moe::io {

/// A parsed "major.minor" schema version.
struct SchemaVersion {
    int versionMajor = 0;
    int versionMinor = 0;
};

/// Parses "major.minor" (decimal digits only, each at most 6 of them); nullopt for anything else,
/// so a garbled attribute in a file is reported rather than read as 0.0.
constexpr std::optional<SchemaVersion> parseSchemaVersion(std::string_view text) {
    const auto number = [](std::string_view digits) -> std::optional<int> {
        if (digits.empty() || digits.size() > 6) return std::nullopt;
        int value = 0;
        for (const char c : digits) {
            if (c < '0' || c > '9') return std::nullopt;
            value = value * 10 + (c - '0');
        }
        return value;
    };
    const size_t dot = text.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    const std::optional<int> versionMajor = number(text.substr(0, dot));
    const std::optional<int> versionMinor = number(text.substr(dot + 1));
    if (!versionMajor || !versionMinor) return std::nullopt;
    return SchemaVersion{*versionMajor, *versionMinor};
}

/// "major.minor", stored as the root attribute `schema_version`. A reader accepts a file whose
/// major equals its own, whatever the minor (a minor bump only adds datasets or attributes, which
/// older readers ignore), and refuses any other major: a major bump means an incompatible layout.
/// 1.1 added layer_<l>/snapshots; 1.2 added expert_state, probe_loss, vocab_specialization,
/// the root @events and, for text streams, the root /vocabulary and /domain_names.
inline constexpr std::string_view kSchemaVersion = "1.2";
inline constexpr int kSchemaMajor = parseSchemaVersion(kSchemaVersion).value().versionMajor;

// Root attributes.
inline constexpr std::string_view kAttrSchemaVersion = "schema_version";
inline constexpr std::string_view kAttrMoelabVersion = "moelab_version";
inline constexpr std::string_view kAttrScenario = "scenario";  ///< the full INI text that ran
inline constexpr std::string_view kAttrSeed = "seed";          ///< uint64
inline constexpr std::string_view kAttrCreated = "created";    ///< ISO 8601 UTC
inline constexpr std::string_view kAttrRouterKind = "router_kind";
inline constexpr std::string_view kAttrNExperts = "n_experts";  ///< int32
inline constexpr std::string_view kAttrNLayers = "n_layers";    ///< int32
/// Lifelong-learning events of the run, one line each: "<at>\t<name>\t<actions>" (schema 1.2;
/// empty when the run has none).
inline constexpr std::string_view kAttrEvents = "events";

// Attributes on every dataset (read by h5web, silx and HDFView for axis labels).
inline constexpr std::string_view kAttrUnits = "units";
inline constexpr std::string_view kAttrLongName = "long_name";

/// The dataset holding each row's step index; it is the dimension scale of dim 0 of every other
/// dataset in its layer group and the NXdata axis.
inline constexpr std::string_view kStepDataset = "step";

/// NeXus NXdata plot defaults of every layer group: viewers open on load_cv against step and
/// offer these dimensionless [0, 1]-ish scalars as extra curves. Losses and counts are left out
/// because their scales would flatten the default plot.
inline constexpr std::string_view kDefaultSignal = "load_cv";
inline constexpr std::array<std::string_view, 5> kAuxiliarySignals = {
    "drop_fraction", "token_drop_fraction", "load_entropy", "router_entropy", "collapse"};

/// "layer_<l>": the group holding layer l's datasets; the root's @default names layer_0.
inline std::string layerGroupName(int layer) {
    return "layer_" + std::to_string(layer);
}

/// Scalar: 1-D [steps]. PerExpert: 2-D [steps, E]. PerDomain: 2-D [steps, K] (K = the stream's
/// domains, at least 1). All grow along the step axis.
enum class DatasetKind { Scalar, PerExpert, PerDomain };

/// Where a dataset's value comes from in a StepStats. The member type fixes the stored type:
/// double -> float64, int64_t -> int64, std::vector<double> (E entries) -> float64 row.
using StepStatsField =
    std::variant<double StepStats::*, int64_t StepStats::*, std::vector<double> StepStats::*>;

/// One recorded dataset of a layer group.
struct DatasetSpec {
    std::string_view name;
    DatasetKind kind;
    std::string_view units;  ///< "1" for dimensionless ratios; counts name what they count
    std::string_view longName;
    StepStatsField field;
    int sinceMinor = 0;  ///< schema minor that added it; readers do not require it in older files
    /// For vector fields: the value written in every column when a StepStats leaves the vector
    /// empty (a run without events or probes); nullopt = the vector must be full.
    std::optional<double> emptyFill = std::nullopt;
};

/// Every dataset of a layer group, in the order the writer creates them. Meanings follow
/// ROUTING.md §10; T = tokens per step, k = choices per token, E = experts.
/// E counts every expert of the run (model.experts plus every add_experts): column e is expert e
/// throughout, NaN while it does not exist (docs/trace-schema.md "Experts that change").
inline constexpr std::array<DatasetSpec, 29> kTraceDatasets = {{
    {"step", DatasetKind::Scalar, "steps", "training step", &StepStats::step},
    {"drop_fraction", DatasetKind::Scalar, "1", "dropped assignments / (T k)",
     &StepStats::dropFraction},
    {"token_drop_fraction", DatasetKind::Scalar, "1", "dropped tokens / T",
     &StepStats::tokenDropFraction},
    {"picked_once_fraction", DatasetKind::Scalar, "1",
     "tokens with exactly one kept assignment / T", &StepStats::pickedOnceFraction},
    {"picked_many_fraction", DatasetKind::Scalar, "1",
     "tokens with two or more kept assignments / T", &StepStats::pickedManyFraction},
    {"null_fraction", DatasetKind::Scalar, "1",
     "kept assignments to null experts / kept assignments", &StepStats::nullFraction},
    {"load_cv", DatasetKind::Scalar, "1", "load CV (std / mean of demand)", &StepStats::loadCv},
    {"max_over_mean", DatasetKind::Scalar, "1", "max / mean of demand", &StepStats::maxOverMean},
    {"load_entropy", DatasetKind::Scalar, "1", "load entropy H(demand / sum) / ln E",
     &StepStats::loadEntropy},
    {"router_entropy", DatasetKind::Scalar, "1", "router entropy mean_t H(p_t) / ln E",
     &StepStats::routerEntropy},
    {"dead_experts", DatasetKind::Scalar, "experts", "experts with demand 0",
     &StepStats::deadExperts},
    {"collapse", DatasetKind::Scalar, "1", "collapse (1 - load entropy)", &StepStats::collapse},
    {"task_loss", DatasetKind::Scalar, "1", "task loss", &StepStats::taskLoss},
    {"aux_loss", DatasetKind::Scalar, "1", "load-balancing loss (before its coefficient)",
     &StepStats::auxLoss},
    {"z_loss", DatasetKind::Scalar, "1", "router z-loss (before its coefficient)",
     &StepStats::zLoss},
    {"importance_loss", DatasetKind::Scalar, "1", "importance loss (before its coefficient)",
     &StepStats::importanceLoss},
    {"load_loss", DatasetKind::Scalar, "1", "load loss (before its coefficient)",
     &StepStats::loadLoss},
    {"seq_aux_loss", DatasetKind::Scalar, "1",
     "sequence-wise balance loss (before its coefficient)", &StepStats::seqAuxLoss},
    {"total_loss", DatasetKind::Scalar, "1", "total loss (task + weighted balancing losses)",
     &StepStats::totalLoss},
    {"specialization", DatasetKind::Scalar, "1", "NMI(domain, first-choice expert)",
     &StepStats::specialization},
    {"vocab_specialization", DatasetKind::Scalar, "1",
     "share of frequent words' occurrences sent to their most common first-choice expert",
     &StepStats::vocabSpecialization, 2},
    {"capacity", DatasetKind::Scalar, "assignments", "expert capacity C (-1 = unlimited)",
     &StepStats::capacity},
    {"demand", DatasetKind::PerExpert, "assignments", "assignments before capacity",
     &StepStats::demand},
    {"load", DatasetKind::PerExpert, "assignments", "kept assignments", &StepStats::load},
    {"dropped", DatasetKind::PerExpert, "assignments", "dropped assignments", &StepStats::dropped},
    {"importance", DatasetKind::PerExpert, "1", "importance (sum of combine weights)",
     &StepStats::importance},
    {"mean_score", DatasetKind::PerExpert, "1", "mean gate score", &StepStats::meanScore},
    {"expert_state", DatasetKind::PerExpert, "1",
     "expert state (0 not added yet, 1 live, 2 frozen, 3 removed)", &StepStats::expertState, 2,
     1.0},
    {"probe_loss", DatasetKind::PerDomain, "1",
     "task loss on the domain's held-out probe set (NaN = not evaluated)", &StepStats::probeLoss,
     2, std::numeric_limits<double>::quiet_NaN()},
}};

/// Root datasets of traces of text streams: the word of each token id, the name of each domain.
inline constexpr std::string_view kVocabularyDataset = "vocabulary";
inline constexpr std::string_view kDomainNamesDataset = "domain_names";

namespace detail {
constexpr bool tableIsConsistent() {
    if (kTraceDatasets[0].name != kStepDataset) return false;
    for (const DatasetSpec& spec : kTraceDatasets) {
        const bool vectorField =
            std::holds_alternative<std::vector<double> StepStats::*>(spec.field);
        if (vectorField != (spec.kind != DatasetKind::Scalar)) return false;
    }
    return true;
}
}  // namespace detail
// The writer relies on step coming first (it becomes the dimension scale before the others are
// attached) and on the kind matching the member type.
static_assert(detail::tableIsConsistent());

/// "layer_<l>/snapshots": per-token snapshots (trace.snapshot_every), present only when the run
/// records them. S = snapshots so far, T = tokens per step, K = columns of the routing decision
/// (k choices, or one per expert for expert choice).
inline constexpr std::string_view kSnapshotGroup = "snapshots";
/// The step of each snapshot; the dimension scale of dim 0 of every other snapshot dataset.
inline constexpr std::string_view kSnapshotStepDataset = "snapshot_step";

/// [S] step index; [S, T] per token; [S, T, K] per decision column.
enum class SnapshotShape { Step, PerToken, PerChoice };

/// How a snapshot dataset is stored; the memory side of each is fixed by TraceSnapshot.
enum class SnapshotType { Int64, Int32, Float32, UInt8 };

/// One dataset of a snapshots group.
struct SnapshotDatasetSpec {
    std::string_view name;
    SnapshotShape shape;
    SnapshotType type;
    std::string_view units;
    std::string_view longName;
};

/// Every dataset of a snapshots group, in the order the writer creates them (the step first).
/// Tokens or columns that a snapshot does not have are stored as -1 (ids, experts) or 0.
inline constexpr std::array<SnapshotDatasetSpec, 6> kSnapshotDatasets = {{
    {kSnapshotStepDataset, SnapshotShape::Step, SnapshotType::Int64, "steps",
     "training step of the snapshot"},
    {"domain", SnapshotShape::PerToken, SnapshotType::Int32, "domain",
     "domain label of the token (-1 = none)"},
    {"token_id", SnapshotShape::PerToken, SnapshotType::Int32, "token",
     "vocabulary id of the token (-1 = none)"},
    {"choice", SnapshotShape::PerChoice, SnapshotType::Int32, "expert",
     "expert of each choice in selection order (-1 = discarded)"},
    {"weight", SnapshotShape::PerChoice, SnapshotType::Float32, "1",
     "combine weight of each choice (0 where not kept)"},
    {"kept", SnapshotShape::PerChoice, SnapshotType::UInt8, "1",
     "1 if the choice was dispatched to its expert"},
}};
static_assert(kSnapshotDatasets[0].name == kSnapshotStepDataset);

}  // namespace moe::io
