// SPDX-License-Identifier: MIT
#include "core/io/trace_reader.h"

#include "core/io/hdf5_util.h"
#include "core/io/trace_schema.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

namespace moe::io {
namespace {

using h5::Handle;

/// Carries a finished, user-facing message out of the helpers to the public functions, which
/// turn it into the error value.
class ReadFailure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
    return text;
}

/// One dataset of a layer, opened and checked, not yet read.
struct OpenDataset {
    const DatasetSpec* spec = nullptr;
    Handle dataset;
    hsize_t rows = 0;
    hsize_t columns = 1;
};

class Reader {
public:
    explicit Reader(const std::string& path) : m_path(path) {}

    [[noreturn]] void fail(const std::string& detail) const {
        throw ReadFailure(m_path + ": " + detail);
    }

    Handle openFile() const {
        std::error_code error;
        if (!std::filesystem::exists(m_path, error)) fail("no such file");
        if (std::filesystem::is_directory(m_path, error)) fail("is a directory, not a trace");
        const htri_t isHdf5 = H5Fis_hdf5(m_path.c_str());
        if (isHdf5 < 0) fail("cannot read the file: " + h5::errorText());
        if (isHdf5 == 0) fail("not an HDF5 file");
        // SWMR read opens what a plain read-only open refuses: a trace that a run is still
        // writing, and one whose run was killed (both marked "open for writing"). On any other
        // file it reads as a plain open does.
        // Under SWMR, HDF5 retries a metadata read whose checksum fails (a block the writer is
        // rewriting) 100 times by default, doubling a sleep each time: on a corrupt file that
        // never ends (found by fuzzing, tests/data/fuzz/fuzz_trace_reader-swmr-retry). 20
        // attempts still wait out a torn write (about 1 ms of backoff in all).
        Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
        if (!access.valid() || H5Pset_metadata_read_attempts(access.get(), 20) < 0)
            fail("cannot set up file access: " + h5::errorText());
        Handle file(H5Fopen(m_path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, access.get()),
                    H5Fclose);
        if (!file.valid()) {
            const std::string cause = h5::errorText();
            const bool locked = cause.find("unable to lock file") != std::string::npos;
            fail("cannot open the file: " + cause +
                 (locked ? " (a running moelab may be writing it; copy the file, or set "
                           "HDF5_USE_FILE_LOCKING=FALSE to read it anyway)"
                         : ""));
        }
        return file;
    }

    static bool hasAttribute(hid_t object, std::string_view name) {
        return H5Aexists(object, std::string(name).c_str()) > 0;
    }

    /// A scalar string attribute, variable-length (what moelab and h5py write) or fixed-length.
    std::string stringAttribute(hid_t object, std::string_view name) const {
        const Handle attribute = open(object, name);
        const Handle type(H5Aget_type(attribute.get()), H5Tclose);
        if (H5Tget_class(type.get()) != H5T_STRING) fail(at(name) + " is not a string");
        requireScalar(attribute, name);
        if (H5Tis_variable_str(type.get()) > 0) {
            auto value = h5::readVariableStringAttribute(attribute.get());
            if (!value) fail("cannot read " + at(name) + ": " + value.error());
            return *value;
        }
        const size_t size = H5Tget_size(type.get());
        std::string value(size, '\0');
        if (size == 0 || H5Aread(attribute.get(), type.get(), value.data()) < 0)
            fail("cannot read " + at(name) + ": " + h5::errorText());
        // Fixed-length strings are padded with NULs (or spaces, which we keep as written).
        value.resize(std::min(value.find('\0'), value.size()));
        return value;
    }

    /// A scalar integer attribute converted to T (given as the matching native HDF5 type).
    template <typename T>
    T integerAttribute(hid_t object, std::string_view name, hid_t memoryType) const {
        const Handle attribute = open(object, name);
        const Handle type(H5Aget_type(attribute.get()), H5Tclose);
        if (H5Tget_class(type.get()) != H5T_INTEGER) fail(at(name) + " is not an integer");
        requireScalar(attribute, name);
        T value{};
        if (H5Aread(attribute.get(), memoryType, &value) < 0)
            fail("cannot read " + at(name) + ": " + h5::errorText());
        return value;
    }

    /// Opens `layerName/name` and checks its rank, type and (for per-expert data) width.
    OpenDataset openDataset(hid_t group, const std::string& layerName, const DatasetSpec& spec,
                            int nExperts) const {
        const std::string where = layerName + "/" + std::string(spec.name);
        OpenDataset opened;
        opened.spec = &spec;
        opened.dataset =
            Handle(H5Dopen2(group, std::string(spec.name).c_str(), H5P_DEFAULT), H5Dclose);
        if (!opened.dataset.valid()) fail("cannot open dataset " + where + ": " + h5::errorText());
        // Within one process HDF5 shares an open file's metadata cache between its opens, so
        // while the process holds the trace open elsewhere (a GUI following a run) a new open
        // would see the extents of then. The refresh reloads the dataset's metadata from disk.
        if (H5Drefresh(opened.dataset.get()) < 0)
            fail("cannot refresh dataset " + where + ": " + h5::errorText());
        const Handle type(H5Dget_type(opened.dataset.get()), H5Tclose);
        const H5T_class_t typeClass = H5Tget_class(type.get());
        if (typeClass != H5T_FLOAT && typeClass != H5T_INTEGER)
            fail("dataset " + where + " does not hold numbers");
        const Handle space(H5Dget_space(opened.dataset.get()), H5Sclose);
        const bool perExpert = spec.kind == DatasetKind::PerExpert;
        const bool perDomain = spec.kind == DatasetKind::PerDomain;
        const int rank = spec.kind == DatasetKind::Scalar ? 1 : 2;
        std::array<hsize_t, 2> dims = {0, 0};
        if (H5Sget_simple_extent_ndims(space.get()) != rank ||
            H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) != rank) {
            fail("dataset " + where + " should be " +
                 (perExpert   ? "2-D [steps, n_experts]"
                  : perDomain ? "2-D [steps, domains]"
                              : "1-D [steps]"));
        }
        if (perExpert && dims[1] != static_cast<hsize_t>(nExperts)) {
            fail("dataset " + where + " has " + std::to_string(dims[1]) +
                 " columns, but n_experts is " + std::to_string(nExperts));
        }
        if (perDomain && (dims[1] < 1 || dims[1] > (hsize_t{1} << 20)))
            fail("dataset " + where + " has " + std::to_string(dims[1]) + " domain columns");
        opened.rows = dims[0];
        opened.columns = rank == 2 ? dims[1] : 1;
        return opened;
    }

    /// Reads the first `rows` rows of an opened dataset, converted to the memory type of
    /// `out`'s element (int64 or double), row-major.
    template <typename T>
    void readRows(const OpenDataset& opened, const std::string& layerName, hsize_t rows,
                  hsize_t columns, hid_t memoryType, std::vector<T>& out) const {
        out.resize(static_cast<size_t>(rows * columns));
        if (rows == 0) return;
        const int rank = opened.spec->kind == DatasetKind::Scalar ? 1 : 2;
        const std::array<hsize_t, 2> start = {0, 0};
        const std::array<hsize_t, 2> count = {rows, columns};
        const Handle fileSpace(H5Dget_space(opened.dataset.get()), H5Sclose);
        const Handle memorySpace(H5Screate_simple(rank, count.data(), nullptr), H5Sclose);
        if (!fileSpace.valid() || !memorySpace.valid() ||
            H5Sselect_hyperslab(fileSpace.get(), H5S_SELECT_SET, start.data(), nullptr,
                                count.data(), nullptr) < 0 ||
            H5Dread(opened.dataset.get(), memoryType, memorySpace.get(), fileSpace.get(),
                    H5P_DEFAULT, out.data()) < 0) {
            fail("cannot read dataset " + layerName + "/" + std::string(opened.spec->name) + ": " +
                 h5::errorText());
        }
    }

    /// The root attributes, the layer's group (returned through `group`) and its row count.
    TraceHeader header(hid_t file, int layer, Handle& group) const {
        TraceHeader result;
        // The version first: a newer major must be reported as such, not as whatever its
        // different layout lacks.
        if (!hasAttribute(file, kAttrSchemaVersion))
            fail("not a moelab trace (no schema_version attribute on /)");
        result.schemaVersion = stringAttribute(file, kAttrSchemaVersion);
        const std::optional<SchemaVersion> version = parseSchemaVersion(result.schemaVersion);
        if (!version) fail("malformed schema_version '" + result.schemaVersion + "'");
        const std::string ours = std::to_string(kSchemaMajor) + ".x";
        if (version->versionMajor > kSchemaMajor) {
            throw ReadFailure(m_path + " has schema " + result.schemaVersion +
                              "; this moelab reads up to " + ours);
        }
        if (version->versionMajor < kSchemaMajor) {
            throw ReadFailure(m_path + " has schema " + result.schemaVersion +
                              ", which this moelab (schema " + ours + ") cannot read");
        }

        std::vector<std::string> missing;
        for (const std::string_view name :
             {kAttrMoelabVersion, kAttrScenario, kAttrSeed, kAttrCreated, kAttrRouterKind,
              kAttrNExperts, kAttrNLayers}) {
            if (!hasAttribute(file, name)) missing.push_back("@" + std::string(name));
        }
        if (!missing.empty()) fail("not a complete moelab trace; missing " + joined(missing));
        result.moelabVersion = stringAttribute(file, kAttrMoelabVersion);
        result.scenario = stringAttribute(file, kAttrScenario);
        result.created = stringAttribute(file, kAttrCreated);
        result.routerKind = stringAttribute(file, kAttrRouterKind);
        result.seed = integerAttribute<uint64_t>(file, kAttrSeed, H5T_NATIVE_UINT64);
        result.nExperts = integerAttribute<int>(file, kAttrNExperts, H5T_NATIVE_INT);
        result.nLayers = integerAttribute<int>(file, kAttrNLayers, H5T_NATIVE_INT);
        if (result.nExperts < 1) fail("n_experts is " + std::to_string(result.nExperts));
        if (result.nLayers < 1) fail("n_layers is " + std::to_string(result.nLayers));
        if (hasAttribute(file, kAttrEvents)) result.events = stringAttribute(file, kAttrEvents);
        if (layer < 0 || layer >= result.nLayers) {
            fail("no layer " + std::to_string(layer) + " (the trace has " +
                 std::to_string(result.nLayers) + ")");
        }

        const std::string layerName = layerGroupName(layer);
        if (H5Lexists(file, layerName.c_str(), H5P_DEFAULT) <= 0)
            fail("not a complete moelab trace; missing group " + layerName);
        group = Handle(H5Gopen2(file, layerName.c_str(), H5P_DEFAULT), H5Gclose);
        if (!group.valid()) fail("cannot open group " + layerName + ": " + h5::errorText());
        if (H5Lexists(group.get(), std::string(kStepDataset).c_str(), H5P_DEFAULT) <= 0) {
            fail("not a complete moelab trace; missing " + layerName + "/" +
                 std::string(kStepDataset));
        }
        result.rows = static_cast<int64_t>(
            openDataset(group.get(), layerName, kTraceDatasets.front(), result.nExperts).rows);
        const std::string snapshotStep =
            std::string(kSnapshotGroup) + "/" + std::string(kSnapshotStepDataset);
        // Checked link by link: H5Lexists fails on a path whose group is missing.
        if (H5Lexists(group.get(), std::string(kSnapshotGroup).c_str(), H5P_DEFAULT) > 0 &&
            H5Lexists(group.get(), snapshotStep.c_str(), H5P_DEFAULT) > 0) {
            const Handle dataset(H5Dopen2(group.get(), snapshotStep.c_str(), H5P_DEFAULT),
                                 H5Dclose);
            const Handle space(H5Dget_space(dataset.get()), H5Sclose);
            hsize_t count = 0;
            if (!dataset.valid() || H5Sget_simple_extent_ndims(space.get()) != 1 ||
                H5Sget_simple_extent_dims(space.get(), &count, nullptr) != 1) {
                fail("cannot read " + layerName + "/" + snapshotStep + ": " + h5::errorText());
            }
            result.snapshots = static_cast<int64_t>(count);
        }
        return result;
    }

private:
    std::string at(std::string_view name) const { return "attribute @" + std::string(name); }

    Handle open(hid_t object, std::string_view name) const {
        Handle attribute(H5Aopen(object, std::string(name).c_str(), H5P_DEFAULT), H5Aclose);
        if (!attribute.valid()) fail("cannot open " + at(name) + ": " + h5::errorText());
        return attribute;
    }

    void requireScalar(const Handle& attribute, std::string_view name) const {
        const Handle space(H5Aget_space(attribute.get()), H5Sclose);
        if (H5Sget_simple_extent_npoints(space.get()) != 1)
            fail(at(name) + " should hold one value");
    }

    const std::string& m_path;
};

/// Runs `body` with HDF5's error printing off and turns every failure into the error value.
template <typename T, typename Body>
tl::expected<T, std::string> guarded(const std::string& path, Body body) {
    const h5::ErrorPrintingOff quiet;
    try {
        return body();
    } catch (const ReadFailure& failure) {
        return tl::make_unexpected(std::string(failure.what()));
    } catch (const std::exception& error) {
        // Allocation failures on absurd dimensions in a damaged file, for example.
        return tl::make_unexpected(path + ": " + error.what());
    }
}

}  // namespace

tl::expected<TraceHeader, std::string> readTraceHeader(const std::string& path, int layer) {
    return guarded<TraceHeader>(path, [&] {
        const Reader reader(path);
        const Handle file = reader.openFile();
        Handle group;
        return reader.header(file.get(), layer, group);
    });
}

tl::expected<TraceData, std::string> readTrace(const std::string& path, int layer) {
    return guarded<TraceData>(path, [&] {
        const Reader reader(path);
        const Handle file = reader.openFile();
        Handle group;
        TraceData data;
        static_cast<TraceHeader&>(data) = reader.header(file.get(), layer, group);
        const std::string layerName = layerGroupName(layer);

        // Datasets added by a later minor than the file's are optional (older traces).
        const int fileMinor = parseSchemaVersion(data.schemaVersion).value().versionMinor;
        std::vector<std::string> missing;
        std::vector<const DatasetSpec*> present;
        for (const DatasetSpec& spec : kTraceDatasets) {
            if (H5Lexists(group.get(), std::string(spec.name).c_str(), H5P_DEFAULT) > 0) {
                present.push_back(&spec);
            } else if (spec.sinceMinor <= fileMinor) {
                missing.push_back(layerName + "/" + std::string(spec.name));
            }
        }
        if (!missing.empty())
            reader.fail("not a complete moelab trace; missing " + joined(missing));

        std::vector<OpenDataset> datasets;
        hsize_t rows = static_cast<hsize_t>(data.rows);
        for (const DatasetSpec* specPointer : present) {
            const DatasetSpec& spec = *specPointer;
            datasets.push_back(reader.openDataset(group.get(), layerName, spec, data.nExperts));
            rows = std::min(rows, datasets.back().rows);
        }
        data.rows = static_cast<int64_t>(rows);

        std::vector<double> values;
        for (const OpenDataset& opened : datasets) {
            const std::string name(opened.spec->name);
            if (name == kStepDataset) {
                reader.readRows(opened, layerName, rows, 1, H5T_NATIVE_INT64, data.step);
            } else if (opened.spec->kind == DatasetKind::Scalar) {
                reader.readRows(opened, layerName, rows, 1, H5T_NATIVE_DOUBLE, values);
                data.scalars[name] = values;
            } else {
                reader.readRows(opened, layerName, rows, opened.columns, H5T_NATIVE_DOUBLE, values);
                // Stored row-major [rows, E]; MatrixXd is column-major, so copy through a map.
                using RowMajor =
                    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
                auto& target = opened.spec->kind == DatasetKind::PerDomain ? data.perDomain
                                                                            : data.perExpert;
                target[name] = Eigen::Map<const RowMajor>(values.data(),
                                                          static_cast<Eigen::Index>(rows),
                                                          static_cast<Eigen::Index>(opened.columns));
            }
        }
        return data;
    });
}

}  // namespace moe::io
