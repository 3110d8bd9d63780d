// SPDX-License-Identifier: MIT
// Reading one per-token snapshot back from a trace written by TraceWriter.
#include "core/io/snapshot_reader.h"
#include "core/io/trace_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace moe::io {
namespace {

namespace fs = std::filesystem;

class SnapshotReaderTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("moelab_snapshots_" + std::to_string(::getpid()));
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }
    std::string path(const std::string& name) const { return (m_dir / name).string(); }

private:
    fs::path m_dir;
};

StepStats stats(int64_t step, int experts) {
    StepStats s;
    s.step = step;
    s.demand.assign(static_cast<size_t>(experts), 1.0);
    s.load = s.demand;
    s.dropped.assign(static_cast<size_t>(experts), 0.0);
    s.importance = s.demand;
    s.meanScore = s.demand;
    return s;
}

/// Token t of snapshot i: domain i + t, first choice (t + i) % 4, second -1 on odd tokens.
TraceSnapshot snapshot(int64_t step, int i, int tokens, bool labels) {
    TraceSnapshot s;
    s.step = step;
    s.nTokens = tokens;
    for (int t = 0; t < tokens; ++t) {
        if (labels) {
            s.domain.push_back(i + t);
            s.tokenId.push_back(100 + t);
        }
        s.choice.push_back((t + i) % 4);
        s.choice.push_back(t % 2 == 1 ? -1 : (t + i + 1) % 4);
        s.weight.push_back(0.75f);
        s.weight.push_back(t % 2 == 1 ? 0.0f : 0.25f);
        s.kept.push_back(1);
        s.kept.push_back(t % 2 == 1 ? 0 : 1);
    }
    return s;
}

std::string writeTrace(const std::string& file, bool withSnapshots) {
    TraceMetadata meta;
    meta.moelabVersion = "test";
    meta.scenario = "[router]\nkind = token_choice\n";
    meta.routerKind = "token_choice";
    meta.nExperts = 4;
    meta.snapshotTokens = withSnapshots ? 6 : 0;
    meta.snapshotColumns = withSnapshots ? 2 : 0;
    TraceWriter writer(file, meta, {2, 1e9, 4});
    for (int64_t step = 0; step < 40; ++step) {
        if (withSnapshots && step % 10 == 0) {
            const int i = static_cast<int>(step / 10);
            // Snapshot 2 has fewer tokens than the file and no labels.
            writer.appendSnapshot(0, snapshot(step, i, i == 2 ? 4 : 6, i != 2));
        }
        writer.append(0, stats(step, 4));
    }
    writer.close();
    return file;
}

TEST_F(SnapshotReaderTest, StepsAndOneSnapshotRoundTrip) {
    const std::string file = writeTrace(path("snap.h5"), true);
    const auto steps = readSnapshotSteps(file);
    ASSERT_TRUE(steps) << steps.error();
    EXPECT_EQ(*steps, (std::vector<int64_t>{0, 10, 20, 30}));

    const auto third = readSnapshot(file, 0, 3);
    ASSERT_TRUE(third) << third.error();
    const TraceSnapshot expected = snapshot(30, 3, 6, true);
    EXPECT_EQ(third->step, 30);
    EXPECT_EQ(third->nTokens, 6);
    EXPECT_EQ(third->domain, expected.domain);
    EXPECT_EQ(third->tokenId, expected.tokenId);
    EXPECT_EQ(third->choice, expected.choice);
    EXPECT_EQ(third->weight, expected.weight);
    EXPECT_EQ(third->kept, expected.kept);

    // Fewer tokens than the file holds: the rest reads as absent; no labels reads as none.
    const auto short_ = readSnapshot(file, 0, 2);
    ASSERT_TRUE(short_) << short_.error();
    EXPECT_TRUE(short_->domain.empty());
    EXPECT_TRUE(short_->tokenId.empty());
    ASSERT_EQ(short_->choice.size(), 12u);
    const TraceSnapshot written = snapshot(20, 2, 4, false);
    for (size_t i = 0; i < 8; ++i) EXPECT_EQ(short_->choice[i], written.choice[i]) << i;
    for (size_t i = 8; i < 12; ++i) {
        EXPECT_EQ(short_->choice[i], -1) << i;
        EXPECT_EQ(short_->kept[i], 0) << i;
    }
}

TEST_F(SnapshotReaderTest, ErrorsNameTheFileAndTheProblem) {
    const std::string file = writeTrace(path("snap.h5"), true);
    const auto beyond = readSnapshot(file, 0, 4);
    ASSERT_FALSE(beyond);
    EXPECT_NE(beyond.error().find(file), std::string::npos) << beyond.error();
    EXPECT_NE(beyond.error().find("no snapshot 4 (the layer has 4)"), std::string::npos)
        << beyond.error();
    EXPECT_FALSE(readSnapshot(file, 0, -1));
    const auto noLayer = readSnapshotSteps(file, 3);
    ASSERT_FALSE(noLayer);
    EXPECT_NE(noLayer.error().find("layer_3"), std::string::npos) << noLayer.error();

    const std::string plain = writeTrace(path("plain.h5"), false);
    const auto none = readSnapshotSteps(plain);
    ASSERT_TRUE(none) << none.error();
    EXPECT_TRUE(none->empty());
    const auto missing = readSnapshot(plain, 0, 0);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find("has no snapshots"), std::string::npos) << missing.error();

    std::ofstream(path("text.h5")) << "not hdf5";
    const auto text = readSnapshotSteps(path("text.h5"));
    ASSERT_FALSE(text);
    EXPECT_NE(text.error().find("not an HDF5 file"), std::string::npos) << text.error();
    EXPECT_FALSE(readSnapshotSteps(path("absent.h5")));
}

TEST(NearestSnapshot, PicksTheClosestAndTheEarlierOnATie) {
    const std::vector<int64_t> steps = {0, 10, 20, 30};
    EXPECT_EQ(nearestSnapshot(steps, 0), 0);
    EXPECT_EQ(nearestSnapshot(steps, 14), 1);
    EXPECT_EQ(nearestSnapshot(steps, 15), 1);
    EXPECT_EQ(nearestSnapshot(steps, 16), 2);
    EXPECT_EQ(nearestSnapshot(steps, 1000), 3);
    EXPECT_EQ(nearestSnapshot(steps, -5), 0);
    EXPECT_EQ(nearestSnapshot({}, 5), -1);
}

}  // namespace
}  // namespace moe::io
