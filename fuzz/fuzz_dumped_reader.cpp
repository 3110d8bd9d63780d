// SPDX-License-Identifier: MIT
// libFuzzer target for the dumped-file readers: the input is the bytes of an HDF5 file, written
// to a temp file and given to DumpedStream::inspect and io::readRouteBatch (which must return
// an error value, never crash or throw). When inspect accepts the file, a DumpedStream is
// opened on it and a few batches are drawn (with and without shuffle); those may throw
// std::invalid_argument / std::runtime_error for bad values, as documented, but not crash.

#include "core/io/route_batch_reader.h"
#include "core/stream/dumped_stream.h"
#include "fuzz_temp_file.h"

#include <cstdint>
#include <exception>

namespace {

void drawBatches(const std::string& path, const moe::DumpedTokensInfo& info, bool shuffle) {
    moe::StreamConfig cfg{};
    cfg.kind = moe::StreamKind::Dumped;
    cfg.path = path;
    cfg.shuffle = shuffle;
    cfg.seqLen = 0;
    try {
        moe::DumpedStream stream(cfg, static_cast<int>(info.width), 3, moe::Rng(7));
        for (int64_t step = 0; step < 4; ++step) (void)stream.next(step);
    } catch (const std::exception&) {
        // documented for bad files and bad values
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = moe::fuzz::tempPath("fuzz-dumped");
    if (!moe::fuzz::writeFile(path, data, size)) return 0;
    const auto info = moe::DumpedStream::inspect(path);
    // Streaming reads every value of small files only: keep each run fast.
    if (info && info->width <= 4096 && info->rows * info->width <= (int64_t{1} << 20)) {
        drawBatches(path, *info, false);
        drawBatches(path, *info, true);
    }
    (void)moe::io::readRouteBatch(path);
    return 0;
}
