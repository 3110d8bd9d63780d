// SPDX-License-Identifier: MIT
#include "core/io/hdf5_util.h"

#include <algorithm>
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

}  // namespace moe::io::h5
