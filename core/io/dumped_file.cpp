// SPDX-License-Identifier: MIT
#include "core/io/dumped_file.h"

#include "core/math/precision.h"

#include <fmt/core.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <limits>
#include <type_traits>

namespace moe::io {
namespace {

using h5::Handle;

/// The memory type HDF5 converts stored floats (float16 included) into.
hid_t scalarMemoryType() {
    return std::is_same_v<Scalar, float> ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
}

/// True for IEEE binary16 in either byte order (what numpy, h5py and PyTorch write).
bool isIeeeHalf(hid_t type) {
    size_t signBit = 0, exponentBit = 0, exponentBits = 0, mantissaBit = 0, mantissaBits = 0;
    return H5Tget_class(type) == H5T_FLOAT && H5Tget_size(type) == 2 &&
           H5Tget_fields(type, &signBit, &exponentBit, &exponentBits, &mantissaBit,
                         &mantissaBits) >= 0 &&
           signBit == 15 && exponentBit == 10 && exponentBits == 5 && mantissaBit == 0 &&
           mantissaBits == 10 && H5Tget_ebias(type) == 15 && H5Tget_norm(type) == H5T_NORM_IMPLIED;
}

std::string className(H5T_class_t c) {
    switch (c) {
        case H5T_INTEGER:
            return "integer";
        case H5T_FLOAT:
            return "float";
        case H5T_STRING:
            return "string";
        case H5T_COMPOUND:
            return "compound";
        case H5T_ENUM:
            return "enum";
        case H5T_ARRAY:
            return "array";
        default:
            return "non-numeric";
    }
}

}  // namespace

std::string shapeText(const std::vector<hsize_t>& dims) {
    std::string out = "[";
    for (size_t i = 0; i < dims.size(); ++i) out += (i > 0 ? ", " : "") + std::to_string(dims[i]);
    return out + "]";
}

std::optional<std::string> DumpedFile::open() {
    std::error_code ec;
    if (!std::filesystem::exists(m_path, ec)) return m_path + ": no such file";
    if (H5Fis_hdf5(m_path.c_str()) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return m_path + ": not an HDF5 file";
    }
    if (auto problem = h5::checkRootGroupHeap(m_path)) return m_path + ": " + *problem;
    m_file = Handle(H5Fopen(m_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!m_file.valid()) return m_path + ": cannot open: " + h5::errorText();
    return std::nullopt;
}

bool DumpedFile::has(const std::string& name) const {
    const htri_t exists = H5Lexists(m_file.get(), name.c_str(), H5P_DEFAULT);
    H5Eclear2(H5E_DEFAULT);
    return exists > 0;
}

std::string DumpedFile::error(const std::string& name, const std::string& what) const {
    return fmt::format("{}: dataset /{}: {}", m_path, name, what);
}

tl::expected<DumpedDataset, std::string> DumpedFile::openDataset(
    const std::string& name, int rank, const std::string& axes, uint64_t maxElements,
    const std::string& limitText) const {
    const auto fail = [&](const std::string& what) { return tl::make_unexpected(error(name, what)); };
    if (!has(name)) return fail("missing");
    DumpedDataset dataset{name, Handle(H5Dopen2(m_file.get(), name.c_str(), H5P_DEFAULT), H5Dclose),
                          {}};
    if (!dataset.handle.valid()) return fail("not a dataset: " + h5::errorText());
    const Handle space(H5Dget_space(dataset.handle.get()), H5Sclose);
    const int found = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
    if (found < 0) return fail("unreadable shape: " + h5::errorText());
    std::vector<hsize_t>& dims = dataset.dims;
    dims.assign(static_cast<size_t>(found), 0);
    if (found > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    if (found != rank) {
        return fail(fmt::format("has rank {} (shape {}); expected rank {}, {}", found,
                                shapeText(dims), rank, axes));
    }
    uint64_t elements = 1;
    for (const hsize_t n : dims) {
        if (n == 0) return fail(fmt::format("is empty (shape {}), expected {}", shapeText(dims), axes));
        // Each factor is checked before multiplying, so the product cannot overflow.
        if (n > maxElements || elements * n > maxElements) {
            return fail(fmt::format("shape {} exceeds the limit of {} elements", shapeText(dims),
                                    limitText));
        }
        elements *= n;
    }
    // HDF5 1.10 trusts a dataset's layout: it read a fuzzed file's contiguous data through a NULL
    // buffer when the stored block was missing. Contiguous data must lie whole inside the file,
    // and compact data must hold every element.
    const hid_t handle = dataset.handle.get();
    const Handle creation(H5Dget_create_plist(handle), H5Pclose);
    const Handle type(H5Dget_type(handle), H5Tclose);
    const H5D_layout_t layout = creation.valid() ? H5Pget_layout(creation.get()) : H5D_LAYOUT_ERROR;
    if (layout == H5D_CONTIGUOUS || layout == H5D_COMPACT) {
        const uint64_t needed = elements * (type.valid() ? H5Tget_size(type.get()) : 0);
        const hsize_t stored = H5Dget_storage_size(handle);
        std::error_code ec;
        const uintmax_t fileBytes = std::filesystem::file_size(m_path, ec);
        const haddr_t offset = layout == H5D_CONTIGUOUS ? H5Dget_offset(handle) : 0;
        if (needed == 0 || stored < needed || ec ||
            (layout == H5D_CONTIGUOUS &&
             (offset == HADDR_UNDEF || offset > fileBytes || needed > fileBytes - offset))) {
            return fail(fmt::format("its {} bytes of data are not in the file (corrupt layout)",
                                    needed));
        }
    }
    return dataset;
}

std::optional<std::string> DumpedFile::checkFloat(const DumpedDataset& dataset) const {
    const Handle type(H5Dget_type(dataset.handle.get()), H5Tclose);
    if (!type.valid()) return error(dataset.name, h5::errorText());
    const H5T_class_t cls = H5Tget_class(type.get());
    const size_t bytes = H5Tget_size(type.get());
    if (cls == H5T_FLOAT && (bytes == 2 || bytes == 4)) return std::nullopt;
    const std::string found = cls == H5T_FLOAT ? fmt::format("float{}", 8 * bytes)
                                               : fmt::format("{} ({} bytes)", className(cls), bytes);
    return error(dataset.name, fmt::format("values are {}; accepted: float32 or float16", found));
}

std::optional<std::string> DumpedFile::checkInteger(const DumpedDataset& dataset) const {
    const Handle type(H5Dget_type(dataset.handle.get()), H5Tclose);
    if (!type.valid()) return error(dataset.name, h5::errorText());
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls == H5T_INTEGER) return std::nullopt;
    return error(dataset.name,
                 fmt::format("values are {}; accepted: integer labels", className(cls)));
}

std::optional<std::string> DumpedFile::readSlab(const DumpedDataset& dataset, hsize_t first,
                                                hsize_t count, hid_t memoryType,
                                                void* out) const {
    std::vector<hsize_t> start(dataset.dims.size(), 0);
    std::vector<hsize_t> extent = dataset.dims;
    start[0] = first;
    extent[0] = count;
    const Handle fileSpace(H5Dget_space(dataset.handle.get()), H5Sclose);
    const Handle memorySpace(
        H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr), H5Sclose);
    if (!fileSpace.valid() || !memorySpace.valid() ||
        H5Sselect_hyperslab(fileSpace.get(), H5S_SELECT_SET, start.data(), nullptr, extent.data(),
                            nullptr) < 0 ||
        H5Dread(dataset.handle.get(), memoryType, memorySpace.get(), fileSpace.get(), H5P_DEFAULT,
                out) < 0) {
        return error(dataset.name, fmt::format("cannot read rows [{}, {}): {}", first,
                                               first + count, h5::errorText()));
    }
    return std::nullopt;
}

std::optional<std::string> DumpedFile::readRows(const DumpedDataset& dataset, hsize_t first,
                                                hsize_t count, Scalar* out) const {
    const hsize_t cols = dataset.dims[1];
    const hsize_t size = count * cols;
    const Handle stored(H5Dget_type(dataset.handle.get()), H5Tclose);
    if (stored.valid() && isIeeeHalf(stored.get())) {
        // HDF5 1.10 converts float16 in software at ~100 ns a value, which would dominate a
        // training step; it reads the raw bits (swapping bytes if needed) and they are widened
        // here, exactly, 30 times faster.
        const Handle bitsType(H5Tcopy(stored.get()), H5Tclose);
        H5Tset_order(bitsType.get(), H5Tget_order(H5T_NATIVE_UINT16));
        std::vector<uint16_t> bits(static_cast<size_t>(size));
        if (auto problem = readSlab(dataset, first, count, bitsType.get(), bits.data())) {
            return problem;
        }
        std::transform(bits.begin(), bits.end(), out,
                       [](uint16_t half) { return static_cast<Scalar>(halfBitsToFloat(half)); });
    } else if (auto problem = readSlab(dataset, first, count, scalarMemoryType(), out)) {
        return problem;
    }
    for (hsize_t i = 0; i < size; ++i) {
        if (!std::isfinite(out[i])) {
            return error(dataset.name,
                         fmt::format("element [{}, {}] is {}; values must be finite",
                                     first + i / cols, i % cols, out[i]));
        }
    }
    return std::nullopt;
}

std::optional<std::string> DumpedFile::readLabels(const DumpedDataset& dataset, hsize_t first,
                                                  hsize_t count, int32_t* out) const {
    std::vector<int64_t> wide(static_cast<size_t>(count));
    if (auto problem = readSlab(dataset, first, count, H5T_NATIVE_INT64, wide.data())) {
        return problem;
    }
    for (size_t i = 0; i < wide.size(); ++i) {
        if (wide[i] < 0 || wide[i] > std::numeric_limits<int32_t>::max()) {
            return error(dataset.name,
                         fmt::format("label [{}] is {}; accepted: integers 0..{}", first + i,
                                     wide[i], std::numeric_limits<int32_t>::max()));
        }
        out[i] = static_cast<int32_t>(wide[i]);
    }
    return std::nullopt;
}

tl::expected<Handle, std::string> DumpedFile::openAttribute(const std::string& name,
                                                            H5T_class_t cls,
                                                            const std::string& accepted) const {
    const auto fail = [&](const std::string& what) {
        return tl::make_unexpected(fmt::format("{}: attribute {}: {}", m_path, name, what));
    };
    const htri_t exists = H5Aexists(m_file.get(), name.c_str());
    if (exists == 0) return Handle();
    Handle attribute(exists > 0 ? H5Aopen(m_file.get(), name.c_str(), H5P_DEFAULT) : -1, H5Aclose);
    if (!attribute.valid()) return fail("unreadable: " + h5::errorText());
    const Handle type(H5Aget_type(attribute.get()), H5Tclose);
    const Handle space(H5Aget_space(attribute.get()), H5Sclose);
    if (!type.valid() || !space.valid()) return fail("unreadable: " + h5::errorText());
    const H5T_class_t found = H5Tget_class(type.get());
    const hssize_t points = H5Sget_simple_extent_npoints(space.get());
    if (found != cls || points != 1) {
        return fail(fmt::format("holds {} {} value(s); accepted: {}", points, className(found),
                                accepted));
    }
    return attribute;
}

tl::expected<std::optional<std::string>, std::string> DumpedFile::textAttribute(
    const std::string& name) const {
    auto attribute = openAttribute(name, H5T_STRING, "one string");
    if (!attribute) return tl::make_unexpected(attribute.error());
    if (!attribute->valid()) return std::nullopt;
    const auto fail = [&]() {
        return tl::make_unexpected(
            fmt::format("{}: attribute {}: unreadable: {}", m_path, name, h5::errorText()));
    };
    const Handle stored(H5Aget_type(attribute->get()), H5Tclose);
    const Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_cset(memory.get(), H5Tget_cset(stored.get()));
    // h5py writes str as variable-length strings, numpy bytes as fixed-length ones.
    if (H5Tis_variable_str(stored.get()) > 0) {
        auto value = h5::readVariableStringAttribute(attribute->get());
        if (!value)
            return tl::make_unexpected(
                fmt::format("{}: attribute {}: unreadable: {}", m_path, name, value.error()));
        return *value;
    }
    // One byte more than stored, so a string that fills its width keeps its last character.
    const size_t width = H5Tget_size(stored.get());
    std::string value(width + 1, '\0');
    H5Tset_size(memory.get(), width + 1);
    if (H5Aread(attribute->get(), memory.get(), value.data()) < 0) return fail();
    value.resize(value.find('\0'));
    return value;
}

tl::expected<std::optional<int64_t>, std::string> DumpedFile::integerAttribute(
    const std::string& name) const {
    auto attribute = openAttribute(name, H5T_INTEGER, "one integer");
    if (!attribute) return tl::make_unexpected(attribute.error());
    if (!attribute->valid()) return std::nullopt;
    int64_t value = 0;
    if (H5Aread(attribute->get(), H5T_NATIVE_INT64, &value) < 0) {
        return tl::make_unexpected(
            fmt::format("{}: attribute {}: unreadable: {}", m_path, name, h5::errorText()));
    }
    return value;
}

}  // namespace moe::io
