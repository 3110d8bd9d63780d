// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/import/byte_source.h"

namespace moe::import {

/// The element type of a .npy array, from its `descr` ("<f4", "|u1", ">i8" ...).
struct NpyType {
    char kind = 'f';       ///< 'f' float, 'i' signed, 'u' unsigned, 'b' bool
    int size = 4;          ///< bytes per element
    bool bigEndian = false;
    std::string descr;     ///< as written in the header, for messages
};

/// The header of a .npy array (NumPy format versions 1.0, 2.0 and 3.0).
struct NpyHeader {
    NpyType type;
    bool fortranOrder = false;
    std::vector<int64_t> shape;  ///< empty for a 0-d array
    int64_t elements() const;
};

/// Reads a .npy array front to back in blocks, converting elements as it goes, so an array far
/// larger than memory imports with the memory of one block. Every failure throws
/// BadInput naming the source ("logits.npy: ...").
class NpyReader {
public:
    /// Reads and checks the header. Refused: a bad magic string or header, an element type that
    /// is not bool/int/uint/float of 1-8 bytes, Fortran order (data must be C-contiguous: save
    /// `np.ascontiguousarray(a)`), negative dimensions, more than 2^50 elements.
    explicit NpyReader(std::unique_ptr<ByteSource> source);

    const NpyHeader& header() const { return m_header; }
    const std::string& name() const { return m_source->displayName(); }

    /// Next `count` elements as float. float16/32/64 convert by value (float64 rounds to
    /// nearest); 16-bit integer arrays are taken as bfloat16 bit patterns (the usual way to
    /// save a torch.bfloat16 tensor with NumPy: `t.view(torch.int16).numpy()`), converted
    /// exactly. Other integer or bool types are refused. Throws if the data ends early.
    void readFloats(int64_t count, float* out);

    /// Next `count` elements as integers; only integer and bool arrays are accepted.
    void readIntegers(int64_t count, int64_t* out);

    /// Elements read so far.
    int64_t position() const { return m_position; }

private:
    void readRaw(int64_t count);

    std::unique_ptr<ByteSource> m_source;
    NpyHeader m_header;
    std::vector<unsigned char> m_buffer;
    int64_t m_position = 0;
};

/// Parses the Python dict literal of a .npy header. Exposed for tests; `where` names the source.
NpyHeader parseNpyHeaderText(const std::string& text, const std::string& where);

}  // namespace moe::import
