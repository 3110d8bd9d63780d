// SPDX-License-Identifier: MIT
#include "core/io/hdf5_util.h"
#include "core/io/trace_error.h"
#include "core/io/trace_reader.h"
#include "core/io/trace_text.h"
#include "core/io/trace_schema.h"
#include "core/io/trace_writer.h"

#include <H5DSpublic.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace moe::io {
namespace {

namespace fs = std::filesystem;
using h5::Handle;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Every field gets its own value range so that a dataset wired to the wrong member shows up.
StepStats makeStats(int64_t row, int layer, int nExperts) {
    const double r = static_cast<double>(row) / 1024.0;  // exact in binary
    const double base = 1000.0 * layer;
    StepStats s;
    s.step = 10 + 2 * row;
    s.dropFraction = base + 1 + r;
    s.tokenDropFraction = base + 2 + r;
    s.loadCv = base + 3 + r;
    s.maxOverMean = base + 4 + r;
    s.loadEntropy = base + 5 + r;
    s.routerEntropy = base + 6 + r;
    s.deadExperts = base + 7 + r;
    s.collapse = base + 8 + r;
    s.taskLoss = base + 9 + r;
    s.auxLoss = base + 10 + r;
    s.zLoss = base + 11 + r;
    s.importanceLoss = base + 12 + r;
    s.loadLoss = base + 13 + r;
    s.seqAuxLoss = base + 14 + r;
    s.totalLoss = base + 15 + r;
    s.specialization = row % 3 == 0 ? kNaN : base + 16 + r;
    s.vocabSpecialization = row % 4 == 0 ? kNaN : base + 17 + r;
    s.capacity = row % 5 == 0 ? -1 : 100 + row;
    s.pickedOnceFraction = base + 18 + r;
    s.pickedManyFraction = base + 19 + r;
    s.nullFraction = base + 20 + r;
    for (int e = 0; e < nExperts; ++e) {
        const double x = base + r + e / 8.0;
        s.demand.push_back(100 + x);
        s.load.push_back(200 + x);
        s.dropped.push_back(300 + x);
        s.importance.push_back(400 + x);
        s.meanScore.push_back(500 + x);
    }
    return s;
}

// Written out here, not taken from kTraceDatasets, so the test checks the schema table too.
const std::vector<std::pair<std::string, std::function<double(const StepStats&)>>> kScalars = {
    {"drop_fraction", [](const StepStats& s) { return s.dropFraction; }},
    {"token_drop_fraction", [](const StepStats& s) { return s.tokenDropFraction; }},
    {"load_cv", [](const StepStats& s) { return s.loadCv; }},
    {"max_over_mean", [](const StepStats& s) { return s.maxOverMean; }},
    {"load_entropy", [](const StepStats& s) { return s.loadEntropy; }},
    {"router_entropy", [](const StepStats& s) { return s.routerEntropy; }},
    {"dead_experts", [](const StepStats& s) { return s.deadExperts; }},
    {"collapse", [](const StepStats& s) { return s.collapse; }},
    {"task_loss", [](const StepStats& s) { return s.taskLoss; }},
    {"aux_loss", [](const StepStats& s) { return s.auxLoss; }},
    {"z_loss", [](const StepStats& s) { return s.zLoss; }},
    {"importance_loss", [](const StepStats& s) { return s.importanceLoss; }},
    {"load_loss", [](const StepStats& s) { return s.loadLoss; }},
    {"seq_aux_loss", [](const StepStats& s) { return s.seqAuxLoss; }},
    {"total_loss", [](const StepStats& s) { return s.totalLoss; }},
    {"specialization", [](const StepStats& s) { return s.specialization; }},
    {"vocab_specialization", [](const StepStats& s) { return s.vocabSpecialization; }},
    {"capacity", [](const StepStats& s) { return static_cast<double>(s.capacity); }},
    {"picked_once_fraction", [](const StepStats& s) { return s.pickedOnceFraction; }},
    {"picked_many_fraction", [](const StepStats& s) { return s.pickedManyFraction; }},
    {"null_fraction", [](const StepStats& s) { return s.nullFraction; }},
};
const std::vector<
    std::pair<std::string, std::function<const std::vector<double>&(const StepStats&)>>>
    kPerExpert = {
        {"demand", [](const StepStats& s) -> const std::vector<double>& { return s.demand; }},
        {"load", [](const StepStats& s) -> const std::vector<double>& { return s.load; }},
        {"dropped", [](const StepStats& s) -> const std::vector<double>& { return s.dropped; }},
        {"importance",
         [](const StepStats& s) -> const std::vector<double>& { return s.importance; }},
        {"mean_score",
         [](const StepStats& s) -> const std::vector<double>& { return s.meanScore; }},
};

// Exact equality that also matches NaN with NaN (written as `!(a < b) && !(b < a)` because
// -Wfloat-equal rejects ==, and exactness is the point here).
bool sameValue(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return !(a < b) && !(b < a);
}

TraceMetadata makeMetadata(int nExperts, int nLayers) {
    TraceMetadata meta;
    meta.moelabVersion = "0.1.0-test";
    meta.scenario = "[router]\nkind = token_choice\nk = 2\n# µ and ∞ survive as UTF-8\n";
    meta.seed = 0xFEDCBA9876543210ULL;  // above INT64_MAX: the attribute must be unsigned
    meta.routerKind = "token_choice";
    meta.nExperts = nExperts;
    meta.nLayers = nLayers;
    return meta;
}

TraceWriterOptions countOnly(int flushEvery, int compression = 4) {
    return {flushEvery, 1e9, compression};
}

/// Checks that `data` holds rows [0, rows) of layer `layer` as makeStats builds them.
void expectRows(const TraceData& data, int64_t rows, int layer, int nExperts) {
    ASSERT_EQ(data.rows, rows);
    ASSERT_EQ(data.step.size(), static_cast<size_t>(rows));
    std::set<std::string> scalarNames;
    for (const auto& [name, values] : data.scalars) scalarNames.insert(name);
    std::set<std::string> expectedScalars;
    for (const auto& [name, get] : kScalars) expectedScalars.insert(name);
    EXPECT_EQ(scalarNames, expectedScalars);
    // expert_state is left empty by makeStats: written as 1 (live) for every expert; probe_loss
    // likewise as NaN in its single domain column.
    EXPECT_EQ(data.perExpert.size(), kPerExpert.size() + 1);
    ASSERT_TRUE(data.perExpert.contains("expert_state"));
    EXPECT_TRUE((data.perExpert.at("expert_state").array() == 1.0).all());
    EXPECT_EQ(data.perExpert.at("expert_state").cols(), nExperts);
    ASSERT_EQ(data.perDomain.size(), 1u);
    EXPECT_EQ(data.perDomain.at("probe_loss").cols(), 1);
    EXPECT_TRUE(data.perDomain.at("probe_loss").array().isNaN().all());

    for (int64_t row = 0; row < rows; ++row) {
        const StepStats expected = makeStats(row, layer, nExperts);
        const auto r = static_cast<size_t>(row);
        EXPECT_EQ(data.step[r], expected.step);
        for (const auto& [name, get] : kScalars) {
            ASSERT_EQ(data.scalars.at(name).size(), static_cast<size_t>(rows)) << name;
            EXPECT_TRUE(sameValue(data.scalars.at(name)[r], get(expected)))
                << name << " row " << row << ": " << data.scalars.at(name)[r];
        }
        for (const auto& [name, get] : kPerExpert) {
            const Eigen::MatrixXd& matrix = data.perExpert.at(name);
            ASSERT_EQ(matrix.rows(), rows) << name;
            ASSERT_EQ(matrix.cols(), nExperts) << name;
            for (int e = 0; e < nExperts; ++e) {
                EXPECT_EQ(matrix(row, e), get(expected)[static_cast<size_t>(e)])
                    << name << " row " << row << " expert " << e;
            }
        }
    }
}

std::string readStringAttribute(hid_t object, const char* name) {
    const Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    EXPECT_TRUE(attribute.valid()) << name;
    const Handle type(H5Aget_type(attribute.get()), H5Tclose);
    EXPECT_EQ(H5Tget_class(type.get()), H5T_STRING) << name;
    EXPECT_GT(H5Tis_variable_str(type.get()), 0) << name;
    char* text = nullptr;
    EXPECT_GE(H5Aread(attribute.get(), type.get(), &text), 0) << name;
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
}

/// Replaces (or adds) a variable-length string attribute on the root of an existing file.
void setRootStringAttribute(const std::string& path, const char* name, const std::string& value) {
    const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    ASSERT_TRUE(file.valid());
    if (H5Aexists(file.get(), name) > 0) {
        ASSERT_GE(H5Adelete(file.get(), name), 0);
    }
    const Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    ASSERT_GE(H5Tset_size(type.get(), H5T_VARIABLE), 0);
    const Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    const Handle attribute(
        H5Acreate2(file.get(), name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    ASSERT_TRUE(attribute.valid());
    const char* text = value.c_str();
    ASSERT_GE(H5Awrite(attribute.get(), type.get(), &text), 0);
}

class TraceFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_dir = fs::temp_directory_path() / ("moelab_trace_test_" + std::to_string(getpid()) + "_" +
                                             info->test_suite_name() + "_" + info->name());
        fs::remove_all(m_dir);
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }

    std::string path(const std::string& name) const { return (m_dir / name).string(); }

    /// A closed trace of `rows` rows per layer, written in blocks of 64.
    std::string writeTrace(const std::string& name, int64_t rows, int nExperts = 3, int nLayers = 1,
                           int compression = 4) {
        const std::string file = path(name);
        TraceWriter writer(file, makeMetadata(nExperts, nLayers), countOnly(64, compression));
        for (int64_t row = 0; row < rows; ++row) {
            for (int layer = 0; layer < nLayers; ++layer)
                writer.append(layer, makeStats(row, layer, nExperts));
        }
        writer.close();
        return file;
    }

    fs::path m_dir;
};

using TraceWriterTest = TraceFileTest;
using TraceReaderTest = TraceFileTest;

TEST_F(TraceWriterTest, RoundTripsEveryDatasetAndAttributeAcrossFlushes) {
    const int nExperts = 5;
    const int nLayers = 2;
    const int64_t rows = 250;
    const std::string file = path("round_trip.h5");
    const TraceMetadata meta = makeMetadata(nExperts, nLayers);
    {
        TraceWriter writer(file, meta, countOnly(64));
        for (int64_t row = 0; row < rows; ++row) {
            for (int layer = 0; layer < nLayers; ++layer)
                writer.append(layer, makeStats(row, layer, nExperts));
        }
        // Three blocks of 64 steps went out; the last 58 are still buffered.
        EXPECT_EQ(writer.rowsWritten(), 3 * 64 * nLayers);
        writer.close();
        EXPECT_EQ(writer.rowsWritten(), rows * nLayers);
        writer.close();  // idempotent
    }

    for (int layer = 0; layer < nLayers; ++layer) {
        const auto data = readTrace(file, layer);
        ASSERT_TRUE(data) << data.error();
        EXPECT_EQ(data->schemaVersion, std::string(kSchemaVersion));
        EXPECT_EQ(data->moelabVersion, meta.moelabVersion);
        EXPECT_EQ(data->scenario, meta.scenario);
        EXPECT_EQ(data->seed, meta.seed);
        EXPECT_EQ(data->routerKind, meta.routerKind);
        EXPECT_EQ(data->nExperts, nExperts);
        EXPECT_EQ(data->nLayers, nLayers);
        EXPECT_TRUE(
            std::regex_match(data->created, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
            << data->created;
        expectRows(*data, rows, layer, nExperts);
    }

    const auto header = readTraceHeader(file, 1);
    ASSERT_TRUE(header) << header.error();
    EXPECT_EQ(header->rows, rows);
    EXPECT_EQ(header->scenario, meta.scenario);
    EXPECT_EQ(header->seed, meta.seed);
}

TEST_F(TraceWriterTest, EmptyTraceIsValid) {
    const std::string file = writeTrace("empty.h5", 0);
    const auto data = readTrace(file);
    ASSERT_TRUE(data) << data.error();
    EXPECT_EQ(data->rows, 0);
    EXPECT_EQ(data->perExpert.at("load").rows(), 0);
    EXPECT_EQ(data->perExpert.at("load").cols(), 3);
}

TEST_F(TraceWriterTest, FlushesEveryNStepsOrAfterTheTimeLimit) {
    {
        TraceWriter writer(path("count.h5"), makeMetadata(2, 1), countOnly(10));
        for (int64_t row = 0; row < 9; ++row) writer.append(0, makeStats(row, 0, 2));
        EXPECT_EQ(writer.rowsWritten(), 0);
        writer.append(0, makeStats(9, 0, 2));
        EXPECT_EQ(writer.rowsWritten(), 10);
        writer.append(0, makeStats(10, 0, 2));
        writer.flush();
        EXPECT_EQ(writer.rowsWritten(), 11);
    }
    {
        // flushSeconds = 0: the time limit has always passed, so every step is written.
        TraceWriter writer(path("time.h5"), makeMetadata(2, 1), {1000, 0.0, 4});
        for (int64_t row = 0; row < 3; ++row) {
            writer.append(0, makeStats(row, 0, 2));
            EXPECT_EQ(writer.rowsWritten(), row + 1);
        }
    }
}

TEST_F(TraceWriterTest, WritesOnlyAtStepBoundaries) {
    TraceWriter writer(path("layers.h5"), makeMetadata(2, 2), countOnly(1));
    writer.append(0, makeStats(0, 0, 2));
    EXPECT_EQ(writer.rowsWritten(), 0);  // layer 1 of this step is still missing
    writer.append(1, makeStats(0, 1, 2));
    EXPECT_EQ(writer.rowsWritten(), 2);
}

TEST_F(TraceWriterTest, DatasetsAreChunkedCompressedAndExtendible) {
    const int nExperts = 6;
    const std::string compressed = writeTrace("gzip.h5", 70, nExperts);
    const std::string plain = writeTrace("plain.h5", 70, nExperts, 1, 0);

    const Handle file(H5Fopen(compressed.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    const Handle plainFile(H5Fopen(plain.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    ASSERT_TRUE(file.valid());
    ASSERT_TRUE(plainFile.valid());
    for (const DatasetSpec& spec : kTraceDatasets) {
        const std::string name = "layer_0/" + std::string(spec.name);
        SCOPED_TRACE(name);
        const bool perExpert = spec.kind != DatasetKind::Scalar;  // per expert or per domain
        const hsize_t width = spec.kind == DatasetKind::PerDomain ? 1 : nExperts;
        const Handle dataset(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
        ASSERT_TRUE(dataset.valid());

        const Handle space(H5Dget_space(dataset.get()), H5Sclose);
        std::array<hsize_t, 2> dims = {0, 0};
        std::array<hsize_t, 2> maxDims = {0, 0};
        ASSERT_EQ(H5Sget_simple_extent_dims(space.get(), dims.data(), maxDims.data()),
                  perExpert ? 2 : 1);
        EXPECT_EQ(dims[0], 70u);
        EXPECT_EQ(maxDims[0], H5S_UNLIMITED);
        if (perExpert) {
            EXPECT_EQ(dims[1], width);
            EXPECT_EQ(maxDims[1], width);
        }

        const Handle type(H5Dget_type(dataset.get()), H5Tclose);
        const bool isInt64 = spec.name == "step" || spec.name == "capacity";
        EXPECT_GT(H5Tequal(type.get(), isInt64 ? H5T_STD_I64LE : H5T_IEEE_F64LE), 0);

        const Handle creation(H5Dget_create_plist(dataset.get()), H5Pclose);
        ASSERT_EQ(H5Pget_layout(creation.get()), H5D_CHUNKED);
        std::array<hsize_t, 2> chunk = {0, 0};
        ASSERT_EQ(H5Pget_chunk(creation.get(), 2, chunk.data()), perExpert ? 2 : 1);
        if (perExpert) {
            EXPECT_EQ(chunk[0], 256u);
            EXPECT_EQ(chunk[1], width);
        } else {
            EXPECT_EQ(chunk[0], 1024u);
        }

        ASSERT_EQ(H5Pget_nfilters(creation.get()), 2);
        std::array<unsigned, 4> values{};
        size_t nValues = values.size();
        unsigned flags = 0;
        unsigned config = 0;
        EXPECT_EQ(
            H5Pget_filter2(creation.get(), 0, &flags, &nValues, values.data(), 0, nullptr, &config),
            H5Z_FILTER_SHUFFLE);
        nValues = values.size();
        EXPECT_EQ(
            H5Pget_filter2(creation.get(), 1, &flags, &nValues, values.data(), 0, nullptr, &config),
            H5Z_FILTER_DEFLATE);
        ASSERT_GE(nValues, 1u);
        EXPECT_EQ(values[0], 4u);  // the gzip level

        const Handle plainDataset(H5Dopen2(plainFile.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
        const Handle plainCreation(H5Dget_create_plist(plainDataset.get()), H5Pclose);
        EXPECT_EQ(H5Pget_nfilters(plainCreation.get()), 0);
    }
}

TEST_F(TraceWriterTest, EveryDatasetHasUnitsAndLongName) {
    const std::string trace = writeTrace("attributes.h5", 3);
    const Handle file(H5Fopen(trace.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    for (const DatasetSpec& spec : kTraceDatasets) {
        const std::string name = "layer_0/" + std::string(spec.name);
        SCOPED_TRACE(name);
        const Handle dataset(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
        ASSERT_TRUE(dataset.valid());
        EXPECT_EQ(readStringAttribute(dataset.get(), "units"), spec.units);
        EXPECT_EQ(readStringAttribute(dataset.get(), "long_name"), spec.longName);
        EXPECT_FALSE(spec.units.empty());
        EXPECT_FALSE(spec.longName.empty());
    }
}

TEST_F(TraceWriterTest, StepIsAttachedAsDimensionScale) {
    const std::string trace = writeTrace("scales.h5", 3, 3, 2);
    const Handle file(H5Fopen(trace.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    for (const std::string layer : {"layer_0", "layer_1"}) {
        const Handle step(H5Dopen2(file.get(), (layer + "/step").c_str(), H5P_DEFAULT), H5Dclose);
        ASSERT_TRUE(step.valid());
        EXPECT_GT(H5DSis_scale(step.get()), 0);
        for (const DatasetSpec& spec : kTraceDatasets) {
            if (spec.name == kStepDataset) continue;
            const std::string name = layer + "/" + std::string(spec.name);
            SCOPED_TRACE(name);
            const Handle dataset(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
            EXPECT_GT(H5DSis_attached(dataset.get(), step.get(), 0), 0);
            EXPECT_EQ(H5DSget_num_scales(dataset.get(), 0), 1);
        }
    }
}

TEST_F(TraceWriterTest, RootAndLayerAttributesFollowNeXus) {
    const std::string trace = writeTrace("nexus.h5", 3);
    const Handle file(H5Fopen(trace.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    EXPECT_EQ(readStringAttribute(file.get(), "default"), "layer_0");
    const Handle group(H5Gopen2(file.get(), "layer_0", H5P_DEFAULT), H5Gclose);
    EXPECT_EQ(readStringAttribute(group.get(), "NX_class"), "NXdata");
    EXPECT_EQ(readStringAttribute(group.get(), "signal"), "load_cv");
    EXPECT_GT(H5Aexists(group.get(), "axes"), 0);
    EXPECT_GT(H5Aexists(group.get(), "auxiliary_signals"), 0);
}

TEST_F(TraceWriterTest, UnclosedWriterLeavesFileWithEveryFlushedRow) {
    const int nExperts = 4;
    const std::string file = path("open.h5");
    const std::string copy = path("copy.h5");
    TraceWriter writer(file, makeMetadata(nExperts, 1), countOnly(1000));
    for (int64_t row = 0; row < 100; ++row) writer.append(0, makeStats(row, 0, nExperts));
    writer.flush();
    for (int64_t row = 100; row < 130; ++row) writer.append(0, makeStats(row, 0, nExperts));
    // The bytes on disk now are what a killed run leaves behind.
    fs::copy_file(file, copy);

    const auto data = readTrace(copy);
    ASSERT_TRUE(data) << data.error();
    expectRows(*data, 100, 0, nExperts);
    writer.close();
}

TEST_F(TraceWriterTest, KilledProcessLeavesFileWithEveryFlushedRow) {
    const int nExperts = 3;
    const std::string file = path("killed.h5");
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        TraceWriter writer(file, makeMetadata(nExperts, 1), countOnly(50));
        for (int64_t row = 0; row < 120; ++row) writer.append(0, makeStats(row, 0, nExperts));
        std::raise(SIGKILL);  // 100 rows flushed, 20 buffered; no destructor, no close
        _exit(3);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status));

    const auto data = readTrace(file);
    ASSERT_TRUE(data) << data.error();
    expectRows(*data, 100, 0, nExperts);
}

/// Row count of layer_0/step as `dataset` sees it after a refresh.
hsize_t refreshedRows(hid_t dataset) {
    EXPECT_GE(H5Drefresh(dataset), 0);
    const Handle space(H5Dget_space(dataset), H5Sclose);
    hsize_t rows = 0;
    EXPECT_EQ(H5Sget_simple_extent_dims(space.get(), &rows, nullptr), 1);
    return rows;
}

TEST_F(TraceWriterTest, SwmrReaderSeesRowsAppearWhileTheWriterRuns) {
    // SWMR needs the writer and the reader in separate opens of the file: a forked writer,
    // driven step by step through pipes, and this process as the reader.
    const int nExperts = 3;
    const std::string file = path("live.h5");
    std::array<int, 2> toChild{};
    std::array<int, 2> toParent{};
    ASSERT_EQ(pipe(toChild.data()), 0);
    ASSERT_EQ(pipe(toParent.data()), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        char go = 0;
        TraceWriter writer(file, makeMetadata(nExperts, 1), countOnly(1000));
        for (int64_t block = 0; block < 3; ++block) {
            for (int64_t row = 10 * block; row < 10 * block + 10; ++row)
                writer.append(0, makeStats(row, 0, nExperts));
            writer.flush();
            if (write(toParent[1], "f", 1) != 1 || read(toChild[0], &go, 1) != 1) _exit(2);
        }
        writer.close();
        _exit(write(toParent[1], "c", 1) == 1 ? 0 : 2);
    }
    char note = 0;
    ASSERT_EQ(read(toParent[0], &note, 1), 1);
    {
        const Handle reader(H5Fopen(file.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT),
                            H5Fclose);
        ASSERT_TRUE(reader.valid());
        const Handle step(H5Dopen2(reader.get(), "layer_0/step", H5P_DEFAULT), H5Dclose);
        ASSERT_TRUE(step.valid());
        for (hsize_t block = 1; block <= 3; ++block) {
            EXPECT_EQ(refreshedRows(step.get()), 10 * block);
            // The library's reader opens the file anew each time, in SWMR mode too.
            const auto data = readTrace(file);
            ASSERT_TRUE(data) << data.error();
            expectRows(*data, static_cast<int64_t>(10 * block), 0, nExperts);
            ASSERT_EQ(write(toChild[1], "g", 1), 1);
            ASSERT_EQ(read(toParent[0], &note, 1), 1);
        }
        EXPECT_EQ(note, 'c');
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    // Closed by its writer, the file opens without SWMR too.
    const Handle plain(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    EXPECT_TRUE(plain.valid());
}

TraceMetadata snapshotMetadata(int nExperts, int nLayers, int tokens, int columns) {
    TraceMetadata meta = makeMetadata(nExperts, nLayers);
    meta.snapshotTokens = tokens;
    meta.snapshotColumns = columns;
    return meta;
}

/// A snapshot whose every value encodes (snapshot, layer, token, column).
TraceSnapshot makeSnapshot(int64_t index, int layer, int nTokens, int columns, bool labels) {
    TraceSnapshot snapshot;
    snapshot.step = 100 * index;
    snapshot.nTokens = nTokens;
    for (int t = 0; t < nTokens; ++t) {
        if (labels) {
            snapshot.domain.push_back(static_cast<int32_t>(10 * index + t));
            snapshot.tokenId.push_back(static_cast<int32_t>(1000 + 10 * layer + t));
        }
        for (int c = 0; c < columns; ++c) {
            snapshot.choice.push_back(static_cast<int32_t>((t + c + layer) % 4));
            snapshot.weight.push_back(static_cast<float>(index) + static_cast<float>(t) / 8.0f +
                                      static_cast<float>(c) / 64.0f);
            snapshot.kept.push_back(static_cast<uint8_t>((t + c) % 2));
        }
    }
    return snapshot;
}

/// Reads a whole snapshot dataset as `memoryType` into T values.
template <typename T>
std::vector<T> readAll(hid_t file, const std::string& name, hid_t memoryType) {
    const Handle dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
    EXPECT_TRUE(dataset.valid()) << name;
    const Handle space(H5Dget_space(dataset.get()), H5Sclose);
    std::vector<T> values(static_cast<size_t>(H5Sget_simple_extent_npoints(space.get())));
    EXPECT_GE(H5Dread(dataset.get(), memoryType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
    return values;
}

TEST_F(TraceWriterTest, SnapshotsRoundTripWithAbsentTokensPadded) {
    const int tokens = 5;
    const int columns = 2;
    const int nLayers = 2;
    const std::string file = path("snapshots.h5");
    {
        TraceWriter writer(file, snapshotMetadata(3, nLayers, tokens, columns), countOnly(2));
        for (int64_t i = 0; i < 3; ++i) {
            for (int layer = 0; layer < nLayers; ++layer) {
                // Snapshot 1 has fewer tokens and no labels: the rest is stored as absent.
                writer.appendSnapshot(layer, makeSnapshot(i, layer, i == 1 ? 3 : tokens, columns,
                                                          i != 1));
                writer.append(layer, makeStats(i, layer, 3));
            }
        }
        writer.close();
    }
    const auto header = readTraceHeader(file, 1);
    ASSERT_TRUE(header) << header.error();
    EXPECT_EQ(header->snapshots, 3);

    const Handle h5(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    ASSERT_TRUE(h5.valid());
    for (int layer = 0; layer < nLayers; ++layer) {
        SCOPED_TRACE("layer " + std::to_string(layer));
        const std::string group = "layer_" + std::to_string(layer) + "/snapshots/";
        const auto steps = readAll<int64_t>(h5.get(), group + "snapshot_step", H5T_NATIVE_INT64);
        EXPECT_EQ(steps, (std::vector<int64_t>{0, 100, 200}));
        const auto domain = readAll<int32_t>(h5.get(), group + "domain", H5T_NATIVE_INT32);
        const auto tokenId = readAll<int32_t>(h5.get(), group + "token_id", H5T_NATIVE_INT32);
        const auto choice = readAll<int32_t>(h5.get(), group + "choice", H5T_NATIVE_INT32);
        const auto weight = readAll<float>(h5.get(), group + "weight", H5T_NATIVE_FLOAT);
        const auto kept = readAll<uint8_t>(h5.get(), group + "kept", H5T_NATIVE_UINT8);
        ASSERT_EQ(domain.size(), size_t{3 * tokens});
        ASSERT_EQ(choice.size(), size_t{3 * tokens * columns});
        for (int64_t i = 0; i < 3; ++i) {
            const int present = i == 1 ? 3 : tokens;
            const TraceSnapshot expected = makeSnapshot(i, layer, present, columns, i != 1);
            for (int t = 0; t < tokens; ++t) {
                const auto at = static_cast<size_t>(i * tokens + t);
                const bool labelled = i != 1;
                EXPECT_EQ(domain[at], labelled ? expected.domain[static_cast<size_t>(t)] : -1);
                EXPECT_EQ(tokenId[at], labelled ? expected.tokenId[static_cast<size_t>(t)] : -1);
                for (int c = 0; c < columns; ++c) {
                    const auto cell = at * columns + static_cast<size_t>(c);
                    const auto source = static_cast<size_t>(t * columns + c);
                    const bool absent = t >= present;
                    EXPECT_EQ(choice[cell], absent ? -1 : expected.choice[source]);
                    EXPECT_EQ(weight[cell], absent ? 0.0f : expected.weight[source]);
                    EXPECT_EQ(kept[cell], absent ? 0 : expected.kept[source]);
                }
            }
        }
        // Dimension scale, units and labels, as for the per-step datasets.
        const Handle scale(H5Dopen2(h5.get(), (group + "snapshot_step").c_str(), H5P_DEFAULT),
                           H5Dclose);
        EXPECT_GT(H5DSis_scale(scale.get()), 0);
        for (const SnapshotDatasetSpec& spec : kSnapshotDatasets) {
            const Handle dataset(
                H5Dopen2(h5.get(), (group + std::string(spec.name)).c_str(), H5P_DEFAULT),
                H5Dclose);
            EXPECT_EQ(readStringAttribute(dataset.get(), "units"), spec.units);
            EXPECT_EQ(readStringAttribute(dataset.get(), "long_name"), spec.longName);
            if (spec.name != kSnapshotStepDataset) {
                EXPECT_GT(H5DSis_attached(dataset.get(), scale.get(), 0), 0) << spec.name;
            }
        }
    }
}

TEST_F(TraceWriterTest, VocabularyAndDomainNamesRoundTrip) {
    const std::string file = path("text.h5");
    TraceMetadata meta = makeMetadata(3, 1);
    meta.vocabulary = {"the", ",", "caf\xc3\xa9", "", "<unk>"};
    meta.domainNames = {"art", "computers"};
    {
        TraceWriter writer(file, meta, countOnly(4));
        writer.append(0, makeStats(0, 0, 3));
        writer.close();
    }
    const auto text = readTraceText(file);
    ASSERT_TRUE(text) << text.error();
    EXPECT_EQ(text->vocabulary, meta.vocabulary);
    EXPECT_EQ(text->domainNames, meta.domainNames);

    const std::string plain = path("plain.h5");
    { TraceWriter writer(plain, makeMetadata(3, 1), countOnly(4)); }
    const auto none = readTraceText(plain);
    ASSERT_TRUE(none) << none.error();
    EXPECT_TRUE(none->vocabulary.empty());
    EXPECT_TRUE(none->domainNames.empty());
}

TEST_F(TraceWriterTest, TraceWithoutSnapshotsHasNoSnapshotGroup) {
    const std::string file = writeTrace("plain.h5", 4);
    const auto header = readTraceHeader(file);
    ASSERT_TRUE(header) << header.error();
    EXPECT_EQ(header->snapshots, 0);
    const Handle h5(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    EXPECT_EQ(H5Lexists(h5.get(), "layer_0/snapshots", H5P_DEFAULT), 0);
}

TEST_F(TraceWriterTest, UnwritablePathThrowsTraceErrorNamingThePath) {
    // A path below a regular file cannot be created, even by root.
    const std::string blocker = path("not_a_directory");
    std::ofstream(blocker) << "x";
    const std::string file = blocker + "/trace.h5";
    ::testing::internal::CaptureStderr();
    try {
        TraceWriter writer(file, makeMetadata(2, 1));
        ADD_FAILURE() << "no TraceError";
    } catch (const TraceError& error) {
        EXPECT_EQ(error.path(), file);
        EXPECT_NE(std::string(error.what()).find(file), std::string::npos) << error.what();
    }
    // HDF5's own error printing is off: the exception is the only report.
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

struct ChildResult {
    int status = 0;       ///< as from waitpid
    std::string message;  ///< what the child's body returned
};

/// Runs `body` in a forked child (so process-wide changes such as rlimits and mounts stay
/// there) and returns its exit status and message. The child leaves through std::exit, so
/// HDF5's atexit clean-up runs in it: a writer that left a dangling HDF5 file identifier
/// behind makes that clean-up, and so the child, crash.
ChildResult runInChild(const std::function<std::string()>& body) {
    std::array<int, 2> pipeEnds{};
    if (pipe(pipeEnds.data()) != 0) return {-1, "pipe failed"};
    const pid_t child = fork();
    if (child < 0) return {-1, "fork failed"};
    if (child == 0) {
        close(pipeEnds[0]);
        const std::string message = body();
        const ssize_t written = write(pipeEnds[1], message.data(), message.size());
        std::exit(written == static_cast<ssize_t>(message.size()) ? 0 : 1);
    }
    close(pipeEnds[1]);
    ChildResult result;
    std::array<char, 4096> buffer{};
    for (ssize_t n; (n = read(pipeEnds[0], buffer.data(), buffer.size())) > 0;)
        result.message.append(buffer.data(), static_cast<size_t>(n));
    close(pipeEnds[0]);
    waitpid(child, &result.status, 0);
    return result;
}

bool exitedCleanly(int status) {
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST_F(TraceWriterTest, WriteFailureNamesTheDatasetAndAFlushRetriesIt) {
    // A file size limit stands in for a full disk: writes beyond it fail (EFBIG) until the
    // limit is raised again, as a disk recovers when space is freed.
    const std::string file = path("full.h5");
    const ChildResult result = runInChild([&]() -> std::string {
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit{};
        getrlimit(RLIMIT_FSIZE, &limit);
        const rlim_t unlimited = limit.rlim_cur;
        limit.rlim_cur = 256 * 1024;
        setrlimit(RLIMIT_FSIZE, &limit);
        std::string message;
        int64_t appended = 0;
        try {
            TraceWriter writer(file, makeMetadata(64, 1), countOnly(10, 0));
            try {
                for (; appended < 100000;) writer.append(0, makeStats(appended++, 0, 64));
                return "no TraceError";
            } catch (const TraceError& error) {
                message = std::string(error.what()) + "\ndataset=" + error.dataset();
            }
            limit.rlim_cur = unlimited;
            setrlimit(RLIMIT_FSIZE, &limit);
            writer.flush();
            writer.close();
        } catch (const TraceError& error) {
            return message + "\nunexpected: " + error.what();
        }
        const auto data = readTrace(file);
        if (!data) return message + "\nread: " + data.error();
        return message + "\nrows " + std::to_string(data->rows) + " of " + std::to_string(appended);
    });
    ASSERT_TRUE(exitedCleanly(result.status)) << "child status " << result.status;
    const std::string& message = result.message;
    EXPECT_NE(message.find("trace " + file + ", dataset layer_0/"), std::string::npos) << message;
    EXPECT_NE(message.find("\ndataset=layer_0/"), std::string::npos) << message;
    const std::regex rows(R"(\nrows (\d+) of (\d+)$)");
    std::smatch match;
    ASSERT_TRUE(std::regex_search(message, match, rows)) << message;
    EXPECT_EQ(match[1], match[2]) << "the retried flush lost rows: " << message;
}

TEST_F(TraceWriterTest, FullDiskNeverLeavesACrashAtExit) {
    // Real ENOSPC from a small tmpfs, mounted in a private mount namespace of the child (needs
    // CAP_SYS_ADMIN; skipped without it). The sizes make the disk fill at many different points
    // of the file: HDF5 1.10 crashes at exit after some of them unless the writer abandons the
    // file properly (see TraceWriter::Impl::abandon). A failure in the file's own metadata,
    // reported without a dataset name, is the one case HDF5 1.10 cannot recover from.
    const fs::path mountPoint = m_dir / "small_disk";
    fs::create_directories(mountPoint);
    const std::string file = (mountPoint / "trace.h5").string();
    int checked = 0;
    for (int kib = 64; kib <= 700; kib += 12) {
        const ChildResult result = runInChild([&]() -> std::string {
            const std::string options = "size=" + std::to_string(kib) + "k";
            if (unshare(CLONE_NEWNS) != 0 ||
                mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
                mount("tmpfs", mountPoint.c_str(), "tmpfs", 0, options.c_str()) != 0) {
                return "no mount";
            }
            try {
                TraceWriter writer(file, makeMetadata(64, 1), countOnly(10, 0));
                std::string message = "no TraceError";
                try {
                    for (int64_t row = 0; row < 100000; ++row)
                        writer.append(0, makeStats(row, 0, 64));
                } catch (const TraceError& error) {
                    message = error.what();
                }
                try {
                    writer.close();  // fails again, and must still release the file
                } catch (const TraceError&) {
                }
                return message;
            } catch (const TraceError& error) {
                return error.what();  // the disk filled while the file was being set up
            }
        });
        if (result.message == "no mount") GTEST_SKIP() << "cannot mount a tmpfs here";
        SCOPED_TRACE(std::to_string(kib) + " KiB: " + result.message);
        EXPECT_EQ(result.message.rfind("trace " + file, 0), 0u);
        const bool datasetLevel = result.message.find(", dataset ") != std::string::npos;
        if (datasetLevel) {
            EXPECT_TRUE(exitedCleanly(result.status)) << "child status " << result.status;
            ++checked;
        }
    }
    EXPECT_GT(checked, 40);
}

TEST_F(TraceReaderTest, RefusesANewerSchemaMajor) {
    const std::string file = writeTrace("v2.h5", 5);
    setRootStringAttribute(file, "schema_version", "2.0");
    const auto data = readTrace(file);
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error(), file + " has schema 2.0; this moelab reads up to 1.x");
    const auto header = readTraceHeader(file);
    ASSERT_FALSE(header);
    EXPECT_EQ(header.error(), data.error());
}

TEST_F(TraceReaderTest, AcceptsANewerMinorAndRejectsAGarbledVersion) {
    const std::string file = writeTrace("v1_7.h5", 5);
    setRootStringAttribute(file, "schema_version", "1.7");
    const auto data = readTrace(file);
    ASSERT_TRUE(data) << data.error();
    EXPECT_EQ(data->schemaVersion, "1.7");

    setRootStringAttribute(file, "schema_version", "one");
    const auto garbled = readTrace(file);
    ASSERT_FALSE(garbled);
    EXPECT_NE(garbled.error().find("malformed schema_version 'one'"), std::string::npos)
        << garbled.error();
}

TEST_F(TraceReaderTest, NonHdf5AndMissingFilesAreErrors) {
    const std::string text = path("notes.txt");
    std::ofstream(text) << "this is not HDF5\n";
    const auto notHdf5 = readTrace(text);
    ASSERT_FALSE(notHdf5);
    EXPECT_EQ(notHdf5.error(), text + ": not an HDF5 file");

    const std::string missing = path("missing.h5");
    const auto absent = readTrace(missing);
    ASSERT_FALSE(absent);
    EXPECT_EQ(absent.error(), missing + ": no such file");
    EXPECT_FALSE(readTraceHeader(missing));

    const auto directory = readTrace(m_dir.string());
    ASSERT_FALSE(directory);
    EXPECT_NE(directory.error().find("is a directory"), std::string::npos);
}

TEST_F(TraceReaderTest, NamesEveryMissingDataset) {
    const std::string file = writeTrace("incomplete.h5", 5);
    {
        const Handle h5(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
        ASSERT_GE(H5Ldelete(h5.get(), "layer_0/load_cv", H5P_DEFAULT), 0);
        ASSERT_GE(H5Ldelete(h5.get(), "layer_0/demand", H5P_DEFAULT), 0);
    }
    const auto data = readTrace(file);
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error(),
              file + ": not a complete moelab trace; missing layer_0/load_cv, layer_0/demand");
    // The header alone does not need them.
    EXPECT_TRUE(readTraceHeader(file));
}

TEST_F(TraceReaderTest, ReadsASchema11TraceWithoutTheLifelongDatasets) {
    const std::string file = writeTrace("v1_1.h5", 5);
    {
        const Handle h5(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
        ASSERT_GE(H5Ldelete(h5.get(), "layer_0/expert_state", H5P_DEFAULT), 0);
        ASSERT_GE(H5Ldelete(h5.get(), "layer_0/probe_loss", H5P_DEFAULT), 0);
        ASSERT_GE(H5Ldelete(h5.get(), "layer_0/vocab_specialization", H5P_DEFAULT), 0);
        ASSERT_GE(H5Adelete(h5.get(), "events"), 0);
    }
    setRootStringAttribute(file, "schema_version", "1.1");
    const auto data = readTrace(file);
    ASSERT_TRUE(data) << data.error();
    EXPECT_EQ(data->rows, 5);
    EXPECT_FALSE(data->perExpert.contains("expert_state"));
    EXPECT_TRUE(data->perDomain.empty());
    EXPECT_FALSE(data->scalars.contains("vocab_specialization"));
    EXPECT_EQ(data->events, "");
    // A 1.2 trace must have them.
    setRootStringAttribute(file, "schema_version", "1.2");
    const auto newer = readTrace(file);
    ASSERT_FALSE(newer);
    EXPECT_NE(newer.error().find("missing layer_0/vocab_specialization, layer_0/expert_state, layer_0/probe_loss"),
              std::string::npos)
        << newer.error();
}

TEST_F(TraceReaderTest, NamesMissingRootAttributes) {
    const std::string file = writeTrace("no_seed.h5", 5);
    {
        const Handle h5(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
        ASSERT_GE(H5Adelete(h5.get(), "seed"), 0);
        ASSERT_GE(H5Adelete(h5.get(), "n_layers"), 0);
    }
    const auto header = readTraceHeader(file);
    ASSERT_FALSE(header);
    EXPECT_EQ(header.error(), file + ": not a complete moelab trace; missing @seed, @n_layers");
}

TEST_F(TraceReaderTest, RejectsAPerExpertDatasetOfTheWrongWidth) {
    const std::string file = writeTrace("wide.h5", 5);
    {
        const Handle h5(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
        ASSERT_GE(H5Ldelete(h5.get(), "layer_0/load", H5P_DEFAULT), 0);
        const std::array<hsize_t, 2> dims = {5, 4};
        const Handle space(H5Screate_simple(2, dims.data(), nullptr), H5Sclose);
        const Handle dataset(H5Dcreate2(h5.get(), "layer_0/load", H5T_IEEE_F64LE, space.get(),
                                        H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                             H5Dclose);
        ASSERT_TRUE(dataset.valid());
    }
    const auto data = readTrace(file);
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error(), file + ": dataset layer_0/load has 4 columns, but n_experts is 3");
}

TEST_F(TraceReaderTest, TruncatedFileIsAnErrorNotACrash) {
    const std::string file = writeTrace("whole.h5", 300);
    const std::string cut = path("cut.h5");
    fs::copy_file(file, cut);
    fs::resize_file(cut, fs::file_size(cut) / 2);
    const auto data = readTrace(cut);
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error().rfind(cut + ": ", 0), 0u) << data.error();
}

TEST_F(TraceReaderTest, RefusesALayerThatDoesNotExist) {
    const std::string file = writeTrace("two_layers.h5", 5, 3, 2);
    EXPECT_TRUE(readTrace(file, 1));
    const auto data = readTrace(file, 2);
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error(), file + ": no layer 2 (the trace has 2)");
    EXPECT_FALSE(readTrace(file, -1));
}

TEST(TraceSchema, ParsesMajorMinorVersions) {
    static_assert(kSchemaMajor == 1);
    const auto version = parseSchemaVersion("12.345");
    ASSERT_TRUE(version);
    EXPECT_EQ(version->versionMajor, 12);
    EXPECT_EQ(version->versionMinor, 345);
    for (const char* bad : {"", "1", "1.", ".1", "1.0.0", "a.b", "-1.0", " 1.0", "1234567.0"})
        EXPECT_FALSE(parseSchemaVersion(bad)) << bad;
}

}  // namespace
}  // namespace moe::io
