// SPDX-License-Identifier: MIT
#include "core/io/hdf5_util.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

namespace moe::io::h5 {

Handle& Handle::operator=(Handle&& other) noexcept {
    if (this != &other) {
        reset();
        m_id = std::exchange(other.m_id, H5I_INVALID_HID);
        m_close = std::exchange(other.m_close, nullptr);
    }
    return *this;
}

bool Handle::reset() {
    bool closed = true;
    if (m_id >= 0 && m_close != nullptr) closed = m_close(m_id) >= 0;
    m_id = H5I_INVALID_HID;
    m_close = nullptr;
    return closed;
}

ErrorPrintingOff::ErrorPrintingOff() {
    H5Eget_auto2(H5E_DEFAULT, &m_function, &m_data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

ErrorPrintingOff::~ErrorPrintingOff() {
    H5Eset_auto2(H5E_DEFAULT, m_function, m_data);
}

std::string errorText() {
    // Walking downward visits the API function first and the innermost cause last; the last
    // description is the one that says what went wrong (errno, file name, offsets).
    std::string innermost;
    const auto keepLast = [](unsigned, const H5E_error2_t* error, void* data) -> herr_t {
        if (error->desc != nullptr) *static_cast<std::string*>(data) = error->desc;
        return 0;
    };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, keepLast, &innermost);
    H5Eclear2(H5E_DEFAULT);
    std::replace(innermost.begin(), innermost.end(), '\n', ' ');
    return innermost.empty() ? std::string("unknown HDF5 error") : innermost;
}

tl::expected<Handle, std::string> openForReading(const std::string& path) {
    std::error_code error;
    if (!std::filesystem::exists(path, error)) return tl::make_unexpected(path + ": no such file");
    if (std::filesystem::is_directory(path, error))
        return tl::make_unexpected(path + ": is a directory");
    const htri_t isHdf5 = H5Fis_hdf5(path.c_str());
    if (isHdf5 < 0) return tl::make_unexpected(path + ": cannot read the file: " + errorText());
    if (isHdf5 == 0) return tl::make_unexpected(path + ": not an HDF5 file");
    // 20 metadata read attempts instead of 100: see Reader::openFile in trace_reader.cpp.
    const Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    if (access.valid()) H5Pset_metadata_read_attempts(access.get(), 20);
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ,
                        access.valid() ? access.get() : H5P_DEFAULT),
                H5Fclose);
    if (file.valid()) return file;
    const std::string swmrCause = errorText();
    file = Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (file.valid()) return file;
    return tl::make_unexpected(path + ": cannot open the file: " + swmrCause);
}

}  // namespace moe::io::h5
