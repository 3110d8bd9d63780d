// SPDX-License-Identifier: MIT
#include "core/import/dumped_file_writer.h"

#include <fmt/core.h>
#include <hdf5.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "core/import/import_error.h"
#include "core/io/hdf5_util.h"

namespace moe::import {

using io::h5::Handle;

/// Rows per chunk: a few thousand rows match the dumped stream's hyperslab reads.
constexpr hsize_t kChunkRows = 4096;

struct DumpedFileWriter::Dataset {
    Handle handle;
    hsize_t rows = 0;
    hsize_t columns = 0;  ///< 0 for a vector
};

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw std::runtime_error(fmt::format("{}: {}: {}", path, what, io::h5::errorText()));
}

}  // namespace

DumpedFileWriter::DumpedFileWriter(const std::string& path, bool overwrite)
    : m_path(path), m_partialPath(path + ".partial") {
    if (!overwrite && std::filesystem::exists(path))
        throw BadInput(fmt::format("{}: already exists (use --force to replace it)", path));
    const io::h5::ErrorPrintingOff quiet;
    const hid_t file = H5Fcreate(m_partialPath.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) fail(m_partialPath, "cannot create the file");
    m_file = file;
}

DumpedFileWriter::~DumpedFileWriter() {
    if (m_committed) return;
    m_datasets.clear();
    if (m_file >= 0) H5Fclose(static_cast<hid_t>(m_file));
    std::error_code ignored;
    std::filesystem::remove(m_partialPath, ignored);
}

void DumpedFileWriter::addMatrix(const std::string& name, int64_t columns) {
    const io::h5::ErrorPrintingOff quiet;
    auto dataset = std::make_unique<Dataset>();
    dataset->columns = static_cast<hsize_t>(columns);
    const hsize_t dims[2] = {0, dataset->columns};
    const hsize_t maxDims[2] = {H5S_UNLIMITED, dataset->columns};
    const hsize_t chunk[2] = {kChunkRows, dataset->columns};
    const Handle space(H5Screate_simple(2, dims, maxDims), H5Sclose);
    const Handle creation(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (!space.valid() || !creation.valid() || H5Pset_chunk(creation.get(), 2, chunk) < 0)
        fail(m_partialPath, "/" + name + ": dataspace");
    dataset->handle = Handle(H5Dcreate2(static_cast<hid_t>(m_file), name.c_str(), H5T_IEEE_F32LE,
                                        space.get(), H5P_DEFAULT, creation.get(), H5P_DEFAULT),
                             H5Dclose);
    if (!dataset->handle.valid()) fail(m_partialPath, "/" + name + ": creating the dataset");
    m_datasets[name] = std::move(dataset);
}

void DumpedFileWriter::addVector(const std::string& name) {
    const io::h5::ErrorPrintingOff quiet;
    auto dataset = std::make_unique<Dataset>();
    const hsize_t dims[1] = {0};
    const hsize_t maxDims[1] = {H5S_UNLIMITED};
    const hsize_t chunk[1] = {kChunkRows * 4};
    const Handle space(H5Screate_simple(1, dims, maxDims), H5Sclose);
    const Handle creation(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (!space.valid() || !creation.valid() || H5Pset_chunk(creation.get(), 1, chunk) < 0)
        fail(m_partialPath, "/" + name + ": dataspace");
    dataset->handle = Handle(H5Dcreate2(static_cast<hid_t>(m_file), name.c_str(), H5T_STD_I32LE,
                                        space.get(), H5P_DEFAULT, creation.get(), H5P_DEFAULT),
                             H5Dclose);
    if (!dataset->handle.valid()) fail(m_partialPath, "/" + name + ": creating the dataset");
    m_datasets[name] = std::move(dataset);
}

DumpedFileWriter::Dataset& DumpedFileWriter::find(const std::string& name) {
    const auto it = m_datasets.find(name);
    if (it == m_datasets.end())
        throw std::logic_error(fmt::format("dataset /{} was not declared", name));
    return *it->second;
}

void DumpedFileWriter::append(const std::string& name, const void* data, int64_t rows,
                              bool isFloat) {
    if (rows <= 0) return;
    const io::h5::ErrorPrintingOff quiet;
    Dataset& d = find(name);
    const int rank = d.columns == 0 ? 1 : 2;
    const hsize_t newDims[2] = {d.rows + static_cast<hsize_t>(rows), d.columns};
    const hsize_t start[2] = {d.rows, 0};
    const hsize_t count[2] = {static_cast<hsize_t>(rows), d.columns};
    if (H5Dset_extent(d.handle.get(), newDims) < 0) fail(m_partialPath, "/" + name + ": extending");
    const Handle fileSpace(H5Dget_space(d.handle.get()), H5Sclose);
    const Handle memorySpace(H5Screate_simple(rank, count, nullptr), H5Sclose);
    if (!fileSpace.valid() || !memorySpace.valid() ||
        H5Sselect_hyperslab(fileSpace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0 ||
        H5Dwrite(d.handle.get(), isFloat ? H5T_NATIVE_FLOAT : H5T_NATIVE_INT32, memorySpace.get(),
                 fileSpace.get(), H5P_DEFAULT, data) < 0)
        fail(m_partialPath, "/" + name + ": writing rows");
    d.rows = newDims[0];
}

void DumpedFileWriter::appendRows(const std::string& name, const float* data, int64_t rows) {
    append(name, data, rows, true);
}

void DumpedFileWriter::appendValues(const std::string& name, const int32_t* data, int64_t count) {
    append(name, data, count, false);
}

int64_t DumpedFileWriter::rows(const std::string& name) const {
    const auto it = m_datasets.find(name);
    return it == m_datasets.end() ? 0 : static_cast<int64_t>(it->second->rows);
}

void DumpedFileWriter::setAttribute(const std::string& name, const std::string& value) {
    const io::h5::ErrorPrintingOff quiet;
    const Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    const Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    const char* text = value.c_str();
    if (!type.valid() || H5Tset_size(type.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
        fail(m_partialPath, "@" + name);
    const Handle attribute(H5Acreate2(static_cast<hid_t>(m_file), name.c_str(), type.get(),
                                      space.get(), H5P_DEFAULT, H5P_DEFAULT),
                           H5Aclose);
    if (!attribute.valid() || H5Awrite(attribute.get(), type.get(), &text) < 0)
        fail(m_partialPath, "@" + name);
}

void DumpedFileWriter::setAttribute(const std::string& name, int64_t value) {
    const io::h5::ErrorPrintingOff quiet;
    const Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    const Handle attribute(H5Acreate2(static_cast<hid_t>(m_file), name.c_str(), H5T_STD_I64LE,
                                      space.get(), H5P_DEFAULT, H5P_DEFAULT),
                           H5Aclose);
    if (!attribute.valid() || H5Awrite(attribute.get(), H5T_NATIVE_INT64, &value) < 0)
        fail(m_partialPath, "@" + name);
}

void DumpedFileWriter::commit() {
    m_datasets.clear();
    const hid_t file = static_cast<hid_t>(m_file);
    m_file = -1;
    if (H5Fclose(file) < 0) fail(m_partialPath, "closing the file");
    std::error_code error;
    std::filesystem::rename(m_partialPath, m_path, error);
    if (error)
        throw std::runtime_error(fmt::format("{}: cannot rename {} into place: {}", m_path,
                                             m_partialPath, error.message()));
    m_committed = true;
}

}  // namespace moe::import
