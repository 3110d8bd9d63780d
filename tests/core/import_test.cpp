// SPDX-License-Identifier: MIT
// The parsers behind `moelab import`: .npy headers and element conversion, Megatron-LM routing
// records. End-to-end checks against NumPy-written files are in tests/cli/import_cli_test.py.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/import/array_import.h"
#include "core/import/import_error.h"
#include "core/import/megatron_record.h"
#include "core/import/npy_reader.h"
#include "core/math/precision.h"

namespace moe::import {
namespace {

/// A .npy held in memory.
class MemorySource final : public ByteSource {
public:
    explicit MemorySource(std::string bytes) : m_bytes(std::move(bytes)) {}
    bool read(void* out, std::size_t size) override {
        if (m_pos + size > m_bytes.size()) return false;
        std::memcpy(out, m_bytes.data() + m_pos, size);
        m_pos += size;
        return true;
    }
    const std::string& displayName() const override { return m_name; }

private:
    std::string m_bytes;
    std::string m_name = "memory.npy";
    size_t m_pos = 0;
};

/// A version 1.0 .npy: magic, header length, the dict padded to 64 bytes, then `data`.
std::string npy(const std::string& dict, const std::string& data) {
    std::string header = dict;
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string out = "\x93NUMPY";
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(header.size() & 0xFF);
    out += static_cast<char>(header.size() >> 8);
    return out + header + data;
}

NpyReader reader(const std::string& bytes) {
    return NpyReader(std::make_unique<MemorySource>(bytes));
}

std::string bytesOf(std::initializer_list<unsigned char> bytes) {
    return std::string(bytes.begin(), bytes.end());
}

TEST(NpyHeader, ParsesWhatNumpyWrites) {
    const NpyHeader h = parseNpyHeaderText("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", "x");
    EXPECT_EQ(h.type.kind, 'f');
    EXPECT_EQ(h.type.size, 4);
    EXPECT_FALSE(h.type.bigEndian);
    EXPECT_EQ(h.shape, (std::vector<int64_t>{3, 4}));
    EXPECT_EQ(h.elements(), 12);
}

TEST(NpyHeader, AcceptsAnyKeyOrderAndOneElementTuples) {
    const NpyHeader h = parseNpyHeaderText("{'shape': (7,), 'fortran_order': False, 'descr': '>i8'}", "x");
    EXPECT_EQ(h.shape, (std::vector<int64_t>{7}));
    EXPECT_EQ(h.type.kind, 'i');
    EXPECT_TRUE(h.type.bigEndian);
}

TEST(NpyHeader, RefusesWhatCannotBeStreamed) {
    EXPECT_THROW(parseNpyHeaderText("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", "x"), BadInput);
    EXPECT_THROW(parseNpyHeaderText("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", "x"), BadInput);
    EXPECT_THROW(parseNpyHeaderText("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", "x"), BadInput);
    EXPECT_THROW(parseNpyHeaderText("{'descr': '<f4', 'shape': (2,), }", "x"), BadInput);
    EXPECT_THROW(parseNpyHeaderText("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", "x"), BadInput);
    EXPECT_THROW(parseNpyHeaderText("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576, 2048), }", "x"),
                 BadInput);
}

TEST(NpyReader, ConvertsFloat16ExactlyIncludingSubnormals) {
    // 1.0 = 0x3C00, -2.5 = 0xC100, smallest subnormal 0x0001 = 2^-24, 65504 = 0x7BFF.
    NpyReader r = reader(npy("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }",
                             bytesOf({0x00, 0x3C, 0x00, 0xC1, 0x01, 0x00, 0xFF, 0x7B})));
    float out[4];
    r.readFloats(4, out);
    EXPECT_EQ(out[0], 1.0f);
    EXPECT_EQ(out[1], -2.5f);
    EXPECT_EQ(out[2], std::ldexp(1.0f, -24));
    EXPECT_EQ(out[3], 65504.0f);
}

TEST(NpyReader, TakesSixteenBitIntegersAsBfloat16) {
    // bf16 1.0 = 0x3F80, -3.0 = 0xC040, and the same bits through '<i2' (torch's int16 view).
    for (const char* descr : {"<u2", "<i2"}) {
        NpyReader r = reader(npy(std::string("{'descr': '") + descr +
                                     "', 'fortran_order': False, 'shape': (2,), }",
                                 bytesOf({0x80, 0x3F, 0x40, 0xC0})));
        float out[2];
        r.readFloats(2, out);
        EXPECT_EQ(out[0], 1.0f) << descr;
        EXPECT_EQ(out[1], -3.0f) << descr;
    }
}

TEST(NpyReader, ReadsBigEndianFloatsAndDoubles) {
    NpyReader f = reader(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
                             bytesOf({0x3F, 0xC0, 0x00, 0x00})));
    float x;
    f.readFloats(1, &x);
    EXPECT_EQ(x, 1.5f);
    NpyReader d = reader(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
                             bytesOf({0, 0, 0, 0, 0, 0, 0xF8, 0x3F})));  // 1.5
    d.readFloats(1, &x);
    EXPECT_EQ(x, 1.5f);
}

TEST(NpyReader, ReadsSignedAndUnsignedIntegers) {
    NpyReader r = reader(npy("{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }",
                             bytesOf({0xFE, 0xFF, 0x05, 0x00})));
    int64_t out[2];
    r.readIntegers(2, out);
    EXPECT_EQ(out[0], -2);
    EXPECT_EQ(out[1], 5);
    NpyReader u = reader(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }", bytesOf({200})));
    u.readIntegers(1, out);
    EXPECT_EQ(out[0], 200);
}

TEST(NpyReader, RefusesWrongKindsAndTruncatedData) {
    NpyReader ints = reader(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", bytesOf({1, 0, 0, 0})));
    float f;
    EXPECT_THROW(ints.readFloats(1, &f), BadInput);
    NpyReader floats = reader(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", bytesOf({0, 0, 0, 0})));
    int64_t i;
    EXPECT_THROW(floats.readIntegers(1, &i), BadInput);
    NpyReader shortData = reader(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", bytesOf({0, 0, 0, 0})));
    float two[2];
    EXPECT_THROW(shortData.readFloats(2, two), BadInput);
    EXPECT_THROW(reader("not a numpy file"), BadInput);
}

TEST(ArrayRoles, KnowsTheUsualNames) {
    EXPECT_EQ(roleForName("hidden_states"), "tokens");
    EXPECT_EQ(roleForName("router_logits"), "logits");
    EXPECT_EQ(roleForName("input_ids"), "token_id");
    EXPECT_EQ(roleForName("weights"), "");
}

TEST(MegatronRecord, ParsesTheFieldsTheTracerWrites) {
    const MegatronRecord r = parseMegatronRecord(
        R"({"step": 3, "stage": "pre_dispatch", "block": "decoder", "layer": 5, "rank": 1,)"
        R"( "num_tokens": 2, "topk": 2, "top_indices": [[4, 1], [0, 7]],)"
        R"( "hs_offset": 64, "hs_bytes": 16, "hs_shape": [2, 4]})",
        "f:1");
    EXPECT_EQ(r.step, 3);
    EXPECT_EQ(r.layer, 5);
    EXPECT_EQ(r.rank, 1);
    EXPECT_EQ(r.topk, 2);
    EXPECT_EQ(r.numTokens, 2);
    EXPECT_EQ(r.topIndices, (std::vector<int32_t>{4, 1, 0, 7}));
    ASSERT_TRUE(r.hiddenStates.has_value());
    EXPECT_EQ(r.hiddenStates->offset, 64);
    EXPECT_FALSE(r.logits.has_value());
}

TEST(MegatronRecord, AcceptsAnEmptyBatch) {
    const MegatronRecord r = parseMegatronRecord(
        R"({"step": 0, "layer": 0, "rank": 0, "num_tokens": 0, "topk": 2, "top_indices": []})", "f:1");
    EXPECT_EQ(r.numTokens, 0);
    EXPECT_EQ(r.topk, 2);
}

TEST(MegatronRecord, NamesTheLineOfEveryProblem) {
    const char* bad[] = {
        R"({"step": 0, "layer": 0, "rank": 0, "top_indices": [[1, 2], [3]]})",            // ragged
        R"({"step": 0, "layer": 0, "rank": 0, "num_tokens": 3, "top_indices": [[1]]})",   // count
        R"({"step": 0, "layer": 0, "top_indices": [[1]]})",                               // no rank
        R"({"step": -1, "layer": 0, "rank": 0, "top_indices": [[1]]})",                   // negative
        R"({"step": 0, "layer": 0, "rank": 0, "top_indices": [[1.5]]})",                  // not an index
        R"({"step": 0, "layer": 0, "rank": 0, "topk": 2, "top_indices": [[1]]})",         // topk
        R"({"step": 0, "layer": 0, "rank": 0, "top_indices": [[1]], "hs_offset": 0, "hs_bytes": 3, "hs_shape": [1, 4]})",
        R"({"step": 0, "layer": 0, "rank": 0, "top_indices": [[1]])",                     // truncated
        R"([1, 2])",
    };
    for (const char* line : bad) {
        try {
            parseMegatronRecord(line, "trace.jsonl:7");
            ADD_FAILURE() << "accepted: " << line;
        } catch (const BadInput& e) {
            EXPECT_NE(std::string(e.what()).find("trace.jsonl:7"), std::string::npos) << e.what();
        }
    }
}

}  // namespace
}  // namespace moe::import
