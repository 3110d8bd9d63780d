// SPDX-License-Identifier: MIT
// The dumped token stream (stream.kind = dumped). Input files are written here with the HDF5 C
// API, not with moelab code. Row r, column c of /tokens holds value(r, c), exact in float16, and
// /token_id holds r + kIdOffset, so every batch row can be traced back to its file row.
#include "core/config/options.h"
#include "core/io/hdf5_util.h"
#include "h5_test_files.h"
#include "core/model/teacher.h"
#include "core/sim/simulation.h"
#include "core/stream/dumped_stream.h"
#include "core/stream/stream_factory.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#ifdef __SANITIZE_ADDRESS__
// From the ASan runtime (declared in clang's sanitizer/allocator_interface.h, which GCC lacks).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace moe {
namespace {

namespace fs = std::filesystem;
using testing::halfType;
using testing::writeDataset;
using io::h5::Handle;

constexpr int32_t kIdOffset = 1000;

/// Exact in float16 (11 significant bits): integers below 512 plus quarters.
float value(int64_t row, int64_t col) {
    return static_cast<float>(row % 500) + 0.25f * static_cast<float>(col % 4) -
           (col % 2 == 1 ? 100.0f : 0.0f);
}

/// /tokens [rows, width] of value(r, c), stored as float32 or (converted by HDF5) float16.
void writeTokens(hid_t file, int64_t rows, int64_t width, bool half) {
    std::vector<float> values(static_cast<size_t>(rows * width));
    for (int64_t i = 0; i < rows * width; ++i)
        values[static_cast<size_t>(i)] = value(i / width, i % width);
    const Handle halfFile = halfType();
    writeDataset(file, "tokens", {static_cast<hsize_t>(rows), static_cast<hsize_t>(width)},
                 half ? halfFile.get() : H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, values.data());
}

void writeInts(hid_t file, const std::string& name, const std::vector<int64_t>& values,
               hid_t fileType = H5T_STD_I64LE) {
    writeDataset(file, name, {values.size()}, fileType, H5T_NATIVE_INT64, values.data());
}

/// Labels r % domains and ids r + kIdOffset for rows 0..rows-1.
void writeLabels(hid_t file, int64_t rows, int64_t domains) {
    std::vector<int64_t> domain(static_cast<size_t>(rows)), id(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
        domain[static_cast<size_t>(r)] = r % domains;
        id[static_cast<size_t>(r)] = r + kIdOffset;
    }
    writeInts(file, "domain", domain, H5T_STD_I32LE);
    writeInts(file, "token_id", id);
}

void writeTextAttribute(hid_t file, const std::string& name, const std::string& text) {
    const Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    const Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    const Handle attribute(H5Acreate2(file, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                      H5P_DEFAULT),
                           H5Aclose);
    const char* data = text.c_str();
    ASSERT_GE(H5Awrite(attribute.get(), type.get(), &data), 0);
}

void writeIntAttribute(hid_t file, const std::string& name, int64_t number) {
    const Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    const Handle attribute(H5Acreate2(file, name.c_str(), H5T_STD_I64LE, space.get(),
                                      H5P_DEFAULT, H5P_DEFAULT),
                           H5Aclose);
    ASSERT_GE(H5Awrite(attribute.get(), H5T_NATIVE_INT64, &number), 0);
}

StreamConfig dumpedConfig(const std::string& path, bool shuffle = false) {
    StreamConfig cfg{};
    cfg.kind = StreamKind::Dumped;
    cfg.domains = 8;
    cfg.path = path;
    cfg.shuffle = shuffle;
    return cfg;
}

/// Memory the process holds, in bytes: the peak resident set, or under AddressSanitizer the
/// allocator's count of live heap bytes, since ASan keeps freed memory in a quarantine that
/// inflates the resident set whatever the program still uses.
int64_t heldBytes() {
#ifdef __SANITIZE_ADDRESS__
    return static_cast<int64_t>(__sanitizer_get_current_allocated_bytes());
#else
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
#endif
}

class DumpedStreamTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() /
                ("moelab_dumped_" +
                 std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_dir);
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }

    /// Creates `name` with `fill` and returns its path.
    std::string input(const std::function<void(hid_t)>& fill,
                      const std::string& name = "tokens.h5") const {
        const std::string path = (m_dir / name).string();
        const Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                          H5Fclose);
        fill(file.get());
        return path;
    }

    /// A file of `rows` x `width` tokens with labels (`domains` of them) and ids.
    std::string labelled(int64_t rows, int64_t width, int64_t domains, bool half = false) const {
        return input([&](hid_t f) {
            writeTokens(f, rows, width, half);
            writeLabels(f, rows, domains);
        });
    }

    /// Expects that opening `path` as a stream of width 4 fails, with a message naming the file
    /// and `what` (a dataset "/tokens", an attribute, ...); returns the message. Unless
    /// `headerRejects` is false (label values, the model's width), the header check used by
    /// scenario validation must refuse the file too.
    static std::string expectError(const std::string& path, const std::string& what,
                                   bool headerRejects = true) {
        std::string message;
        try {
            DumpedStream stream(dumpedConfig(path), 4, 4, Rng(1));
            ADD_FAILURE() << "expected std::invalid_argument for " << path;
        } catch (const std::invalid_argument& e) {
            message = e.what();
        }
        EXPECT_NE(message.find(path), std::string::npos) << message;
        EXPECT_NE(message.find(what), std::string::npos) << message;
        EXPECT_EQ(DumpedStream::inspect(path).has_value(), !headerRejects) << path;
        return message;
    }

    fs::path m_dir;
};

/// Expects batch row i to be file row rows[i] of a file written by labelled().
void expectRows(const TokenBatch& batch, const std::vector<int64_t>& rows, int64_t domains) {
    ASSERT_EQ(batch.nTokens(), static_cast<int>(rows.size()));
    for (size_t i = 0; i < rows.size(); ++i) {
        const auto t = static_cast<Eigen::Index>(i);
        for (Eigen::Index c = 0; c < batch.x.cols(); ++c)
            ASSERT_EQ(batch.x(t, c), value(rows[i], c)) << "batch row " << i << " col " << c;
        if (domains > 0) {
            EXPECT_EQ(batch.domain[i], rows[i] % domains) << i;
            EXPECT_EQ(batch.tokenId[i], rows[i] + kIdOffset) << i;
        }
    }
}

// ---- reading in order ----

TEST_F(DumpedStreamTest, ReadsFloat32RowsInOrderAndWrapsAround) {
    const std::string path = labelled(10, 3, 3);
    DumpedStream stream(dumpedConfig(path), 3, 4, Rng(1));
    EXPECT_EQ(stream.width(), 3);
    EXPECT_EQ(stream.nDomains(), 3);
    EXPECT_EQ(stream.info().rows, 10);
    EXPECT_FALSE(stream.info().halfPrecision);
    EXPECT_TRUE(stream.info().hasDomain);
    EXPECT_TRUE(stream.info().hasTokenId);

    const TokenBatch first = stream.next(0);
    expectRows(first, {0, 1, 2, 3}, 3);
    EXPECT_EQ(first.seqLen, 4);
    expectRows(stream.next(1), {4, 5, 6, 7}, 3);
    EXPECT_EQ(stream.epoch(), 0);
    // Crosses the end of the file: the last two rows, then the first two of the next epoch.
    expectRows(stream.next(2), {8, 9, 0, 1}, 3);
    EXPECT_EQ(stream.epoch(), 1);
    expectRows(stream.next(3), {2, 3, 4, 5}, 3);
    EXPECT_EQ(stream.largestRead(), 4);
    EXPECT_EQ(stream.rowsRead(), 16);
}

TEST_F(DumpedStreamTest, ReadsFloat16RowsConvertedExactly) {
    const std::string path = labelled(6, 5, 2, /*half=*/true);
    DumpedStream stream(dumpedConfig(path), 5, 3, Rng(1));
    EXPECT_TRUE(stream.info().halfPrecision);
    expectRows(stream.next(0), {0, 1, 2}, 2);
    expectRows(stream.next(1), {3, 4, 5}, 2);
    expectRows(stream.next(2), {0, 1, 2}, 2);
}

TEST_F(DumpedStreamTest, Float16BitPatternsAreWidenedExactlyInEitherByteOrder) {
    // 1, -2, 0.33325195 (0x3555), 65504 (largest half), 2^-24 (smallest subnormal), -0,
    // 2^-15 (a subnormal), 2^-14 (smallest normal).
    const std::vector<uint16_t> bits = {0x3C00, 0xC000, 0x3555, 0x7BFF,
                                        0x0001, 0x8000, 0x0200, 0x0400};
    const std::vector<float> expected = {1.0f,  -2.0f, 0.333251953125f, 65504.0f,
                                         0x1p-24f, -0.0f, 0x1p-15f,      0x1p-14f};
    for (const H5T_order_t order : {H5T_ORDER_LE, H5T_ORDER_BE}) {
        const std::string path = input([&](hid_t f) {
            const Handle stored = halfType();
            H5Tset_order(stored.get(), order);
            const Handle memory = halfType();  // little-endian bits; HDF5 swaps for BE files
            writeDataset(f, "tokens", {4, 2}, stored.get(), memory.get(), bits.data());
        });
        DumpedStream stream(dumpedConfig(path), 2, 4, Rng(1));
        const TokenBatch batch = stream.next(0);
        for (Eigen::Index i = 0; i < 8; ++i) {
            EXPECT_EQ(batch.x(i / 2, i % 2), expected[static_cast<size_t>(i)]) << i;
        }
        EXPECT_TRUE(std::signbit(batch.x(2, 1)));
    }
}

TEST_F(DumpedStreamTest, NonFiniteTokensAreReportedWhenReached) {
    const std::vector<uint16_t> bits = {0x3C00, 0x3C00, 0x3C00, 0x7E00};  // row 1 col 1: NaN
    const std::string path = input([&](hid_t f) {
        const Handle half = halfType();
        writeDataset(f, "tokens", {2, 2}, half.get(), half.get(), bits.data());
    });
    DumpedStream stream(dumpedConfig(path), 2, 1, Rng(1));
    EXPECT_NO_THROW(stream.next(0));
    try {
        stream.next(1);
        FAIL() << "expected std::runtime_error";
    } catch (const std::runtime_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(path + ": dataset /tokens: element [1, 1] is nan"),
                  std::string::npos)
            << message;
    }
}

TEST_F(DumpedStreamTest, BatchLargerThanTheFileWrapsSeveralTimes) {
    const std::string path = labelled(3, 2, 2);
    StreamConfig cfg = dumpedConfig(path);
    cfg.seqLen = 4;
    DumpedStream stream(cfg, 2, 8, Rng(1));
    const TokenBatch batch = stream.next(0);
    expectRows(batch, {0, 1, 2, 0, 1, 2, 0, 1}, 2);
    EXPECT_EQ(batch.seqLen, 4);
    EXPECT_EQ(stream.epoch(), 2);
    EXPECT_EQ(stream.largestRead(), 3);
}

TEST_F(DumpedStreamTest, WithoutLabelsBatchesCarryNoneAndOneTeacherServesAll) {
    const std::string path = input([](hid_t f) { writeTokens(f, 5, 4, false); });
    DumpedStream stream(dumpedConfig(path), 4, 2, Rng(1));
    EXPECT_EQ(stream.nDomains(), 0);
    const TokenBatch batch = stream.next(0);
    expectRows(batch, {0, 1}, 0);
    EXPECT_TRUE(batch.domain.empty());
    EXPECT_TRUE(batch.tokenId.empty());
    // The documented default target: teacher 0 for every token.
    Rng rng(3);
    const Teacher teacher(stream.nDomains(), 4, 8, 0, rng);
    EXPECT_EQ(teacher.nDomains(), 1);
    EXPECT_EQ(teacher.target(batch).rows(), 2);
}

TEST_F(DumpedStreamTest, ReadsTheSourceAttributes) {
    const std::string path = input([](hid_t f) {
        writeTokens(f, 2, 2, false);
        writeTextAttribute(f, "source_model", "tiny-moe-7b");
        writeIntAttribute(f, "layer", 11);
    });
    const auto info = DumpedStream::inspect(path);
    ASSERT_TRUE(info) << info.error();
    EXPECT_EQ(info->sourceModel, "tiny-moe-7b");
    ASSERT_TRUE(info->layer.has_value());
    EXPECT_EQ(*info->layer, 11);
    EXPECT_EQ(info->rows, 2);
    EXPECT_EQ(info->width, 2);
}

// ---- shuffle ----

/// The file rows of the next `batches` batches, traced through /token_id.
std::vector<int64_t> rowsOf(TokenStream& stream, int batches) {
    std::vector<int64_t> rows;
    for (int b = 0; b < batches; ++b) {
        const TokenBatch batch = stream.next(b);
        for (size_t i = 0; i < batch.tokenId.size(); ++i) {
            const int64_t row = batch.tokenId[i] - kIdOffset;
            rows.push_back(row);
            // The token is really the row its id names.
            EXPECT_EQ(batch.x(static_cast<Eigen::Index>(i), 1), value(row, 1));
        }
    }
    return rows;
}

TEST_F(DumpedStreamTest, ShuffleVisitsEveryRowOncePerEpoch) {
    // 103 rows in blocks of T = 10: ten full blocks and one of 3 rows; 103 batches = 10 epochs.
    const std::string path = labelled(103, 2, 4);
    auto stream = makeStream(dumpedConfig(path, /*shuffle=*/true), 2, 10, 42);
    const std::vector<int64_t> rows = rowsOf(*stream, 103);
    ASSERT_EQ(rows.size(), 1030u);
    std::vector<std::vector<int64_t>> epochs;
    for (size_t e = 0; e < 10; ++e) {
        std::vector<int64_t> epoch(rows.begin() + static_cast<std::ptrdiff_t>(e * 103),
                                   rows.begin() + static_cast<std::ptrdiff_t>((e + 1) * 103));
        std::vector<int64_t> sorted = epoch;
        std::sort(sorted.begin(), sorted.end());
        std::vector<int64_t> all(103);
        std::iota(all.begin(), all.end(), int64_t{0});
        EXPECT_EQ(sorted, all) << "epoch " << e;
        epochs.push_back(std::move(epoch));
    }
    std::vector<int64_t> inOrder(103);
    std::iota(inOrder.begin(), inOrder.end(), int64_t{0});
    EXPECT_NE(epochs[0], inOrder);
    EXPECT_NE(epochs[0], epochs[1]) << "each epoch draws a new block order";
    // Blocks stay whole: rows follow each other inside a block of 10.
    for (size_t i = 1; i < 103; ++i) {
        if (epochs[0][i] % 10 != 0) {
            EXPECT_EQ(epochs[0][i], epochs[0][i - 1] + 1) << i;
        }
    }
}

TEST_F(DumpedStreamTest, ShuffleIsDeterminedByTheSeed) {
    const std::string path = labelled(50, 2, 4);
    const StreamConfig cfg = dumpedConfig(path, /*shuffle=*/true);
    auto a = makeStream(cfg, 2, 4, 7);
    auto b = makeStream(cfg, 2, 4, 7);
    auto c = makeStream(cfg, 2, 4, 8);
    const std::vector<int64_t> rowsA = rowsOf(*a, 40);
    EXPECT_EQ(rowsA, rowsOf(*b, 40));
    EXPECT_NE(rowsA, rowsOf(*c, 40));
}

// ---- bounded memory ----

TEST_F(DumpedStreamTest, LargeFileIsStreamedWithBoundedMemory) {
    // 2,000,000 x 64 float16 = 256 MB on disk (512 MB as float32 in memory), written chunk by
    // chunk from raw half bit patterns so the test itself never holds more than one chunk.
    constexpr hsize_t kRows = 2'000'000;
    constexpr hsize_t kWidth = 64;
    constexpr hsize_t kChunkRows = 1 << 15;
    const auto writeStart = std::chrono::steady_clock::now();
    const std::string path = input([&](hid_t f) {
        const Handle half = halfType();
        const hsize_t dims[2] = {kRows, kWidth};
        const Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
        const Handle dataset(H5Dcreate2(f, "tokens", half.get(), space.get(), H5P_DEFAULT,
                                        H5P_DEFAULT, H5P_DEFAULT),
                             H5Dclose);
        ASSERT_TRUE(dataset.valid());
        std::vector<uint16_t> bits(kChunkRows * kWidth);
        for (hsize_t first = 0; first < kRows; first += kChunkRows) {
            const hsize_t count = std::min(kChunkRows, kRows - first);
            // Row r holds 1 + (r mod 1024) / 1024 in every column: 0x3C00 | (r & 0x3FF).
            for (hsize_t i = 0; i < count * kWidth; ++i)
                bits[i] = static_cast<uint16_t>(0x3C00 | ((first + i / kWidth) & 0x3FF));
            const hsize_t start[2] = {first, 0};
            const hsize_t extent[2] = {count, kWidth};
            const Handle fileSpace(H5Dget_space(dataset.get()), H5Sclose);
            H5Sselect_hyperslab(fileSpace.get(), H5S_SELECT_SET, start, nullptr, extent, nullptr);
            const Handle memorySpace(H5Screate_simple(2, extent, nullptr), H5Sclose);
            ASSERT_GE(H5Dwrite(dataset.get(), half.get(), memorySpace.get(), fileSpace.get(),
                               H5P_DEFAULT, bits.data()),
                      0);
        }
    });
    const double writeSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - writeStart).count();
    const auto fileBytes = static_cast<int64_t>(fs::file_size(path));
    ASSERT_GE(fileBytes, static_cast<int64_t>(kRows * kWidth * 2));
    RecordProperty("write_seconds", std::to_string(writeSeconds));

    // One full pass plus a wrap, T = 4096: every read asks for at most T rows.
    constexpr int kTokens = 4096;
    const int64_t before = heldBytes();
    int64_t peak = before;
    DumpedStream stream(dumpedConfig(path), static_cast<int>(kWidth), kTokens, Rng(1));
    const int batches = static_cast<int>(kRows / kTokens) + 2;
    for (int b = 0; b < batches; ++b) {
        const TokenBatch batch = stream.next(b);
        peak = std::max(peak, heldBytes());
        const int64_t first = static_cast<int64_t>(b) * kTokens;
        for (const Eigen::Index t : {Eigen::Index{0}, Eigen::Index{kTokens - 1}}) {
            const int64_t row = (first + t) % static_cast<int64_t>(kRows);
            ASSERT_EQ(batch.x(t, 5), 1.0f + static_cast<float>(row & 0x3FF) / 1024.0f) << row;
        }
    }
    const int64_t growth = peak - before;
    EXPECT_EQ(stream.epoch(), 1);
    EXPECT_EQ(stream.largestRead(), kTokens);
    EXPECT_EQ(stream.rowsRead(), static_cast<int64_t>(batches) * kTokens);
    // A batch is 1 MiB as float32; allow HDF5's caches and conversion buffers, not the file.
    EXPECT_LT(growth, fileBytes / 16) << "peak RSS grew by " << growth << " bytes";
}

// ---- errors ----

TEST_F(DumpedStreamTest, MissingFileIsAnError) {
    const std::string path = (m_dir / "absent.h5").string();
    expectError(path, "no such file");
}

TEST_F(DumpedStreamTest, NonHdf5FileIsAnError) {
    const std::string path = (m_dir / "text.h5").string();
    {
        std::FILE* f = std::fopen(path.c_str(), "w");
        std::fputs("not a dump", f);
        std::fclose(f);
    }
    expectError(path, "not an HDF5 file");
}

TEST_F(DumpedStreamTest, MissingTokensIsAnError) {
    const std::string message =
        expectError(input([](hid_t f) { writeInts(f, "domain", {0, 1}); }), "/tokens");
    EXPECT_NE(message.find("missing"), std::string::npos) << message;
}

TEST_F(DumpedStreamTest, WrongRankIsAnError) {
    const std::vector<float> values(8, 1.0f);
    const std::string message = expectError(input([&](hid_t f) {
                                                writeDataset(f, "tokens", {2, 2, 2},
                                                             H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                                                             values.data());
                                            }),
                                            "/tokens");
    EXPECT_NE(message.find("rank 3"), std::string::npos) << message;
}

TEST_F(DumpedStreamTest, WrongDtypeIsAnError) {
    const std::vector<int32_t> ints(8, 1);
    const std::string message = expectError(input([&](hid_t f) {
                                                writeDataset(f, "tokens", {2, 4}, H5T_STD_I32LE,
                                                             H5T_NATIVE_INT32, ints.data());
                                            }),
                                            "/tokens");
    EXPECT_NE(message.find("integer"), std::string::npos) << message;
    EXPECT_NE(message.find("float32 or float16"), std::string::npos) << message;
    const std::vector<double> doubles(8, 1.0);
    expectError(input([&](hid_t f) {
                    writeDataset(f, "tokens", {2, 4}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                 doubles.data());
                }),
                "float64");
    expectError(input([&](hid_t f) {
                    writeTokens(f, 2, 4, false);
                    writeDataset(f, "domain", {2}, H5T_IEEE_F32LE, H5T_NATIVE_DOUBLE,
                                 doubles.data());
                }),
                "/domain");
}

TEST_F(DumpedStreamTest, WidthMismatchWithTheModelIsAnError) {
    const std::string path = input([](hid_t f) { writeTokens(f, 3, 6, false); });
    const std::string message = expectError(path, "/tokens", /*headerRejects=*/false);
    EXPECT_NE(message.find("d = 6"), std::string::npos) << message;
    EXPECT_NE(message.find("model.width = 4"), std::string::npos) << message;
}

TEST_F(DumpedStreamTest, LabelsOfTheWrongLengthOrRangeAreErrors) {
    const std::string message = expectError(input([](hid_t f) {
                                                writeTokens(f, 3, 4, false);
                                                writeInts(f, "domain", {0, 1});
                                            }),
                                            "/domain");
    EXPECT_NE(message.find("N = 3"), std::string::npos) << message;
    expectError(input([](hid_t f) {
                    writeTokens(f, 3, 4, false);
                    writeInts(f, "token_id", {0, 1, 2, 3});
                }),
                "/token_id");
    const std::string negative = expectError(input([](hid_t f) {
                                                 writeTokens(f, 3, 4, false);
                                                 writeInts(f, "domain", {0, -2, 1});
                                             }),
                                             "label", /*headerRejects=*/false);
    EXPECT_NE(negative.find("label [1] is -2"), std::string::npos) << negative;
    const std::string many = expectError(input([](hid_t f) {
                                             writeTokens(f, 3, 4, false);
                                             writeInts(f, "domain", {0, 5000, 1});
                                         }),
                                         "label", /*headerRejects=*/false);
    EXPECT_NE(many.find("0..4095"), std::string::npos) << many;
}

TEST_F(DumpedStreamTest, SideDatasetsAndAttributesAreChecked) {
    expectError(input([](hid_t f) {
                    writeTokens(f, 3, 4, false);
                    writeDataset(f, "logits", {2, 5}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                                 std::vector<float>(10).data());
                }),
                "/logits");
    expectError(input([](hid_t f) {
                    writeTokens(f, 3, 4, false);
                    writeDataset(f, "router_weight", {3, 5}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                                 std::vector<float>(15).data());
                }),
                "/router_weight");
    expectError(input([](hid_t f) {
                    writeTokens(f, 3, 4, false);
                    writeTextAttribute(f, "layer", "eleven");
                }),
                "attribute layer");
}

TEST_F(DumpedStreamTest, AbsurdDeclaredSizeIsRefusedBeforeReading) {
    // 2^41 x 2^10 = 2^51 elements declared; chunked so the file stays tiny.
    const std::string path = input([](hid_t f) {
        const hsize_t dims[2] = {hsize_t{1} << 41, hsize_t{1} << 10};
        const hsize_t chunk[2] = {64, 64};
        const Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
        const Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        H5Pset_chunk(plist.get(), 2, chunk);
        const Handle ds(H5Dcreate2(f, "tokens", H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                                   plist.get(), H5P_DEFAULT),
                        H5Dclose);
        ASSERT_TRUE(ds.valid());
    });
    const std::string message = expectError(path, "/tokens");
    EXPECT_NE(message.find("2^50"), std::string::npos) << message;
}

// ---- scenario validation and simulation ----

TEST_F(DumpedStreamTest, ScenarioValidationChecksTheFileUpFront) {
    const std::string path = labelled(8, 6, 2);
    const auto issueFor = [](const std::vector<std::string>& overrides) {
        const auto result = loadScenario("", overrides);
        EXPECT_FALSE(result.has_value());
        if (result || result.error().empty()) return Issue{};
        return result.error().front();
    };
    const Issue wrongWidth =
        issueFor({"stream.kind=dumped", "stream.path=" + path, "model.width=4"});
    EXPECT_EQ(wrongWidth.key, "stream.path");
    EXPECT_NE(wrongWidth.message.find(path), std::string::npos) << wrongWidth.format();
    EXPECT_NE(wrongWidth.message.find("d = 6"), std::string::npos) << wrongWidth.format();
    EXPECT_NE(wrongWidth.message.find("model.width = 4"), std::string::npos)
        << wrongWidth.format();

    const std::string absent = (m_dir / "absent.h5").string();
    const Issue missing = issueFor({"stream.kind=dumped", "stream.path=" + absent});
    EXPECT_EQ(missing.key, "stream.path");
    EXPECT_NE(missing.message.find(absent), std::string::npos) << missing.format();
    EXPECT_EQ(issueFor({"stream.kind=dumped"}).key, "stream.path");

    const auto ok = loadScenario(
        "", {"stream.kind=dumped", "stream.path=" + path, "model.width=6", "stream.shuffle=true"});
    ASSERT_TRUE(ok.has_value());
    EXPECT_TRUE(ok->stream.shuffle);
    EXPECT_FALSE(loadScenario("", {})->stream.shuffle);
}

TEST_F(DumpedStreamTest, SimulationUsesOneTeacherPerFileLabel) {
    // 12 labels in the file while stream.domains keeps its default of 8: the teacher must follow
    // the file, or labels 8..11 would have no teacher.
    const std::string path = labelled(64, 8, 12);
    auto config = loadScenario("", {"stream.kind=dumped", "stream.path=" + path, "model.width=8",
                                    "model.experts=4", "model.hidden=8", "train.tokens=24"});
    ASSERT_TRUE(config.has_value());
    Simulation simulation(*config);
    for (int s = 0; s < 5; ++s) {
        const StepStats stats = simulation.step();
        EXPECT_TRUE(std::isfinite(stats.taskLoss));
    }
}

}  // namespace
}  // namespace moe
