// SPDX-License-Identifier: MIT
#include "core/io/trace_writer.h"

#include "core/io/hdf5_util.h"
#include "core/io/trace_schema.h"
#include "core/util/assert.h"

#include <H5DSpublic.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <string_view>
#include <utility>
#include <vector>

namespace moe::io {
namespace {

using h5::Handle;

// Chunks of about 1 MiB or less stay in HDF5's default per-dataset chunk cache (1 MiB), so the
// partly filled last chunk is not re-read from disk at every flush.
constexpr hsize_t kScalarChunkRows = 1024;
constexpr hsize_t kMaxExpertChunkRows = 256;
constexpr hsize_t kChunkBytesTarget = hsize_t{1} << 20;

std::string isoTimeUtcNow() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::array<char, 32> text{};
    const size_t length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return std::string(text.data(), length);
}

/// Writes HDF5 objects of one file and turns every failure into a TraceError naming the file
/// and the object.
class Builder {
public:
    explicit Builder(const std::string& path) : m_path(path) {}

    [[noreturn]] void fail(const std::string& object, const std::string& what) const {
        throw TraceError(m_path, object, what + ": " + h5::errorText());
    }

    Handle check(Handle handle, const std::string& object, const std::string& what) const {
        if (!handle.valid()) fail(object, what);
        return handle;
    }

    void check(herr_t status, const std::string& object, const std::string& what) const {
        if (status < 0) fail(object, what);
    }

    /// A variable-length UTF-8 string type, what h5py writes for Python str.
    Handle utf8StringType(const std::string& object) const {
        Handle type = check(Handle(H5Tcopy(H5T_C_S1), H5Tclose), object, "string type");
        check(H5Tset_size(type.get(), H5T_VARIABLE), object, "string type");
        check(H5Tset_cset(type.get(), H5T_CSET_UTF8), object, "string type");
        return type;
    }

    /// Scalar string attribute. `objectName` is only for messages ("/" or "layer_0/load_cv").
    void stringAttribute(hid_t object, const std::string& objectName, std::string_view name,
                         const std::string& value) const {
        const std::string where = objectName + "@" + std::string(name);
        const Handle type = utf8StringType(where);
        const Handle space = check(Handle(H5Screate(H5S_SCALAR), H5Sclose), where, "dataspace");
        const Handle attribute =
            check(Handle(H5Acreate2(object, std::string(name).c_str(), type.get(), space.get(),
                                    H5P_DEFAULT, H5P_DEFAULT),
                         H5Aclose),
                  where, "creating the attribute");
        const char* text = value.c_str();
        check(H5Awrite(attribute.get(), type.get(), &text), where, "writing the attribute");
    }

    /// 1-D array-of-strings attribute (NeXus @axes, @auxiliary_signals).
    template <size_t N>
    void stringArrayAttribute(hid_t object, const std::string& objectName, std::string_view name,
                              const std::array<std::string_view, N>& values) const {
        const std::string where = objectName + "@" + std::string(name);
        std::vector<std::string> owned(values.begin(), values.end());
        std::vector<const char*> pointers;
        for (const std::string& value : owned) pointers.push_back(value.c_str());
        const hsize_t count = N;
        const Handle type = utf8StringType(where);
        const Handle space =
            check(Handle(H5Screate_simple(1, &count, nullptr), H5Sclose), where, "dataspace");
        const Handle attribute =
            check(Handle(H5Acreate2(object, std::string(name).c_str(), type.get(), space.get(),
                                    H5P_DEFAULT, H5P_DEFAULT),
                         H5Aclose),
                  where, "creating the attribute");
        check(H5Awrite(attribute.get(), type.get(), pointers.data()), where,
              "writing the attribute");
    }

    /// A 1-D dataset of variable-length UTF-8 strings, written whole (a text stream's
    /// vocabulary, its domain names). `name` is the dataset's path from `object`.
    void stringListDataset(hid_t object, const std::string& name,
                           const std::vector<std::string>& values) const {
        std::vector<const char*> pointers;
        for (const std::string& value : values) pointers.push_back(value.c_str());
        const hsize_t count = values.size();
        const Handle type = utf8StringType(name);
        const Handle space =
            check(Handle(H5Screate_simple(1, &count, nullptr), H5Sclose), name, "dataspace");
        const Handle dataset =
            check(Handle(H5Dcreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                    H5P_DEFAULT, H5P_DEFAULT),
                         H5Dclose),
                  name, "creating the dataset");
        if (count > 0)
            check(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                           pointers.data()),
                  name, "writing the dataset");
    }

    /// Scalar numeric attribute stored as `fileType`, given in memory as `memoryType`.
    void numberAttribute(hid_t object, const std::string& objectName, std::string_view name,
                         hid_t fileType, hid_t memoryType, const void* value) const {
        const std::string where = objectName + "@" + std::string(name);
        const Handle space = check(Handle(H5Screate(H5S_SCALAR), H5Sclose), where, "dataspace");
        const Handle attribute =
            check(Handle(H5Acreate2(object, std::string(name).c_str(), fileType, space.get(),
                                    H5P_DEFAULT, H5P_DEFAULT),
                         H5Aclose),
                  where, "creating the attribute");
        check(H5Awrite(attribute.get(), memoryType, value), where, "writing the attribute");
    }

private:
    const std::string& m_path;
};

/// Columns of a row of `spec`: 1, E or K.
hsize_t rowWidth(const DatasetSpec& spec, hsize_t nExperts, hsize_t nDomains) {
    switch (spec.kind) {
        case DatasetKind::PerExpert: return nExperts;
        case DatasetKind::PerDomain: return nDomains;
        case DatasetKind::Scalar: break;
    }
    return 1;
}

bool isInt64(const DatasetSpec& spec) {
    return std::holds_alternative<int64_t StepStats::*>(spec.field);
}

/// Creation properties of a dataset chunked as `chunk`, with shuffle + gzip when compressing.
Handle chunkedCreation(const Builder& builder, const std::string& where, int rank,
                       const hsize_t* chunk, int compression) {
    Handle creation =
        builder.check(Handle(H5Pcreate(H5P_DATASET_CREATE), H5Pclose), where, "properties");
    builder.check(H5Pset_chunk(creation.get(), rank, chunk), where, "chunking");
    if (compression > 0) {
        // Shuffle first: grouping the bytes of each number by significance is what lets gzip
        // compress slowly varying metrics well.
        builder.check(H5Pset_shuffle(creation.get()), where, "shuffle filter");
        builder.check(H5Pset_deflate(creation.get(), static_cast<unsigned>(compression)), where,
                      "gzip filter");
    }
    return creation;
}

/// Extends `dataset` to `newDims` and writes `count` elements at `start` from `data`. The
/// extent is an absolute size (not "+ rows"), so a retry after a failed flush rewrites the same
/// rows instead of appending them twice.
void writeBlock(const Builder& builder, hid_t dataset, const std::string& where,
                const std::string& rowsText, int rank, const hsize_t* newDims,
                const hsize_t* start, const hsize_t* count, hid_t memoryType, const void* data) {
    builder.check(H5Dset_extent(dataset, newDims), where, "extending for " + rowsText);
    const Handle fileSpace =
        builder.check(Handle(H5Dget_space(dataset), H5Sclose), where, "dataspace");
    builder.check(
        H5Sselect_hyperslab(fileSpace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
        where, "selecting " + rowsText);
    const Handle memorySpace =
        builder.check(Handle(H5Screate_simple(rank, count, nullptr), H5Sclose), where, "dataspace");
    builder.check(
        H5Dwrite(dataset, memoryType, memorySpace.get(), fileSpace.get(), H5P_DEFAULT, data),
        where, "writing " + rowsText);
    // Per-dataset flush so that a full disk is reported against the dataset that hit it.
    builder.check(H5Dflush(dataset), where, "writing " + rowsText + " to disk");
}

/// File and memory types of a snapshot dataset.
std::pair<hid_t, hid_t> snapshotTypes(SnapshotType type) {
    switch (type) {
        case SnapshotType::Int64: return {H5T_STD_I64LE, H5T_NATIVE_INT64};
        case SnapshotType::Int32: return {H5T_STD_I32LE, H5T_NATIVE_INT32};
        case SnapshotType::Float32: return {H5T_IEEE_F32LE, H5T_NATIVE_FLOAT};
        case SnapshotType::UInt8: return {H5T_STD_U8LE, H5T_NATIVE_UINT8};
    }
    return {H5T_STD_I64LE, H5T_NATIVE_INT64};
}

/// Attaches `scale` to dim 0 of `dataset` and labels its dims.
void attachStepScale(const Builder& builder, hid_t dataset, hid_t scale, const std::string& where,
                     const std::vector<const char*>& labels) {
    builder.check(H5DSattach_scale(dataset, scale, 0), where, "attaching the step dimension scale");
    for (size_t dim = 0; dim < labels.size(); ++dim) {
        builder.check(H5DSset_label(dataset, static_cast<unsigned>(dim), labels[dim]), where,
                      "labelling dim " + std::to_string(dim));
    }
}

/// One layer group and its open datasets (index-aligned with kTraceDatasets, and with
/// kSnapshotDatasets when the trace records snapshots).
struct LayerState {
    std::string name;
    Handle group;
    std::vector<Handle> datasets;
    std::vector<StepStats> pending;
    hsize_t rowsOnDisk = 0;
    Handle snapshotGroup;
    std::vector<Handle> snapshotDatasets;
    std::vector<TraceSnapshot> pendingSnapshots;
    hsize_t snapshotsOnDisk = 0;
};

}  // namespace

struct TraceWriter::Impl {
    std::string path;
    TraceWriterOptions options;
    hsize_t nExperts = 0;
    hsize_t nDomains = 1;
    hsize_t snapshotTokens = 0;
    hsize_t snapshotColumns = 0;  ///< 0: the trace has no snapshots
    Handle file;
    std::vector<LayerState> layers;
    std::chrono::steady_clock::time_point lastFlush;
    int64_t rowsWritten = 0;
    bool closed = false;

    void createFile(const TraceMetadata& meta);
    void createLayer(const Builder& builder, int layer);
    void createSnapshots(const Builder& builder, LayerState& layer);
    /// Writes the buffered rows to every dataset of the layer except `step` (stepOnly false),
    /// or to `step` alone, which then marks the rows as written (stepOnly true).
    void writePending(const Builder& builder, LayerState& layer, bool stepOnly);
    void writeSnapshots(const Builder& builder, LayerState& layer);
    void flush();
    void close();
    /// Releases every handle after a failed write, without letting HDF5's close fail.
    void abandon();

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl();
};

void TraceWriter::Impl::createFile(const TraceMetadata& meta) {
    const Builder builder(path);
    // SWMR needs the latest file format (superblock v3 and its chunk indexes).
    const Handle access =
        builder.check(Handle(H5Pcreate(H5P_FILE_ACCESS), H5Pclose), "", "file access properties");
    builder.check(H5Pset_libver_bounds(access.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "",
                  "file format bounds");
    file = builder.check(
        Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose), "",
        "cannot create the file");
    const hid_t root = file.get();
    builder.stringAttribute(root, "", kAttrSchemaVersion, std::string(kSchemaVersion));
    builder.stringAttribute(root, "", kAttrMoelabVersion, meta.moelabVersion);
    builder.stringAttribute(root, "", kAttrScenario, meta.scenario);
    builder.numberAttribute(root, "", kAttrSeed, H5T_STD_U64LE, H5T_NATIVE_UINT64, &meta.seed);
    builder.stringAttribute(root, "", kAttrCreated, isoTimeUtcNow());
    builder.stringAttribute(root, "", kAttrRouterKind, meta.routerKind);
    builder.numberAttribute(root, "", kAttrNExperts, H5T_STD_I32LE, H5T_NATIVE_INT, &meta.nExperts);
    builder.numberAttribute(root, "", kAttrNLayers, H5T_STD_I32LE, H5T_NATIVE_INT, &meta.nLayers);
    builder.stringAttribute(root, "", kAttrEvents, meta.events);
    // NeXus: h5web and silx follow @default from the root to an NXdata group and plot it.
    builder.stringAttribute(root, "", "default", layerGroupName(0));
    if (!meta.vocabulary.empty())
        builder.stringListDataset(root, std::string(kVocabularyDataset), meta.vocabulary);
    if (!meta.domainNames.empty())
        builder.stringListDataset(root, std::string(kDomainNamesDataset), meta.domainNames);

    for (int layer = 0; layer < meta.nLayers; ++layer) createLayer(builder, layer);
    // From here on HDF5 orders its writes so that the file is readable at every moment, by
    // SWMR readers now and after a kill; it also releases the file lock so readers can open it.
    // SWMR forbids creating objects and attributes from now on: everything exists already.
    builder.check(H5Fstart_swmr_write(root), "", "starting SWMR writing");
}

void TraceWriter::Impl::createLayer(const Builder& builder, int layer) {
    LayerState state;
    state.name = layerGroupName(layer);
    state.group = builder.check(
        Handle(H5Gcreate2(file.get(), state.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               H5Gclose),
        state.name, "creating the group");
    const hid_t group = state.group.get();
    builder.stringAttribute(group, state.name, "NX_class", "NXdata");
    builder.stringAttribute(group, state.name, "signal", std::string(kDefaultSignal));
    builder.stringArrayAttribute(group, state.name, "axes",
                                 std::array<std::string_view, 1>{kStepDataset});
    builder.stringArrayAttribute(group, state.name, "auxiliary_signals", kAuxiliarySignals);

    for (const DatasetSpec& spec : kTraceDatasets) {
        const std::string where = state.name + "/" + std::string(spec.name);
        const bool perExpert = spec.kind != DatasetKind::Scalar;  // per expert or per domain
        const int rank = perExpert ? 2 : 1;
        const hsize_t width = rowWidth(spec, nExperts, nDomains);
        const hsize_t rowChunk = std::clamp<hsize_t>(kChunkBytesTarget / (width * sizeof(double)),
                                                     1, kMaxExpertChunkRows);
        const std::array<hsize_t, 2> dims = {0, width};
        const std::array<hsize_t, 2> maxDims = {H5S_UNLIMITED, width};
        const std::array<hsize_t, 2> chunk = {perExpert ? rowChunk : kScalarChunkRows, width};
        const Handle space =
            builder.check(Handle(H5Screate_simple(rank, dims.data(), maxDims.data()), H5Sclose),
                          where, "dataspace");
        const Handle creation =
            chunkedCreation(builder, where, rank, chunk.data(), options.compression);
        const hid_t fileType = isInt64(spec) ? H5T_STD_I64LE : H5T_IEEE_F64LE;
        Handle dataset =
            builder.check(Handle(H5Dcreate2(group, std::string(spec.name).c_str(), fileType,
                                            space.get(), H5P_DEFAULT, creation.get(), H5P_DEFAULT),
                                 H5Dclose),
                          where, "creating the dataset");
        builder.stringAttribute(dataset.get(), where, kAttrUnits, std::string(spec.units));
        builder.stringAttribute(dataset.get(), where, kAttrLongName, std::string(spec.longName));

        if (spec.name == kStepDataset) {
            builder.check(H5DSset_scale(dataset.get(), std::string(kStepDataset).c_str()), where,
                          "making it a dimension scale");
        } else {
            // kTraceDatasets starts with step, so datasets[0] is the scale.
            const char* columns = spec.kind == DatasetKind::PerDomain ? "domain" : "expert";
            attachStepScale(builder, dataset.get(), state.datasets.front().get(), where,
                            perExpert ? std::vector<const char*>{"step", columns}
                                      : std::vector<const char*>{"step"});
        }
        state.datasets.push_back(std::move(dataset));
    }
    if (snapshotColumns > 0) createSnapshots(builder, state);
    layers.push_back(std::move(state));
}

void TraceWriter::Impl::createSnapshots(const Builder& builder, LayerState& layer) {
    const std::string groupName = layer.name + "/" + std::string(kSnapshotGroup);
    layer.snapshotGroup =
        builder.check(Handle(H5Gcreate2(layer.group.get(), std::string(kSnapshotGroup).c_str(),
                                        H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                             H5Gclose),
                      groupName, "creating the group");
    for (const SnapshotDatasetSpec& spec : kSnapshotDatasets) {
        const std::string where = groupName + "/" + std::string(spec.name);
        const int rank = spec.shape == SnapshotShape::Step       ? 1
                         : spec.shape == SnapshotShape::PerToken ? 2
                                                                 : 3;
        const std::array<hsize_t, 3> dims = {0, snapshotTokens, snapshotColumns};
        const std::array<hsize_t, 3> maxDims = {H5S_UNLIMITED, snapshotTokens, snapshotColumns};
        // One snapshot per chunk: a reader fetches one step without decompressing its
        // neighbours. The step axis packs many rows per chunk like the per-step scalars.
        const std::array<hsize_t, 3> chunk = {
            spec.shape == SnapshotShape::Step ? kScalarChunkRows : 1, snapshotTokens,
            snapshotColumns};
        const Handle space =
            builder.check(Handle(H5Screate_simple(rank, dims.data(), maxDims.data()), H5Sclose),
                          where, "dataspace");
        const Handle creation =
            chunkedCreation(builder, where, rank, chunk.data(), options.compression);
        Handle dataset = builder.check(
            Handle(H5Dcreate2(layer.snapshotGroup.get(), std::string(spec.name).c_str(),
                              snapshotTypes(spec.type).first, space.get(), H5P_DEFAULT,
                              creation.get(), H5P_DEFAULT),
                   H5Dclose),
            where, "creating the dataset");
        builder.stringAttribute(dataset.get(), where, kAttrUnits, std::string(spec.units));
        builder.stringAttribute(dataset.get(), where, kAttrLongName, std::string(spec.longName));
        if (spec.shape == SnapshotShape::Step) {
            builder.check(
                H5DSset_scale(dataset.get(), std::string(kSnapshotStepDataset).c_str()), where,
                "making it a dimension scale");
        } else {
            std::vector<const char*> labels = {"snapshot", "token"};
            if (spec.shape == SnapshotShape::PerChoice) labels.push_back("choice");
            attachStepScale(builder, dataset.get(), layer.snapshotDatasets.front().get(), where,
                            labels);
        }
        layer.snapshotDatasets.push_back(std::move(dataset));
    }
}

void TraceWriter::Impl::writePending(const Builder& builder, LayerState& layer, bool stepOnly) {
    const hsize_t nRows = layer.pending.size();
    if (nRows == 0) return;
    const hsize_t firstRow = layer.rowsOnDisk;
    const std::array<hsize_t, 2> start = {firstRow, 0};
    const std::string rowsText =
        "rows " + std::to_string(firstRow) + "-" + std::to_string(firstRow + nRows - 1);

    std::vector<double> doubles;
    std::vector<int64_t> integers;
    for (size_t i = 0; i < kTraceDatasets.size(); ++i) {
        const DatasetSpec& spec = kTraceDatasets[i];
        if ((spec.name == kStepDataset) != stepOnly) continue;
        const hid_t dataset = layer.datasets[i].get();
        const std::string where = layer.name + "/" + std::string(spec.name);
        const int rank = spec.kind == DatasetKind::Scalar ? 1 : 2;
        const hsize_t width = rowWidth(spec, nExperts, nDomains);
        const std::array<hsize_t, 2> newDims = {firstRow + nRows, width};
        const std::array<hsize_t, 2> count = {nRows, width};

        // Gather the column (or [rows, E] block, row-major as stored) from the buffered rows.
        const void* data = nullptr;
        hid_t memoryType = H5T_NATIVE_DOUBLE;
        if (const auto* member = std::get_if<int64_t StepStats::*>(&spec.field)) {
            integers.clear();
            for (const StepStats& row : layer.pending) integers.push_back(row.**member);
            data = integers.data();
            memoryType = H5T_NATIVE_INT64;
        } else if (const auto* scalar = std::get_if<double StepStats::*>(&spec.field)) {
            doubles.clear();
            for (const StepStats& row : layer.pending) doubles.push_back(row.**scalar);
            data = doubles.data();
        } else {
            const auto vector = std::get<std::vector<double> StepStats::*>(spec.field);
            doubles.clear();
            for (const StepStats& row : layer.pending) {
                if ((row.*vector).empty())
                    doubles.insert(doubles.end(), width, spec.emptyFill.value_or(0.0));
                else
                    doubles.insert(doubles.end(), (row.*vector).begin(), (row.*vector).end());
            }
            data = doubles.data();
        }

        writeBlock(builder, dataset, where, rowsText, rank, newDims.data(), start.data(),
                   count.data(), memoryType, data);
    }
    if (!stepOnly) return;
    layer.rowsOnDisk += nRows;
    rowsWritten += static_cast<int64_t>(nRows);
    layer.pending.clear();
}

void TraceWriter::Impl::writeSnapshots(const Builder& builder, LayerState& layer) {
    const hsize_t nSnapshots = layer.pendingSnapshots.size();
    if (nSnapshots == 0) return;
    const hsize_t first = layer.snapshotsOnDisk;
    const std::array<hsize_t, 3> newDims = {first + nSnapshots, snapshotTokens, snapshotColumns};
    const std::array<hsize_t, 3> start = {first, 0, 0};
    const std::array<hsize_t, 3> count = {nSnapshots, snapshotTokens, snapshotColumns};
    const std::string rowsText =
        "snapshots " + std::to_string(first) + "-" + std::to_string(first + nSnapshots - 1);
    const auto tokens = static_cast<size_t>(snapshotTokens);
    const auto cells = tokens * static_cast<size_t>(snapshotColumns);

    // Gathers one dataset's block, padding each snapshot to T tokens with `absent`.
    const auto gather = [&](auto member, auto absent, size_t perSnapshot) {
        std::vector<decltype(absent)> block;
        block.reserve(static_cast<size_t>(nSnapshots) * perSnapshot);
        for (const TraceSnapshot& snapshot : layer.pendingSnapshots) {
            const auto& values = snapshot.*member;
            block.insert(block.end(), values.begin(), values.end());
            block.resize(block.size() + perSnapshot - values.size(), absent);
        }
        return block;
    };
    std::vector<int64_t> steps;
    for (const TraceSnapshot& snapshot : layer.pendingSnapshots) steps.push_back(snapshot.step);
    const std::vector<int32_t> domain = gather(&TraceSnapshot::domain, int32_t{-1}, tokens);
    const std::vector<int32_t> tokenId = gather(&TraceSnapshot::tokenId, int32_t{-1}, tokens);
    const std::vector<int32_t> choice = gather(&TraceSnapshot::choice, int32_t{-1}, cells);
    const std::vector<float> weight = gather(&TraceSnapshot::weight, 0.0f, cells);
    const std::vector<uint8_t> kept = gather(&TraceSnapshot::kept, uint8_t{0}, cells);
    const std::array<const void*, kSnapshotDatasets.size()> blocks = {
        steps.data(), domain.data(), tokenId.data(), choice.data(), weight.data(), kept.data()};

    // snapshot_step (index 0) last, as `step` for the rows: its length counts whole snapshots.
    for (size_t n = 1; n <= kSnapshotDatasets.size(); ++n) {
        const size_t i = n % kSnapshotDatasets.size();
        const SnapshotDatasetSpec& spec = kSnapshotDatasets[i];
        const std::string where = layer.name + "/" + std::string(kSnapshotGroup) + "/" +
                                  std::string(spec.name);
        const int rank = spec.shape == SnapshotShape::Step       ? 1
                         : spec.shape == SnapshotShape::PerToken ? 2
                                                                 : 3;
        writeBlock(builder, layer.snapshotDatasets[i].get(), where, rowsText, rank,
                   newDims.data(), start.data(), count.data(), snapshotTypes(spec.type).second,
                   blocks[i]);
    }
    layer.snapshotsOnDisk += nSnapshots;
    layer.pendingSnapshots.clear();
}

void TraceWriter::Impl::flush() {
    if (closed) return;
    const Builder builder(path);
    // A run killed during this loop leaves datasets of different lengths: each dataset's new
    // extent reaches the disk on its own, and under SWMR HDF5 does not promise to write them in
    // call order (a kill test saw `step` longer than `mean_score`). The rows every dataset holds
    // are whole, so readers use the shortest length (trace_reader.cpp). Each layer's `step` is
    // still written last, which makes the common case, a cut between two datasets, leave
    // `step` the shortest.
    for (LayerState& layer : layers) {
        writeSnapshots(builder, layer);
        writePending(builder, layer, false);
    }
    for (LayerState& layer : layers) writePending(builder, layer, true);
    builder.check(H5Fflush(file.get(), H5F_SCOPE_LOCAL), "", "flushing the file");
    lastFlush = std::chrono::steady_clock::now();
}

void TraceWriter::Impl::close() {
    if (closed) return;
    std::exception_ptr failure;
    try {
        flush();
    } catch (const TraceError&) {
        failure = std::current_exception();
    }
    closed = true;
    if (failure) {
        abandon();
        std::rethrow_exception(failure);
    }
    layers.clear();  // datasets and groups first: H5Fclose only closes a file with nothing open
    if (!file.reset()) Builder(path).fail("", "closing the file");
}

void TraceWriter::Impl::abandon() {
    // HDF5 1.10 frees a file whose close fails but keeps its identifier, and then crashes at
    // process exit closing that identifier again (HDFFV-11052, fixed in HDF5 1.14). After a
    // failed write the close usually fails the same way (the disk is still full). So point the
    // file's descriptor at an anonymous in-memory file first: HDF5's last writes land there, the
    // closes succeed, and the file on disk keeps what was written before the failure. This
    // cannot help when the failure hit H5Fflush itself: 1.10 then leaves its metadata cache
    // unable to flush again ("slist already enabled"), and the close fails whatever it writes to.
    void* handle = nullptr;
    if (file.valid() && H5Fget_vfd_handle(file.get(), H5P_DEFAULT, &handle) >= 0 &&
        handle != nullptr) {
        const int sink = memfd_create("moelab-abandoned-trace", MFD_CLOEXEC);
        if (sink >= 0) {
            dup2(sink, *static_cast<int*>(handle));
            ::close(sink);
        }
    }
    layers.clear();
    file.reset();
}

TraceWriter::Impl::~Impl() {
    // Only reached with the file open when the constructor failed half-way: the half-made file
    // is of no use, and its close could fail like the write that stopped the constructor.
    if (file.valid()) abandon();
}

TraceWriter::TraceWriter(const std::string& path, const TraceMetadata& meta,
                         TraceWriterOptions options) {
    MOELAB_ASSERT(meta.nExperts >= 1, "a trace needs at least one expert");
    MOELAB_ASSERT(meta.nLayers >= 1, "a trace needs at least one layer");
    MOELAB_ASSERT(meta.nDomains >= 1, "per-domain datasets need at least one column");
    MOELAB_ASSERT(meta.snapshotTokens >= 0 && meta.snapshotColumns >= 0 &&
                      (meta.snapshotTokens > 0) == (meta.snapshotColumns > 0),
                  "snapshot sizes must both be positive, or both 0 for no snapshots");
    MOELAB_ASSERT(options.flushEvery >= 1, "flushEvery must be >= 1");
    MOELAB_ASSERT(options.flushSeconds >= 0, "flushSeconds must be >= 0");
    MOELAB_ASSERT(options.compression >= 0 && options.compression <= 9,
                  "compression is a gzip level, 0-9");
    const h5::ErrorPrintingOff quiet;
    // Built in a local so that, if creation throws, the half-made file's handles are released
    // while HDF5's error printing is still off.
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->options = options;
    impl->nExperts = static_cast<hsize_t>(meta.nExperts);
    impl->nDomains = static_cast<hsize_t>(meta.nDomains);
    impl->snapshotTokens = static_cast<hsize_t>(meta.snapshotTokens);
    impl->snapshotColumns = static_cast<hsize_t>(meta.snapshotColumns);
    impl->createFile(meta);
    impl->lastFlush = std::chrono::steady_clock::now();
    m_impl = std::move(impl);
}

TraceWriter::~TraceWriter() {
    try {
        close();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "moelab: %s\n", error.what());
    }
}

void TraceWriter::append(int layer, const StepStats& stats) {
    Impl& impl = *m_impl;
    MOELAB_ASSERT(!impl.closed, "append() after close()");
    MOELAB_ASSERT(layer >= 0 && static_cast<size_t>(layer) < impl.layers.size(),
                  "layer " + std::to_string(layer) + " out of range");
    for (const DatasetSpec& spec : kTraceDatasets) {
        if (const auto* vector = std::get_if<std::vector<double> StepStats::*>(&spec.field)) {
            const bool emptyAllowed = spec.emptyFill.has_value() && (stats.**vector).empty();
            MOELAB_ASSERT(emptyAllowed || (stats.**vector).size() ==
                                              rowWidth(spec, impl.nExperts, impl.nDomains),
                          std::string(spec.name) + " must have one value per column");
        }
    }
    impl.layers[static_cast<size_t>(layer)].pending.push_back(stats);

    size_t mostPending = 0;
    bool stepBoundary = true;
    for (const LayerState& state : impl.layers) {
        mostPending = std::max(mostPending, state.pending.size());
        stepBoundary = stepBoundary && state.pending.size() == impl.layers.front().pending.size();
    }
    if (!stepBoundary) return;
    const std::chrono::duration<double> sinceFlush =
        std::chrono::steady_clock::now() - impl.lastFlush;
    if (mostPending >= static_cast<size_t>(impl.options.flushEvery) ||
        sinceFlush.count() >= impl.options.flushSeconds) {
        flush();
    }
}

void TraceWriter::appendSnapshot(int layer, const TraceSnapshot& snapshot) {
    Impl& impl = *m_impl;
    MOELAB_ASSERT(!impl.closed, "appendSnapshot() after close()");
    MOELAB_ASSERT(impl.snapshotColumns > 0, "the trace was created without snapshots");
    MOELAB_ASSERT(layer >= 0 && static_cast<size_t>(layer) < impl.layers.size(),
                  "layer " + std::to_string(layer) + " out of range");
    const auto tokens = static_cast<size_t>(snapshot.nTokens);
    const size_t cells = tokens * static_cast<size_t>(impl.snapshotColumns);
    MOELAB_ASSERT(snapshot.nTokens >= 0 && tokens <= impl.snapshotTokens,
                  "a snapshot holds at most snapshotTokens tokens");
    MOELAB_ASSERT(snapshot.domain.empty() || snapshot.domain.size() == tokens,
                  "domain must be empty or hold one label per token");
    MOELAB_ASSERT(snapshot.tokenId.empty() || snapshot.tokenId.size() == tokens,
                  "tokenId must be empty or hold one id per token");
    MOELAB_ASSERT(snapshot.choice.size() == cells && snapshot.weight.size() == cells &&
                      snapshot.kept.size() == cells,
                  "choice, weight and kept must hold nTokens x snapshotColumns values");
    impl.layers[static_cast<size_t>(layer)].pendingSnapshots.push_back(snapshot);
}

void TraceWriter::flush() {
    const h5::ErrorPrintingOff quiet;
    m_impl->flush();
}

void TraceWriter::close() {
    const h5::ErrorPrintingOff quiet;
    m_impl->close();
}

int64_t TraceWriter::rowsWritten() const {
    return m_impl->rowsWritten;
}

}  // namespace moe::io
