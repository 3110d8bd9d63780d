// SPDX-License-Identifier: MIT
// Writing HDF5 input files in tests with the HDF5 C API (not with moelab's writers), so that
// readers are checked against files made independently of them.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/io/hdf5_util.h"

namespace moe::testing {

/// IEEE binary16 as an HDF5 type (what h5py and numpy write for float16).
inline io::h5::Handle halfType() {
    io::h5::Handle type(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
    H5Tset_fields(type.get(), 15, 10, 5, 0, 10);
    H5Tset_size(type.get(), 2);
    H5Tset_ebias(type.get(), 15);
    return type;
}

/// Creates dataset `name` of shape `dims` and file type `fileType`, and writes `data` (of
/// `memoryType`) into it unless data is null.
inline void writeDataset(hid_t file, const std::string& name, const std::vector<hsize_t>& dims,
                         hid_t fileType, hid_t memoryType, const void* data) {
    using io::h5::Handle;
    const Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                       H5Sclose);
    const Handle dataset(H5Dcreate2(file, name.c_str(), fileType, space.get(), H5P_DEFAULT,
                                    H5P_DEFAULT, H5P_DEFAULT),
                         H5Dclose);
    ASSERT_TRUE(dataset.valid()) << name;
    if (data != nullptr) {
        ASSERT_GE(H5Dwrite(dataset.get(), memoryType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
    }
}

}  // namespace moe::testing
