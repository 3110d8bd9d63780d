// SPDX-License-Identifier: MIT
#include "app/cli/trace_destination.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace moe::app {
namespace {

namespace fs = std::filesystem;

/// A fresh folder under the system temp folder, removed at the end of the test.
class TraceDestination : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() /
                ("moelab-destination-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_dir);
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }

    std::string path(const std::string& name) const { return (m_dir / name).string(); }

    static void write(const std::string& file, const std::string& text) {
        std::ofstream(file, std::ios::binary) << text;
    }
    static std::string read(const std::string& file) {
        std::ifstream in(file, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    fs::path m_dir;
};

TEST_F(TraceDestination, PartialNameIsNextToTheTrace) {
    EXPECT_EQ(partialTracePath("runs/a.h5"), "runs/a.h5.partial");
    EXPECT_EQ(fs::path(partialTracePath(path("a.h5"))).parent_path(), m_dir);
}

TEST_F(TraceDestination, AcceptsAWritableFolderAndLeavesNothingBehind) {
    EXPECT_TRUE(checkTraceDestination(path("a.h5")));
    EXPECT_TRUE(fs::is_empty(m_dir));
    EXPECT_TRUE(checkTraceDestination("relative-name.h5"));  // the current folder
}

TEST_F(TraceDestination, RefusesAMissingFolderOrAFileInItsPlace) {
    const auto missing = checkTraceDestination(path("no_such_folder/a.h5"));
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find("no_such_folder/a.h5"), std::string::npos) << missing.error();
    EXPECT_NE(missing.error().find("does not exist"), std::string::npos) << missing.error();

    write(path("file"), "x");
    const auto file = checkTraceDestination(path("file/a.h5"));
    ASSERT_FALSE(file);
    EXPECT_NE(file.error().find("is not a folder"), std::string::npos) << file.error();
}

TEST_F(TraceDestination, PublishMovesThePartialTrace) {
    write(path("a.h5.partial"), "new");
    ASSERT_TRUE(publishTrace(path("a.h5.partial"), path("a.h5"), false));
    EXPECT_EQ(read(path("a.h5")), "new");
    EXPECT_FALSE(fs::exists(path("a.h5.partial")));
}

TEST_F(TraceDestination, PublishKeepsAnExistingTraceUnlessReplacing) {
    write(path("a.h5"), "old");
    write(path("a.h5.partial"), "new");
    const auto refused = publishTrace(path("a.h5.partial"), path("a.h5"), false);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("a.h5.partial"), std::string::npos) << refused.error();
    EXPECT_EQ(read(path("a.h5")), "old");
    EXPECT_EQ(read(path("a.h5.partial")), "new");

    ASSERT_TRUE(publishTrace(path("a.h5.partial"), path("a.h5"), true));
    EXPECT_EQ(read(path("a.h5")), "new");
    EXPECT_FALSE(fs::exists(path("a.h5.partial")));
}

TEST_F(TraceDestination, PublishOfAMissingPartialTraceFails) {
    const auto missing = publishTrace(path("none.partial"), path("none"), true);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find("No such file"), std::string::npos) << missing.error();
}

}  // namespace
}  // namespace moe::app
