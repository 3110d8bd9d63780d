// SPDX-License-Identifier: MIT
// libFuzzer target for the trace reader: the input is the bytes of an HDF5 trace file, written
// to a temp file and read with readTraceHeader and readTrace (layer 0). Both must return an
// error value, never crash or throw. Seed with a real trace (fuzz/corpus/fuzz_trace_reader).

#include "core/io/trace_reader.h"
#include "fuzz_temp_file.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = moe::fuzz::tempPath("fuzz-trace");
    if (!moe::fuzz::writeFile(path, data, size)) return 0;
    const auto header = moe::io::readTraceHeader(path);
    if (header) {
        (void)moe::io::readTrace(path);
        (void)moe::io::readTraceHeader(path, header->nLayers);  // one past the last layer
    }
    return 0;
}
