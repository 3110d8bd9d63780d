// SPDX-License-Identifier: MIT
#include "core/import/npy_reader.h"

#include <fmt/core.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>
#include <stdexcept>

#include "core/import/import_error.h"
#include "core/math/precision.h"

namespace moe::import {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 50;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    throw BadInput(fmt::format("{}: {}", where, what));
}

/// A cursor over the header's dict literal: {'descr': '<f4', 'fortran_order': False,
/// 'shape': (3, 4), }. NumPy writes exactly this form; the parser accepts any key order and
/// spacing, and refuses anything else.
class HeaderParser {
public:
    HeaderParser(const std::string& text, const std::string& where) : m_text(text), m_where(where) {}

    NpyHeader parse() {
        NpyHeader header;
        bool haveDescr = false, haveOrder = false, haveShape = false;
        expect('{');
        while (!peekIs('}')) {
            const std::string key = quoted();
            expect(':');
            if (key == "descr") {
                header.type = parseType(quoted());
                haveDescr = true;
            } else if (key == "fortran_order") {
                header.fortranOrder = boolean();
                haveOrder = true;
            } else if (key == "shape") {
                header.shape = tuple();
                haveShape = true;
            } else {
                fail(m_where, fmt::format("unexpected key '{}' in the .npy header", key));
            }
            if (!peekIs('}')) expect(',');
        }
        expect('}');
        if (!haveDescr || !haveOrder || !haveShape)
            fail(m_where, "the .npy header lacks one of 'descr', 'fortran_order', 'shape'");
        return header;
    }

private:
    void skipSpace() {
        while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos])))
            ++m_pos;
    }
    bool peekIs(char c) {
        skipSpace();
        return m_pos < m_text.size() && m_text[m_pos] == c;
    }
    void expect(char c) {
        if (!peekIs(c)) fail(m_where, fmt::format("malformed .npy header (expected '{}')", c));
        ++m_pos;
    }
    std::string quoted() {
        skipSpace();
        if (m_pos >= m_text.size() || (m_text[m_pos] != '\'' && m_text[m_pos] != '"'))
            fail(m_where, "malformed .npy header (expected a quoted string)");
        const char quote = m_text[m_pos++];
        const size_t end = m_text.find(quote, m_pos);
        if (end == std::string::npos) fail(m_where, "malformed .npy header (unterminated string)");
        std::string value = m_text.substr(m_pos, end - m_pos);
        m_pos = end + 1;
        return value;
    }
    bool boolean() {
        skipSpace();
        for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
            const size_t n = std::strlen(word);
            if (m_text.compare(m_pos, n, word) == 0) {
                m_pos += n;
                return value;
            }
        }
        fail(m_where, "malformed .npy header (fortran_order is not True or False)");
    }
    std::vector<int64_t> tuple() {
        std::vector<int64_t> dims;
        expect('(');
        while (!peekIs(')')) {
            skipSpace();
            const size_t start = m_pos;
            while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos])))
                ++m_pos;
            if (start == m_pos || m_pos - start > 18)
                fail(m_where, "malformed .npy header (shape entries must be non-negative integers)");
            dims.push_back(std::stoll(m_text.substr(start, m_pos - start)));
            if (peekIs('L')) ++m_pos;  // Python 2 longs
            if (!peekIs(')')) expect(',');
        }
        expect(')');
        return dims;
    }
    NpyType parseType(const std::string& descr) {
        NpyType type;
        type.descr = descr;
        if (descr.size() < 3 || std::string("<>|=").find(descr[0]) == std::string::npos)
            fail(m_where, fmt::format("unsupported dtype '{}' (structured or non-numeric arrays "
                                      "cannot be imported)", descr));
        type.bigEndian = descr[0] == '>';
        type.kind = descr[1];
        const std::string size = descr.substr(2);
        if (std::string("fiub").find(type.kind) == std::string::npos ||
            (size != "1" && size != "2" && size != "4" && size != "8"))
            fail(m_where, fmt::format("unsupported dtype '{}' (accepted: float16/32/64, bool, "
                                      "signed and unsigned integers of 1-8 bytes)", descr));
        type.size = size[0] - '0';
        if ((type.kind == 'f' && type.size == 1) || (type.kind == 'b' && type.size != 1))
            fail(m_where, fmt::format("unsupported dtype '{}'", descr));
        return type;
    }

    const std::string& m_text;
    const std::string& m_where;
    size_t m_pos = 0;
};

uint64_t loadUnsigned(const unsigned char* p, int size, bool bigEndian) {
    uint64_t value = 0;
    for (int i = 0; i < size; ++i) {
        const int byte = bigEndian ? i : size - 1 - i;
        value = (value << 8) | p[byte];
    }
    return value;
}

int64_t loadSigned(const unsigned char* p, int size, bool bigEndian) {
    const uint64_t raw = loadUnsigned(p, size, bigEndian);
    const int shift = 64 - 8 * size;
    return static_cast<int64_t>(raw << shift) >> shift;  // sign-extend
}

}  // namespace

int64_t NpyHeader::elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

NpyHeader parseNpyHeaderText(const std::string& text, const std::string& where) {
    NpyHeader header = HeaderParser(text, where).parse();
    int64_t n = 1;
    for (int64_t d : header.shape) {
        if (d != 0 && n > kMaxElements / d)
            fail(where, fmt::format("the array declares more than 2^50 elements"));
        n *= d;
    }
    if (header.fortranOrder)
        fail(where, "the array is stored in Fortran order; save np.ascontiguousarray(a) instead");
    return header;
}

NpyReader::NpyReader(std::unique_ptr<ByteSource> source) : m_source(std::move(source)) {
    const std::string& where = m_source->displayName();
    unsigned char prefix[8];
    if (!m_source->read(prefix, sizeof prefix) || std::memcmp(prefix, "\x93NUMPY", 6) != 0)
        fail(where, "not a .npy array (no \\x93NUMPY magic string)");
    const int major = prefix[6];
    if (major < 1 || major > 3)
        fail(where, fmt::format(".npy format version {}.{} is not supported (1.0-3.0 are)", major,
                                prefix[7]));
    uint64_t headerLength = 0;
    if (major == 1) {
        unsigned char length[2];
        if (!m_source->read(length, 2)) fail(where, "truncated .npy header");
        headerLength = loadUnsigned(length, 2, false);
    } else {
        unsigned char length[4];
        if (!m_source->read(length, 4)) fail(where, "truncated .npy header");
        headerLength = loadUnsigned(length, 4, false);
    }
    if (headerLength > (uint64_t{1} << 20)) fail(where, "the .npy header is implausibly long");
    std::string text(headerLength, '\0');
    if (!m_source->read(text.data(), text.size())) fail(where, "truncated .npy header");
    m_header = parseNpyHeaderText(text, where);
}

void NpyReader::readRaw(int64_t count) {
    if (count < 0 || count > m_header.elements() - m_position)
        fail(name(), fmt::format("reading past the end of the array ({} of {} elements)",
                                 m_position + count, m_header.elements()));
    m_buffer.resize(static_cast<size_t>(count) * static_cast<size_t>(m_header.type.size));
    if (!m_source->read(m_buffer.data(), m_buffer.size()))
        fail(name(), fmt::format("the data ends before element {} of {} (truncated file?)",
                                 m_position + count, m_header.elements()));
    m_position += count;
}

void NpyReader::readFloats(int64_t count, float* out) {
    const NpyType& t = m_header.type;
    const bool bf16 = (t.kind == 'i' || t.kind == 'u') && t.size == 2;
    if (t.kind != 'f' && !bf16)
        fail(name(), fmt::format("dtype '{}' is not a float array (accepted: float16, float32, "
                                 "float64, or bfloat16 stored as 16-bit integers)", t.descr));
    readRaw(count);
    const unsigned char* p = m_buffer.data();
    for (int64_t i = 0; i < count; ++i, p += t.size) {
        const uint64_t bits = loadUnsigned(p, t.size, t.bigEndian);
        if (bf16)
            out[i] = bf16BitsToFloat(static_cast<uint16_t>(bits));
        else if (t.size == 2)
            out[i] = halfBitsToFloat(static_cast<uint16_t>(bits));
        else if (t.size == 4)
            out[i] = std::bit_cast<float>(static_cast<uint32_t>(bits));
        else
            out[i] = static_cast<float>(std::bit_cast<double>(bits));
    }
}

void NpyReader::readIntegers(int64_t count, int64_t* out) {
    const NpyType& t = m_header.type;
    if (t.kind == 'f')
        fail(name(), fmt::format("dtype '{}' is not an integer array", t.descr));
    readRaw(count);
    const unsigned char* p = m_buffer.data();
    for (int64_t i = 0; i < count; ++i, p += t.size) {
        if (t.kind == 'i') {
            out[i] = loadSigned(p, t.size, t.bigEndian);
        } else {
            const uint64_t value = loadUnsigned(p, t.size, t.bigEndian);
            if (value > static_cast<uint64_t>(INT64_MAX))
                fail(name(), fmt::format("element {} ({}) does not fit a signed 64-bit integer",
                                         m_position - count + i, value));
            out[i] = static_cast<int64_t>(value);
        }
    }
}

}  // namespace moe::import
