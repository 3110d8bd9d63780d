// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

namespace moe::import {

/// A sequential stream of bytes: a plain file or one member of a zip archive (.npz). Readers of
/// large arrays pull a block of rows at a time through it, so memory stays bounded.
class ByteSource {
public:
    virtual ~ByteSource() = default;
    /// Reads exactly `size` bytes into `out`; false if the source ends first or fails.
    virtual bool read(void* out, std::size_t size) = 0;
    /// What to call the source in messages ("dump.npz:logits.npy").
    virtual const std::string& displayName() const = 0;
};

/// Reads a file from the start. Throws BadInput naming the file if it cannot be opened.
std::unique_ptr<ByteSource> openFileSource(const std::string& path);

}  // namespace moe::import
