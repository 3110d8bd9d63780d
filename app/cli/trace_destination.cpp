// SPDX-License-Identifier: MIT
#include "app/cli/trace_destination.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

namespace moe::app {

namespace fs = std::filesystem;

std::string partialTracePath(const std::string& tracePath) {
    return tracePath + ".partial";
}

tl::expected<void, std::string> checkTraceDestination(const std::string& tracePath) {
    const fs::path parent = fs::path(tracePath).parent_path();
    const fs::path folder = parent.empty() ? fs::path(".") : parent;
    std::error_code ec;
    const fs::file_status status = fs::status(folder, ec);
    if (!fs::exists(status))
        return tl::unexpected(
            fmt::format("cannot write {}: the folder {} does not exist", tracePath, folder.string()));
    if (!fs::is_directory(status))
        return tl::unexpected(
            fmt::format("cannot write {}: {} is not a folder", tracePath, folder.string()));
    const std::string pattern = (folder / ".moelab-write-test-XXXXXX").string();
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    const int fd = mkstemp(name.data());
    if (fd < 0)
        return tl::unexpected(fmt::format("cannot write {}: cannot create a file in {}: {}",
                                          tracePath, folder.string(), std::strerror(errno)));
    ::close(fd);
    ::unlink(name.data());
    return {};
}

tl::expected<void, std::string> publishTrace(const std::string& partialPath,
                                             const std::string& tracePath, bool replace) {
    // RENAME_NOREPLACE makes "does the final name exist?" and the move one step, so a trace
    // written there by someone else during the run is never replaced.
    const unsigned flags = replace ? 0 : RENAME_NOREPLACE;
    int status = renameat2(AT_FDCWD, partialPath.c_str(), AT_FDCWD, tracePath.c_str(), flags);
    if (status != 0 && errno == EINVAL && !replace) {
        // A file system without RENAME_NOREPLACE: link() refuses an existing name just as well.
        status = ::link(partialPath.c_str(), tracePath.c_str());
        if (status == 0) ::unlink(partialPath.c_str());
    }
    if (status == 0) return {};
    const int error = errno;
    if (error == EEXIST)
        return tl::unexpected(fmt::format("{} appeared during the run; the new trace stays in {}",
                                          tracePath, partialPath));
    return tl::unexpected(fmt::format("cannot rename {} to {}: {}; the trace stays in {}",
                                      partialPath, tracePath, std::strerror(error), partialPath));
}

}  // namespace moe::app
