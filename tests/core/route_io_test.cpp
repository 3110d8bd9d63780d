// SPDX-License-Identifier: MIT
// The `moelab route` input reader and output writer. Inputs are written here with the HDF5 C API
// (not with moelab code), float16 as raw IEEE half bit patterns, so the conversion is checked
// against known values.
#include "core/io/hdf5_util.h"
#include "h5_test_files.h"
#include "core/io/route_batch_reader.h"
#include "core/io/route_output_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace moe::io {
namespace {

namespace fs = std::filesystem;
using testing::halfType;
using testing::writeDataset;
using h5::Handle;

void writeFloats(hid_t file, const std::string& name, const std::vector<hsize_t>& dims,
                 const std::vector<float>& values) {
    writeDataset(file, name, dims, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, values.data());
}

class RouteIoTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() /
                ("moelab_route_io_" +
                 std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_dir);
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }

    /// Creates input.h5 with `fill` and returns its path.
    std::string input(const std::function<void(hid_t)>& fill) const {
        const std::string path = (m_dir / "input.h5").string();
        const Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                          H5Fclose);
        fill(file.get());
        return path;
    }

    /// Reads `path` expecting an error that names the dataset; returns the message.
    static std::string expectError(const std::string& path, const std::string& dataset) {
        auto batch = readRouteBatch(path);
        EXPECT_FALSE(batch.has_value());
        if (batch) return {};
        EXPECT_NE(batch.error().find(path), std::string::npos) << batch.error();
        EXPECT_NE(batch.error().find("/" + dataset), std::string::npos) << batch.error();
        return batch.error();
    }

    fs::path m_dir;
};

TEST_F(RouteIoTest, ReadsFloat32LogitsAndDomain) {
    const std::vector<float> logits = {0.5f, -1.0f, 2.0f, 3.25f, 0.0f, -7.5f};
    const std::vector<int64_t> domain = {3, 0};
    const std::string path = input([&](hid_t f) {
        writeFloats(f, "logits", {2, 3}, logits);
        writeDataset(f, "domain", {2}, H5T_STD_I64LE, H5T_NATIVE_INT64, domain.data());
    });
    auto batch = readRouteBatch(path);
    ASSERT_TRUE(batch) << batch.error();
    ASSERT_TRUE(batch->hasLogits());
    EXPECT_EQ(batch->nTokens(), 2);
    EXPECT_EQ(batch->nExperts(), 3);
    EXPECT_EQ(batch->width(), 0);
    for (int i = 0; i < 6; ++i)
        EXPECT_EQ(batch->logits(i / 3, i % 3), logits[static_cast<size_t>(i)]);
    EXPECT_EQ(batch->domain, (std::vector<int32_t>{3, 0}));
    EXPECT_TRUE(batch->notes.empty());
}

TEST_F(RouteIoTest, ReadsFloat16LogitsFromTheirBitPatterns) {
    // 1, -2, 0.33325195 (0x3555), 65504 (largest half), 2^-24 (smallest subnormal), -0.
    const std::vector<uint16_t> bits = {0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0x8000};
    const std::vector<float> expected = {
        1.0f, -2.0f, 0.333251953125f, 65504.0f, std::ldexp(1.0f, -24), -0.0f};
    const std::string path = input([&](hid_t f) {
        const Handle half = halfType();
        writeDataset(f, "logits", {3, 2}, half.get(), half.get(), bits.data());
    });
    auto batch = readRouteBatch(path);
    ASSERT_TRUE(batch) << batch.error();
    for (int i = 0; i < 6; ++i)
        EXPECT_EQ(batch->logits(i / 2, i % 2), expected[static_cast<size_t>(i)]) << i;
    EXPECT_TRUE(std::signbit(batch->logits(2, 1)));
}

TEST_F(RouteIoTest, ReadsFloat16TokensWithFloat32RouterWeight) {
    const std::vector<uint16_t> tokenBits = {0x3C00, 0x4000, 0xBC00, 0x3800};  // 1 2 / -1 0.5
    const std::vector<float> weight = {1, 2, 3, 4, 5, 6};                      // [2, 3]
    const std::string path = input([&](hid_t f) {
        const Handle half = halfType();
        writeDataset(f, "tokens", {2, 2}, half.get(), half.get(), tokenBits.data());
        writeFloats(f, "router_weight", {2, 3}, weight);
    });
    auto batch = readRouteBatch(path);
    ASSERT_TRUE(batch) << batch.error();
    ASSERT_FALSE(batch->hasLogits());
    EXPECT_EQ(batch->nTokens(), 2);
    EXPECT_EQ(batch->nExperts(), 3);
    EXPECT_EQ(batch->width(), 2);
    EXPECT_EQ(batch->tokens(1, 0), -1.0f);
    EXPECT_EQ(batch->tokens(1, 1), 0.5f);
    EXPECT_EQ(batch->routerWeight(1, 2), 6.0f);
    EXPECT_TRUE(batch->domain.empty());
}

TEST_F(RouteIoTest, PrefersLogitsOverTokensAndSaysSo) {
    const std::string path = input([&](hid_t f) {
        writeFloats(f, "logits", {1, 2}, {1, 2});
        writeFloats(f, "tokens", {1, 1}, {1});
    });
    auto batch = readRouteBatch(path);
    ASSERT_TRUE(batch) << batch.error();
    EXPECT_TRUE(batch->hasLogits());
    ASSERT_EQ(batch->notes.size(), 1u);
    EXPECT_NE(batch->notes[0].find("/logits"), std::string::npos);
}

TEST_F(RouteIoTest, MissingFileIsAnErrorNamingIt) {
    const std::string path = (m_dir / "absent.h5").string();
    auto batch = readRouteBatch(path);
    ASSERT_FALSE(batch);
    EXPECT_NE(batch.error().find(path), std::string::npos) << batch.error();
    EXPECT_NE(batch.error().find("no such file"), std::string::npos) << batch.error();
}

TEST_F(RouteIoTest, NonHdf5FileIsAnError) {
    const std::string path = (m_dir / "text.h5").string();
    {
        std::FILE* f = std::fopen(path.c_str(), "w");
        std::fputs("hello", f);
        std::fclose(f);
    }
    auto batch = readRouteBatch(path);
    ASSERT_FALSE(batch);
    EXPECT_NE(batch.error().find("not an HDF5 file"), std::string::npos) << batch.error();
}

TEST_F(RouteIoTest, MissingDatasetsNameWhatIsNeeded) {
    EXPECT_NE(expectError(input([](hid_t) {}), "logits").find("/router_weight"), std::string::npos);
    expectError(input([](hid_t f) {
                    writeFloats(f, "tokens", {2, 2}, {1, 2, 3, 4});
                }),
                "router_weight");
}

TEST_F(RouteIoTest, WrongRankIsAnError) {
    const std::string message = expectError(input([](hid_t f) {
                                                writeFloats(f, "logits", {4}, {1, 2, 3, 4});
                                            }),
                                            "logits");
    EXPECT_NE(message.find("rank 1"), std::string::npos) << message;
    expectError(input([](hid_t f) {
                    writeFloats(f, "tokens", {2, 1, 2}, {1, 2, 3, 4});
                    writeFloats(f, "router_weight", {2, 2}, {1, 2, 3, 4});
                }),
                "tokens");
    expectError(input([](hid_t f) {
                    writeFloats(f, "logits", {2, 2}, {1, 2, 3, 4});
                    writeFloats(f, "domain", {1, 2}, {0, 1});
                }),
                "domain");
}

TEST_F(RouteIoTest, MismatchedWidthIsAnError) {
    const std::string message =
        expectError(input([](hid_t f) {
                        writeFloats(f, "tokens", {2, 3}, {1, 2, 3, 4, 5, 6});
                        writeFloats(f, "router_weight", {2, 2}, {1, 2, 3, 4});
                    }),
                    "router_weight");
    EXPECT_NE(message.find("d = 3"), std::string::npos) << message;
}

TEST_F(RouteIoTest, NonFloatOrFloat64ValuesAreErrors) {
    const std::vector<int32_t> ints = {1, 2, 3, 4};
    const std::string message = expectError(
        input([&](hid_t f) {
            writeDataset(f, "logits", {2, 2}, H5T_STD_I32LE, H5T_NATIVE_INT32, ints.data());
        }),
        "logits");
    EXPECT_NE(message.find("integer"), std::string::npos) << message;
    const std::vector<double> doubles = {1, 2, 3, 4};
    const std::string wide = expectError(
        input([&](hid_t f) {
            writeDataset(f, "logits", {2, 2}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, doubles.data());
        }),
        "logits");
    EXPECT_NE(wide.find("float64"), std::string::npos) << wide;
    expectError(input([&](hid_t f) {
                    writeFloats(f, "logits", {2, 2}, {1, 2, 3, 4});
                    writeFloats(f, "domain", {2}, {0, 1});
                }),
                "domain");
}

TEST_F(RouteIoTest, EmptyBatchIsAnError) {
    const std::string message = expectError(
        input([](hid_t f) {
            writeDataset(f, "logits", {0, 4}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, nullptr);
        }),
        "logits");
    EXPECT_NE(message.find("empty"), std::string::npos) << message;
    expectError(input([](hid_t f) {
                    writeDataset(f, "tokens", {3, 0}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, nullptr);
                    writeFloats(f, "router_weight", {1, 1}, {1});
                }),
                "tokens");
}

TEST_F(RouteIoTest, BadDomainLabelsAreErrors) {
    const std::vector<int32_t> negative = {0, -1};
    expectError(input([&](hid_t f) {
                    writeFloats(f, "logits", {2, 2}, {1, 2, 3, 4});
                    writeDataset(f, "domain", {2}, H5T_STD_I32LE, H5T_NATIVE_INT32,
                                 negative.data());
                }),
                "domain");
    const std::vector<int32_t> three = {0, 1, 2};
    const std::string message = expectError(input([&](hid_t f) {
                                                writeFloats(f, "logits", {2, 2}, {1, 2, 3, 4});
                                                writeDataset(f, "domain", {3}, H5T_STD_I32LE,
                                                             H5T_NATIVE_INT32, three.data());
                                            }),
                                            "domain");
    EXPECT_NE(message.find("T = 2"), std::string::npos) << message;
}

TEST_F(RouteIoTest, NonFiniteValuesAreErrors) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::string message = expectError(input([&](hid_t f) {
                                                writeFloats(f, "logits", {2, 2}, {1, 2, nan, 4});
                                            }),
                                            "logits");
    EXPECT_NE(message.find("[1, 0]"), std::string::npos) << message;
}

TEST_F(RouteIoTest, AbsurdDeclaredSizeIsRefusedBeforeReading) {
    // 2^20 x 2^12 = 2^32 elements declared; chunked so the file stays tiny.
    const std::string path = input([](hid_t f) {
        const std::vector<hsize_t> dims = {hsize_t{1} << 20, hsize_t{1} << 12};
        const std::vector<hsize_t> chunk = {64, 64};
        const Handle space(H5Screate_simple(2, dims.data(), nullptr), H5Sclose);
        const Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        H5Pset_chunk(plist.get(), 2, chunk.data());
        const Handle ds(H5Dcreate2(f, "logits", H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                                   plist.get(), H5P_DEFAULT),
                        H5Dclose);
        ASSERT_TRUE(ds.valid());
    });
    const std::string message = expectError(path, "logits");
    EXPECT_NE(message.find("2^31"), std::string::npos) << message;
}

// ---------------------------------------------------------------------------------------------
// Output writer

template <typename T>
std::vector<T> readAll(hid_t file, const std::string& name, hid_t memoryType,
                       std::vector<hsize_t>* dims = nullptr) {
    const Handle ds(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
    EXPECT_TRUE(ds.valid()) << name;
    const Handle space(H5Dget_space(ds.get()), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    std::vector<hsize_t> shape(static_cast<size_t>(rank));
    H5Sget_simple_extent_dims(space.get(), shape.data(), nullptr);
    hsize_t n = 1;
    for (hsize_t s : shape) n *= s;
    std::vector<T> values(n);
    H5Dread(ds.get(), memoryType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    if (dims) *dims = shape;
    return values;
}

double readDoubleAttribute(hid_t file, const std::string& name) {
    const Handle a(H5Aopen(file, name.c_str(), H5P_DEFAULT), H5Aclose);
    EXPECT_TRUE(a.valid()) << name;
    double v = 0;
    H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v);
    return v;
}

int64_t readIntAttribute(hid_t file, const std::string& name) {
    const Handle a(H5Aopen(file, name.c_str(), H5P_DEFAULT), H5Aclose);
    EXPECT_TRUE(a.valid()) << name;
    int64_t v = 0;
    H5Aread(a.get(), H5T_NATIVE_INT64, &v);
    return v;
}

std::string readStringAttribute(hid_t file, const std::string& name) {
    const Handle a(H5Aopen(file, name.c_str(), H5P_DEFAULT), H5Aclose);
    EXPECT_TRUE(a.valid()) << name;
    const Handle type(H5Aget_type(a.get()), H5Tclose);
    char* text = nullptr;
    H5Aread(a.get(), type.get(), &text);
    std::string out = text != nullptr ? text : "";
    H5free_memory(text);
    return out;
}

RoutingDecision sampleDecision() {
    RoutingDecision d;
    d.nTokens = 3;
    d.nExperts = 4;
    d.k = 2;
    d.capacity = 2;
    d.choice.resize(3, 2);
    d.choice << 2, 0, 1, -1, 2, 3;
    d.kept.resize(3, 2);
    d.kept << 1, 1, 1, 0, 0, 1;
    d.weight.resize(3, 2);
    d.weight << 0.75f, 0.25f, 1.0f, 0.0f, 0.0f, 0.5f;
    return d;
}

StepStats sampleStats() {
    StepStats s;
    s.demand = {1, 1, 2, 1};
    s.load = {1, 1, 1, 1};
    s.dropped = {0, 0, 1, 0};
    s.importance = {0.25, 1, 0.75, 0.5};
    s.meanScore = {0.1, 0.2, 0.3, 0.4};
    s.dropFraction = 1.0 / 6;
    s.tokenDropFraction = 0.125;
    s.loadCv = 0.5;
    s.maxOverMean = 1.6;
    s.loadEntropy = 0.9;
    s.routerEntropy = 0.7;
    s.deadExperts = 0;
    s.collapse = 0.1;
    s.auxLoss = 1.25;
    s.zLoss = 3.5;
    s.specialization = std::numeric_limits<double>::quiet_NaN();
    return s;
}

TEST_F(RouteIoTest, OutputRoundTrips) {
    const std::string path = (m_dir / "out.h5").string();
    const RoutingDecision d = sampleDecision();
    const RouteOutputInfo info{"token_choice", "9.9.9", "[router]\nk = 2\n"};
    auto written = writeRouteOutput(path, d, sampleStats(), info);
    ASSERT_TRUE(written) << written.error();
    EXPECT_FALSE(fs::exists(path + ".tmp"));

    const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    ASSERT_TRUE(file.valid());
    std::vector<hsize_t> dims;
    EXPECT_EQ(readAll<float>(file.get(), "combine", H5T_NATIVE_FLOAT, &dims),
              (std::vector<float>{0.25f, 0, 0.75f, 0, 0, 1, 0, 0, 0, 0, 0, 0.5f}));
    EXPECT_EQ(dims, (std::vector<hsize_t>{3, 4}));
    EXPECT_EQ(readAll<uint8_t>(file.get(), "dispatch", H5T_NATIVE_UINT8),
              (std::vector<uint8_t>{1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1}));
    EXPECT_EQ(readAll<int32_t>(file.get(), "choice", H5T_NATIVE_INT32, &dims),
              (std::vector<int32_t>{2, 0, 1, -1, 2, 3}));
    EXPECT_EQ(dims, (std::vector<hsize_t>{3, 2}));
    EXPECT_EQ(readAll<uint8_t>(file.get(), "kept", H5T_NATIVE_UINT8),
              (std::vector<uint8_t>{1, 1, 1, 0, 0, 1}));
    EXPECT_EQ(readAll<double>(file.get(), "demand", H5T_NATIVE_DOUBLE), sampleStats().demand);
    EXPECT_EQ(readAll<double>(file.get(), "load", H5T_NATIVE_DOUBLE), sampleStats().load);
    EXPECT_EQ(readAll<double>(file.get(), "dropped", H5T_NATIVE_DOUBLE), sampleStats().dropped);
    EXPECT_EQ(readAll<double>(file.get(), "importance", H5T_NATIVE_DOUBLE),
              sampleStats().importance);
    EXPECT_EQ(readAll<double>(file.get(), "mean_score", H5T_NATIVE_DOUBLE),
              sampleStats().meanScore);

    EXPECT_EQ(readDoubleAttribute(file.get(), "drop_fraction"), 1.0 / 6);
    EXPECT_EQ(readDoubleAttribute(file.get(), "token_drop_fraction"), 0.125);
    EXPECT_EQ(readDoubleAttribute(file.get(), "load_cv"), 0.5);
    EXPECT_EQ(readDoubleAttribute(file.get(), "max_over_mean"), 1.6);
    EXPECT_EQ(readDoubleAttribute(file.get(), "load_entropy"), 0.9);
    EXPECT_EQ(readDoubleAttribute(file.get(), "router_entropy"), 0.7);
    EXPECT_EQ(readDoubleAttribute(file.get(), "dead_experts"), 0.0);
    EXPECT_EQ(readDoubleAttribute(file.get(), "collapse"), 0.1);
    EXPECT_EQ(readDoubleAttribute(file.get(), "aux_loss"), 1.25);
    EXPECT_EQ(readDoubleAttribute(file.get(), "z_loss"), 3.5);
    EXPECT_TRUE(std::isnan(readDoubleAttribute(file.get(), "specialization")));
    EXPECT_EQ(readIntAttribute(file.get(), "capacity"), 2);
    EXPECT_EQ(readIntAttribute(file.get(), "k"), 2);
    EXPECT_EQ(readIntAttribute(file.get(), "n_tokens"), 3);
    EXPECT_EQ(readIntAttribute(file.get(), "n_experts"), 4);
    EXPECT_EQ(readStringAttribute(file.get(), "router_kind"), "token_choice");
    EXPECT_EQ(readStringAttribute(file.get(), "moelab_version"), "9.9.9");
    EXPECT_EQ(readStringAttribute(file.get(), "scenario"), "[router]\nk = 2\n");
}

TEST_F(RouteIoTest, OutputReplacesAnExistingFileOnlyWhenComplete) {
    const std::string path = (m_dir / "out.h5").string();
    const RoutingDecision d = sampleDecision();
    ASSERT_TRUE(writeRouteOutput(path, d, sampleStats(), {"token_choice", "1", ""}));
    ASSERT_TRUE(writeRouteOutput(path, d, sampleStats(), {"noisy_topk", "1", ""}));
    const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    EXPECT_EQ(readStringAttribute(file.get(), "router_kind"), "noisy_topk");
}

TEST_F(RouteIoTest, OutputFailureLeavesNoFile) {
    const std::string path = (m_dir / "no_such_dir" / "out.h5").string();
    auto written =
        writeRouteOutput(path, sampleDecision(), sampleStats(), {"token_choice", "1", ""});
    ASSERT_FALSE(written);
    EXPECT_NE(written.error().find(path), std::string::npos) << written.error();
    EXPECT_FALSE(fs::exists(path));
    EXPECT_FALSE(fs::exists(path + ".tmp"));
}

}  // namespace
}  // namespace moe::io
