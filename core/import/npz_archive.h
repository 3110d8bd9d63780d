// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/import/byte_source.h"

struct zip;

namespace moe::import {

/// A NumPy .npz archive (np.savez or np.savez_compressed: a zip file of NAME.npy members), read
/// through libzip. Members stream through ByteSource, so a member is never held whole.
class NpzArchive {
public:
    /// Opens `path` read-only. Throws BadInput naming the file if it is not a zip.
    explicit NpzArchive(const std::string& path);

    /// Array names in archive order: the member names without their ".npy" suffix.
    const std::vector<std::string>& arrays() const { return m_arrays; }

    /// The bytes of array `name` (its NAME.npy member). Throws if the archive has no such array.
    /// The archive stays open while any source from it exists.
    std::unique_ptr<ByteSource> open(const std::string& name) const;

private:
    std::string m_path;
    std::shared_ptr<zip> m_zip;
    std::vector<std::string> m_arrays;
};

}  // namespace moe::import
