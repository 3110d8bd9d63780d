// SPDX-License-Identifier: MIT
// Inputs found by the libFuzzer targets in fuzz/ (docs/fuzzing.md), each saved as
// tests/data/fuzz/<target>-<short-name> and fed to the same entry point as its target: the
// call must come back with an error value (not crash, hang or throw).

#include "core/config/options.h"
#include "core/io/route_batch_reader.h"
#include "core/io/trace_reader.h"
#include "core/stream/dumped_stream.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

std::string fuzzInput(const std::string& name) {
    return std::string(MOELAB_SOURCE_DIR) + "/tests/data/fuzz/" + name;
}

[[maybe_unused]] std::string fileBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// fuzz_scenario's input layout: INI text, then override tokens each introduced by a NUL.
[[maybe_unused]] auto parseFuzzScenario(const std::string& input) {
    size_t cut = input.find('\0');
    std::vector<std::string> overrides;
    while (cut != std::string::npos && overrides.size() < 6) {
        const size_t next = input.find('\0', cut + 1);
        overrides.push_back(input.substr(cut + 1, next == std::string::npos ? next : next - cut - 1));
        cut = next;
    }
    return moe::parseScenarioText(std::string_view(input).substr(0, input.find('\0')), "fuzz.ini",
                                  overrides);
}

}  // namespace

// A corrupt metadata block read under SWMR: HDF5 retried it 100 times with a doubling sleep,
// which never ended. The reader now limits the retries (trace_reader.cpp); a return of the hang
// shows as this test running into its CTest timeout.
TEST(FuzzRegression, TraceReaderSwmrRetry) {
    const std::string path = fuzzInput("fuzz_trace_reader-swmr-retry");
    EXPECT_FALSE(moe::io::readTraceHeader(path).has_value());
    EXPECT_FALSE(moe::io::readTrace(path).has_value());
}

// A variable-length string attribute (source_model) whose stored length is ~4 GB while its
// global heap object holds 37 bytes: HDF5's own conversion allocated and zeroed the 4 GB.
// Strings are now read from the heap directly, with the length checked against the object.
TEST(FuzzRegression, DumpedReaderVlenAttr4gb) {
    const auto info = moe::DumpedStream::inspect(fuzzInput("fuzz_dumped_reader-vlen-attr-4gb"));
    ASSERT_FALSE(info.has_value());
    EXPECT_NE(info.error().find("source_model"), std::string::npos) << info.error();
    EXPECT_NE(info.error().find("corrupt global heap"), std::string::npos) << info.error();
}

// A corrupt global heap collection behind a trace's string attributes: HDF5's conversion
// spun for minutes loading the collection. The strings themselves are intact and are now read
// object by object; the file is then refused for its other damage (a missing dataset). A
// return of the hang shows as this test running into its timeout.
TEST(FuzzRegression, TraceReaderVlenHeapLoop) {
    const auto header = moe::io::readTraceHeader(fuzzInput("fuzz_trace_reader-vlen-heap-loop"));
    ASSERT_FALSE(header.has_value());
    EXPECT_NE(header.error().find("missing layer_0/step"), std::string::npos) << header.error();
}

// A contiguous dataset whose stored block is not in the file: HDF5's H5Dread copied from a NULL
// buffer (SIGSEGV in a normal build too). Datasets are now checked against the file first.
TEST(FuzzRegression, DumpedReaderContiguousOutsideFile) {
    const auto batch = moe::io::readRouteBatch(fuzzInput("found/fuzz_dumped_reader-crash-b5bc2c868022"));
    ASSERT_FALSE(batch.has_value());
    EXPECT_NE(batch.error().find("corrupt layout"), std::string::npos) << batch.error();
}

// Two files whose root group's local heap is corrupt (no HEAP signature): HDF5's first name
// lookup (H5Lexists) copied into a NULL buffer, SIGSEGV in a normal build too. The heap is now
// checked before HDF5 opens the file.
TEST(FuzzRegression, DumpedReaderLocalHeap) {
    for (const char* name : {"fuzz_dumped_reader-link-segv", "fuzz_dumped_reader-local-heap-segv"}) {
        SCOPED_TRACE(name);
        const auto info = moe::DumpedStream::inspect(fuzzInput(name));
        ASSERT_FALSE(info.has_value());
        EXPECT_NE(info.error().find("corrupt root group"), std::string::npos) << info.error();
        const auto batch = moe::io::readRouteBatch(fuzzInput(name));
        ASSERT_FALSE(batch.has_value());
        EXPECT_NE(batch.error().find("corrupt root group"), std::string::npos) << batch.error();
    }
}
