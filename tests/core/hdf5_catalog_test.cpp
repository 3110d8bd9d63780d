// SPDX-License-Identifier: MIT
// Describing HDF5 files for the trace browser: traces, dumped streams and odd files.
#include "core/io/hdf5_catalog.h"
#include "core/io/trace_schema.h"
#include "core/io/trace_writer.h"
#include "tests/core/h5_test_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace moe::io {
namespace {

namespace fs = std::filesystem;
using h5::Handle;

class Hdf5CatalogTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("moelab_catalog_" + std::to_string(::getpid()));
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }
    std::string path(const std::string& name) const { return (m_dir / name).string(); }

private:
    fs::path m_dir;
};

std::string writeTrace(const std::string& file, int steps) {
    TraceMetadata meta;
    meta.moelabVersion = "test";
    meta.scenario = "[router]\nkind = token_choice\nk = 2\n";
    meta.seed = 0xFEDCBA9876543210ULL;
    meta.routerKind = "token_choice";
    meta.nExperts = 4;
    meta.snapshotTokens = 3;
    meta.snapshotColumns = 2;
    TraceWriter writer(file, meta);
    for (int64_t s = 0; s < steps; ++s) {
        StepStats stats;
        stats.step = s;
        stats.loadCv = 0.5 * static_cast<double>(s);
        for (int e = 0; e < 4; ++e) {
            stats.demand.push_back(static_cast<double>(10 * s + e));
            stats.load.push_back(1);
            stats.dropped.push_back(0);
            stats.importance.push_back(0);
            stats.meanScore.push_back(0);
        }
        writer.append(0, stats);
    }
    writer.close();
    return file;
}

TEST_F(Hdf5CatalogTest, TraceShowsShapesChunksFiltersAndTheScenario) {
    const std::string file = writeTrace(path("trace.h5"), 25);
    const auto root = describeHdf5File(file);
    ASSERT_TRUE(root) << root.error();
    EXPECT_EQ(hdf5FileSummary(*root), "moelab trace (schema " + std::string(kSchemaVersion) +
                                          ", 1 layer(s), 4 experts, 25 steps)");
    const Hdf5Node* demand = findHdf5Node(*root, "/layer_0/demand");
    ASSERT_NE(demand, nullptr);
    EXPECT_EQ(demand->kind, Hdf5NodeKind::Dataset);
    EXPECT_EQ(demand->name, "demand");
    EXPECT_EQ(demand->shape, (std::vector<uint64_t>{25, 4}));
    EXPECT_EQ(demand->maxShape, (std::vector<uint64_t>{Hdf5Node::kUnlimited, 4}));
    EXPECT_EQ(demand->dtype, "float64");
    EXPECT_EQ(demand->chunks.size(), 2u);
    EXPECT_EQ(demand->compression, "shuffle, gzip 4");
    EXPECT_TRUE(isNumeric(*demand));
    const Hdf5Node* choice = findHdf5Node(*root, "/layer_0/snapshots/choice");
    ASSERT_NE(choice, nullptr);
    EXPECT_EQ(choice->dtype, "int32");
    EXPECT_EQ(choice->shape, (std::vector<uint64_t>{0, 3, 2}));

    bool scenarioFound = false;
    for (const Hdf5Attribute& attribute : root->attributes) {
        if (attribute.name == "scenario") {
            scenarioFound = true;
            EXPECT_EQ(attribute.text, "[router]\nkind = token_choice\nk = 2\n");
            EXPECT_EQ(attribute.preview, "[router] kind = token_choice k = 2 ");
            EXPECT_EQ(attribute.dtype, "string");
        }
        if (attribute.name == "seed") {
            EXPECT_EQ(attribute.preview, "18364758544493064720");  // all 64 bits
            EXPECT_EQ(attribute.dtype, "uint64");
        }
    }
    EXPECT_TRUE(scenarioFound);

    const auto loadCv = readNumericVector(file, "/layer_0/load_cv");
    ASSERT_TRUE(loadCv) << loadCv.error();
    ASSERT_EQ(loadCv->size(), 25u);
    EXPECT_EQ((*loadCv)[7], 3.5);
    const auto matrix = readNumericMatrix(file, "/layer_0/demand");
    ASSERT_TRUE(matrix) << matrix.error();
    ASSERT_EQ(matrix->rows(), 25);
    EXPECT_EQ((*matrix)(6, 3), 63.0);
}

TEST_F(Hdf5CatalogTest, OddFilesAreDescribedWithoutFollowingLinks) {
    const std::string file = path("odd.h5");
    {
        const Handle h5(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                        H5Fclose);
        ASSERT_TRUE(h5.valid());
        const Handle group(
            H5Gcreate2(h5.get(), "g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
        const std::vector<double> values = {1, 2, 3};
        testing::writeDataset(h5.get(), "g/values", {3}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                              values.data());
        const std::vector<uint16_t> half = {0x3C00, 0x4000};  // 1.0 and 2.0 as binary16
        testing::writeDataset(h5.get(), "half", {2}, testing::halfType().get(),
                              testing::halfType().get(), half.data());
        // A compound dataset, a hard link back to the root (a cycle), a soft link, a dangling
        // soft link and an external link.
        const Handle pair(H5Tcreate(H5T_COMPOUND, 16), H5Tclose);
        H5Tinsert(pair.get(), "a", 0, H5T_NATIVE_DOUBLE);
        H5Tinsert(pair.get(), "b", 8, H5T_NATIVE_DOUBLE);
        testing::writeDataset(h5.get(), "pairs", {2}, pair.get(), pair.get(), nullptr);
        ASSERT_GE(H5Lcreate_hard(h5.get(), "/", h5.get(), "g/loop", H5P_DEFAULT, H5P_DEFAULT), 0);
        ASSERT_GE(H5Lcreate_soft("/g/values", h5.get(), "shortcut", H5P_DEFAULT, H5P_DEFAULT), 0);
        ASSERT_GE(H5Lcreate_soft("/nowhere", h5.get(), "dangling", H5P_DEFAULT, H5P_DEFAULT), 0);
        ASSERT_GE(H5Lcreate_external("other.h5", "/x", h5.get(), "outside", H5P_DEFAULT,
                                     H5P_DEFAULT),
                  0);
        // A string array attribute and a large one.
        const Handle strType(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(strType.get(), 4);
        const hsize_t two = 2;
        const Handle space(H5Screate_simple(1, &two, nullptr), H5Sclose);
        const Handle names(
            H5Acreate2(group.get(), "names", strType.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
            H5Aclose);
        ASSERT_GE(H5Awrite(names.get(), strType.get(), "abcdxy\0\0"), 0);
        const hsize_t many = 20;
        const Handle manySpace(H5Screate_simple(1, &many, nullptr), H5Sclose);
        const Handle counts(H5Acreate2(group.get(), "counts", H5T_STD_I32LE, manySpace.get(),
                                       H5P_DEFAULT, H5P_DEFAULT),
                            H5Aclose);
        std::vector<int32_t> numbers(20);
        for (int i = 0; i < 20; ++i) numbers[static_cast<size_t>(i)] = i * i;
        ASSERT_GE(H5Awrite(counts.get(), H5T_NATIVE_INT32, numbers.data()), 0);
    }
    const auto root = describeHdf5File(file);
    ASSERT_TRUE(root) << root.error();
    EXPECT_EQ(hdf5FileSummary(*root), "HDF5 file (2 groups, 3 datasets)");
    const Hdf5Node* loop = findHdf5Node(*root, "/g/loop");
    ASSERT_NE(loop, nullptr);
    EXPECT_EQ(loop->kind, Hdf5NodeKind::Group);
    EXPECT_TRUE(loop->children.empty());
    EXPECT_NE(loop->note.find("same object"), std::string::npos);
    EXPECT_EQ(findHdf5Node(*root, "/shortcut")->kind, Hdf5NodeKind::Link);
    EXPECT_EQ(findHdf5Node(*root, "/shortcut")->linkTarget, "/g/values");
    EXPECT_EQ(findHdf5Node(*root, "/dangling")->linkTarget, "/nowhere");
    EXPECT_EQ(findHdf5Node(*root, "/outside")->linkTarget, "other.h5:/x");
    EXPECT_EQ(findHdf5Node(*root, "/pairs")->dtype, "compound {a, b}");
    EXPECT_FALSE(isNumeric(*findHdf5Node(*root, "/pairs")));
    EXPECT_EQ(findHdf5Node(*root, "/half")->dtype, "float16");
    const Hdf5Node* group = findHdf5Node(*root, "/g");
    ASSERT_EQ(group->attributes.size(), 2u);
    EXPECT_EQ(group->attributes[0].name, "counts");  // name order
    EXPECT_EQ(group->attributes[0].preview, "[0, 1, 4, 9, 16, 25, 36, 49, ...]");
    EXPECT_EQ(group->attributes[0].shape, (std::vector<uint64_t>{20}));
    EXPECT_EQ(group->attributes[1].preview, "[\"abcd\", \"xy\"]");
    EXPECT_EQ(group->attributes[1].dtype, "string[4]");

    const auto half = readNumericVector(file, "/half");
    ASSERT_TRUE(half) << half.error();
    EXPECT_EQ(*half, (std::vector<double>{1.0, 2.0}));
    const auto wrongRank = readNumericMatrix(file, "/g/values");
    ASSERT_FALSE(wrongRank);
    EXPECT_NE(wrongRank.error().find("has 1 dimensions, not 2"), std::string::npos)
        << wrongRank.error();
    const auto notNumbers = readNumericVector(file, "/pairs");
    ASSERT_FALSE(notNumbers);
    EXPECT_NE(notNumbers.error().find("not numbers"), std::string::npos) << notNumbers.error();
    const auto tooMany = readNumericVector(file, "/g/values", 2);
    ASSERT_FALSE(tooMany);
    EXPECT_NE(tooMany.error().find("too many"), std::string::npos) << tooMany.error();
    const auto missing = readNumericVector(file, "/no/such");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find("no such dataset"), std::string::npos) << missing.error();
}

TEST_F(Hdf5CatalogTest, DumpedStreamAndNonHdf5Files) {
    const std::string file = path("dumped.h5");
    {
        const Handle h5(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                        H5Fclose);
        std::vector<uint16_t> tokens(40, 0x3C00);
        testing::writeDataset(h5.get(), "tokens", {10, 4}, testing::halfType().get(),
                              testing::halfType().get(), tokens.data());
        std::vector<int32_t> domain(10, 1);
        testing::writeDataset(h5.get(), "domain", {10}, H5T_STD_I32LE, H5T_NATIVE_INT32,
                              domain.data());
    }
    const auto root = describeHdf5File(file);
    ASSERT_TRUE(root) << root.error();
    EXPECT_EQ(hdf5FileSummary(*root), "dumped token stream (10 tokens of width 4, with domain labels)");
    const auto tokens = readNumericMatrix(file, "/tokens");
    ASSERT_TRUE(tokens) << tokens.error();
    EXPECT_EQ(tokens->cols(), 4);
    EXPECT_EQ((*tokens)(9, 3), 1.0);

    std::ofstream(path("notes.h5")) << "plain text";
    const auto text = describeHdf5File(path("notes.h5"));
    ASSERT_FALSE(text);
    EXPECT_NE(text.error().find("not an HDF5 file"), std::string::npos) << text.error();
    const auto absent = describeHdf5File(path("absent.h5"));
    ASSERT_FALSE(absent);
    EXPECT_NE(absent.error().find("no such file"), std::string::npos) << absent.error();
}

}  // namespace
}  // namespace moe::io
