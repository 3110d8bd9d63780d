// SPDX-License-Identifier: MIT
#pragma once

// Internal to moelab_core (it includes HDF5 through hdf5_util.h): the checks and reads shared by
// the two readers of dumped HDF5 files, `moelab route`'s batch reader (whole datasets) and the
// dumped token stream (row ranges), so both accept the same dtypes and word errors alike.

#include "core/io/hdf5_util.h"
#include "core/math/types.h"

#include <tl/expected.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moe::io {

/// One opened dataset and its declared shape.
struct DumpedDataset {
    std::string name;  ///< without the leading '/', as used in messages ("/" + name)
    h5::Handle handle;
    std::vector<hsize_t> dims;  ///< declared shape, every extent >= 1
};

/// "[2, 3]".
std::string shapeText(const std::vector<hsize_t>& dims);

/// A dumped input file opened read-only. Every error text reads "<path>: dataset /<name>: <what
/// is wrong>", "<path>: attribute <name>: ..." or "<path>: ..." for the file itself; nothing here
/// throws for bad input. Callers hold an h5::ErrorPrintingOff while they use it.
class DumpedFile {
public:
    explicit DumpedFile(std::string path) : m_path(std::move(path)) {}

    /// Opens the file; returns an error text (no such file, not HDF5, unreadable) or nothing.
    std::optional<std::string> open();

    const std::string& path() const { return m_path; }
    bool has(const std::string& name) const;
    std::string error(const std::string& name, const std::string& what) const;

    /// Opens dataset `name` and checks its rank, that no extent is 0, and that its declared
    /// element count is at most maxElements (checked factor by factor, so the product cannot
    /// overflow), so nothing is ever sized from an absurd header. `axes` names the expected shape
    /// in messages ("[N, d]"); `limitText` names maxElements ("2^31").
    tl::expected<DumpedDataset, std::string> openDataset(const std::string& name, int rank,
                                                         const std::string& axes,
                                                         uint64_t maxElements,
                                                         const std::string& limitText) const;

    /// An error unless the values are IEEE float32 or float16 (which HDF5 converts to Scalar).
    std::optional<std::string> checkFloat(const DumpedDataset& dataset) const;
    /// An error unless the values are integers.
    std::optional<std::string> checkInteger(const DumpedDataset& dataset) const;

    /// Reads rows [first, first + count) of a rank-2 float dataset [N, c] into out [count, c]
    /// (row-major), converted to Scalar exactly (IEEE float16 here, other floats by HDF5). Only
    /// that hyperslab is requested from the file.
    /// Values must be finite; the error names the first bad element by its row in the file.
    std::optional<std::string> readRows(const DumpedDataset& dataset, hsize_t first, hsize_t count,
                                        Scalar* out) const;

    /// Reads entries [first, first + count) of a rank-1 integer dataset into out [count], refusing
    /// values outside [0, 2^31) (read as int64, so out-of-range values are reported, not clipped).
    std::optional<std::string> readLabels(const DumpedDataset& dataset, hsize_t first,
                                          hsize_t count, int32_t* out) const;

    /// Root attribute `name` as text: nothing when absent, an error unless it is one string.
    tl::expected<std::optional<std::string>, std::string> textAttribute(
        const std::string& name) const;
    /// Root attribute `name` as an integer: nothing when absent, an error unless it is one
    /// integer.
    tl::expected<std::optional<int64_t>, std::string> integerAttribute(
        const std::string& name) const;

private:
    /// Reads the hyperslab [first, first + count) along axis 0 (whole extent on the others).
    std::optional<std::string> readSlab(const DumpedDataset& dataset, hsize_t first,
                                        hsize_t count, hid_t memoryType, void* out) const;
    /// Opens root attribute `name` holding exactly one value of class `cls`; an invalid handle
    /// when it is absent.
    tl::expected<h5::Handle, std::string> openAttribute(const std::string& name, H5T_class_t cls,
                                                        const std::string& accepted) const;

    std::string m_path;
    h5::Handle m_file;
};

}  // namespace moe::io
