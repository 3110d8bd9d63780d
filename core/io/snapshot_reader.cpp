// SPDX-License-Identifier: MIT
#include "core/io/snapshot_reader.h"

#include "core/io/hdf5_util.h"
#include "core/io/trace_schema.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <stdexcept>

namespace moe::io {
namespace {

using h5::Handle;

/// A finished message ("<path>: <what>") on its way to the error value.
class ReadFailure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The snapshots group of one layer, opened, with the shapes of its datasets checked.
class SnapshotGroup {
public:
    SnapshotGroup(const std::string& path, int layer) : m_path(path) {
        auto file = h5::openForReading(path);
        if (!file) throw ReadFailure(file.error());
        m_file = std::move(*file);
        m_where = layerGroupName(layer) + "/" + std::string(kSnapshotGroup);
        const std::string layerName = layerGroupName(layer);
        if (H5Lexists(m_file.get(), layerName.c_str(), H5P_DEFAULT) <= 0)
            fail("no group " + layerName + " (no such layer)");
        // Checked link by link: H5Lexists fails on a path whose group is missing.
        if (H5Lexists(m_file.get(), m_where.c_str(), H5P_DEFAULT) <= 0) return;
        m_group = Handle(H5Gopen2(m_file.get(), m_where.c_str(), H5P_DEFAULT), H5Gclose);
        if (!m_group.valid()) fail("cannot open group " + m_where + ": " + h5::errorText());
        for (const SnapshotDatasetSpec& spec : kSnapshotDatasets) open(spec);
    }

    bool present() const { return m_group.valid(); }
    hsize_t count() const { return m_count; }
    hsize_t tokens() const { return m_tokens; }
    hsize_t columns() const { return m_columns; }

    [[noreturn]] void fail(const std::string& what) const {
        throw ReadFailure(m_path + ": " + what);
    }

    /// Reads entries [first, first + n) of snapshot dataset `spec` along the snapshot axis,
    /// converted to `memoryType`.
    template <typename T>
    std::vector<T> read(const SnapshotDatasetSpec& spec, hsize_t first, hsize_t n,
                        hid_t memoryType) const {
        const auto at = static_cast<size_t>(&spec - kSnapshotDatasets.data());
        const Handle& dataset = m_datasets[at];
        const int rank = rankOf(spec.shape);
        const std::array<hsize_t, 3> start = {first, 0, 0};
        const std::array<hsize_t, 3> size = {n, m_tokens, m_columns};
        std::vector<T> out(static_cast<size_t>(n * (rank > 1 ? m_tokens : 1) *
                                               (rank > 2 ? m_columns : 1)));
        const Handle fileSpace(H5Dget_space(dataset.get()), H5Sclose);
        const Handle memorySpace(H5Screate_simple(rank, size.data(), nullptr), H5Sclose);
        if (out.empty()) return out;
        if (!fileSpace.valid() || !memorySpace.valid() ||
            H5Sselect_hyperslab(fileSpace.get(), H5S_SELECT_SET, start.data(), nullptr,
                                size.data(), nullptr) < 0 ||
            H5Dread(dataset.get(), memoryType, memorySpace.get(), fileSpace.get(), H5P_DEFAULT,
                    out.data()) < 0)
            fail("cannot read " + name(spec) + ": " + h5::errorText());
        return out;
    }

private:
    static int rankOf(SnapshotShape shape) {
        switch (shape) {
            case SnapshotShape::Step:
                return 1;
            case SnapshotShape::PerToken:
                return 2;
            case SnapshotShape::PerChoice:
                return 3;
        }
        return 0;
    }

    std::string name(const SnapshotDatasetSpec& spec) const {
        return "dataset " + m_where + "/" + std::string(spec.name);
    }

    void open(const SnapshotDatasetSpec& spec) {
        const std::string local(spec.name);
        if (H5Lexists(m_group.get(), local.c_str(), H5P_DEFAULT) <= 0)
            fail("missing " + name(spec));
        Handle dataset(H5Dopen2(m_group.get(), local.c_str(), H5P_DEFAULT), H5Dclose);
        if (!dataset.valid()) fail("cannot open " + name(spec) + ": " + h5::errorText());
        // See readTrace: another open of the same file in this process may hold old extents.
        if (H5Drefresh(dataset.get()) < 0)
            fail("cannot refresh " + name(spec) + ": " + h5::errorText());
        const Handle type(H5Dget_type(dataset.get()), H5Tclose);
        const H5T_class_t typeClass = H5Tget_class(type.get());
        const bool floating = spec.type == SnapshotType::Float32;
        if (typeClass != (floating ? H5T_FLOAT : H5T_INTEGER))
            fail(name(spec) + (floating ? " does not hold floating-point numbers"
                                        : " does not hold integers"));
        const Handle space(H5Dget_space(dataset.get()), H5Sclose);
        const int rank = rankOf(spec.shape);
        std::array<hsize_t, 3> dims = {0, 0, 0};
        if (H5Sget_simple_extent_ndims(space.get()) != rank ||
            H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) != rank)
            fail(name(spec) + " should have " + std::to_string(rank) + " dimensions");
        const bool first = m_datasets.empty();
        m_count = first ? dims[0] : std::min(m_count, dims[0]);
        if (rank >= 2) {
            if (m_tokens == 0) m_tokens = dims[1];
            if (dims[1] != m_tokens) fail(name(spec) + " has a different token count");
        }
        if (rank == 3) {
            if (m_columns == 0) m_columns = dims[2];
            if (dims[2] != m_columns) fail(name(spec) + " has a different column count");
        }
        m_datasets.push_back(std::move(dataset));
    }

    const std::string& m_path;
    std::string m_where;
    Handle m_file;
    Handle m_group;
    std::vector<Handle> m_datasets;  ///< in kSnapshotDatasets order
    hsize_t m_count = 0;
    hsize_t m_tokens = 0;
    hsize_t m_columns = 0;
};

const SnapshotDatasetSpec& snapshotSpec(std::string_view name) {
    for (const SnapshotDatasetSpec& s : kSnapshotDatasets)
        if (s.name == name) return s;
    throw std::logic_error("no snapshot dataset " + std::string(name));
}

/// `labels`, or nothing when every entry is -1 (the stream has no labels).
std::vector<int32_t> labelsOrNone(std::vector<int32_t> labels) {
    if (std::all_of(labels.begin(), labels.end(), [](int32_t v) { return v == -1; })) return {};
    return labels;
}

template <typename T, typename Body>
tl::expected<T, std::string> guarded(const std::string& path, Body body) {
    const h5::ErrorPrintingOff quiet;
    try {
        return body();
    } catch (const ReadFailure& failure) {
        return tl::make_unexpected(std::string(failure.what()));
    } catch (const std::exception& error) {
        return tl::make_unexpected(path + ": " + error.what());
    }
}

}  // namespace

tl::expected<std::vector<int64_t>, std::string> readSnapshotSteps(const std::string& path,
                                                                  int layer) {
    return guarded<std::vector<int64_t>>(path, [&] {
        const SnapshotGroup group(path, layer);
        if (!group.present()) return std::vector<int64_t>{};
        return group.read<int64_t>(snapshotSpec(kSnapshotStepDataset), 0, group.count(),
                                   H5T_NATIVE_INT64);
    });
}

tl::expected<TraceSnapshot, std::string> readSnapshot(const std::string& path, int layer,
                                                      int64_t index) {
    return guarded<TraceSnapshot>(path, [&] {
        const SnapshotGroup group(path, layer);
        if (!group.present()) group.fail(layerGroupName(layer) + " has no snapshots");
        if (index < 0 || static_cast<hsize_t>(index) >= group.count())
            group.fail("no snapshot " + std::to_string(index) + " (the layer has " +
                       std::to_string(group.count()) + ")");
        const auto at = static_cast<hsize_t>(index);
        TraceSnapshot snapshot;
        snapshot.step =
            group.read<int64_t>(snapshotSpec(kSnapshotStepDataset), at, 1, H5T_NATIVE_INT64).front();
        snapshot.nTokens = static_cast<int>(group.tokens());
        snapshot.domain = labelsOrNone(group.read<int32_t>(snapshotSpec("domain"), at, 1, H5T_NATIVE_INT32));
        snapshot.tokenId =
            labelsOrNone(group.read<int32_t>(snapshotSpec("token_id"), at, 1, H5T_NATIVE_INT32));
        snapshot.choice = group.read<int32_t>(snapshotSpec("choice"), at, 1, H5T_NATIVE_INT32);
        snapshot.weight = group.read<float>(snapshotSpec("weight"), at, 1, H5T_NATIVE_FLOAT);
        snapshot.kept = group.read<uint8_t>(snapshotSpec("kept"), at, 1, H5T_NATIVE_UINT8);
        return snapshot;
    });
}

int64_t nearestSnapshot(const std::vector<int64_t>& snapshotSteps, int64_t step) {
    int64_t best = -1;
    for (size_t i = 0; i < snapshotSteps.size(); ++i) {
        const auto distance = std::llabs(snapshotSteps[i] - step);
        if (best < 0 || distance < std::llabs(snapshotSteps[static_cast<size_t>(best)] - step))
            best = static_cast<int64_t>(i);
    }
    return best;
}

}  // namespace moe::io
