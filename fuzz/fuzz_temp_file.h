// SPDX-License-Identifier: MIT
#pragma once
// Shared by the file-reading fuzz targets: the readers take a path, so each input is written to
// one temporary file per process (libFuzzer's -jobs/-fork run several processes at once).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace moe::fuzz {

/// Turns off HDF5 file locking (a crashed earlier run must not leave the temp file locked) and
/// returns this process's temp path.
inline const std::string& tempPath(const char* tag) {
    static const std::string path = [tag] {
        setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1);
        const char* dir = std::getenv("TMPDIR");
        return std::string(dir && *dir ? dir : "/tmp") + "/moelab-" + tag + "-" +
               std::to_string(getpid()) + ".h5";
    }();
    return path;
}

/// Writes the input bytes to `path`; false when the file cannot be written.
inline bool writeFile(const std::string& path, const uint8_t* data, size_t size) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    const bool ok = size == 0 || std::fwrite(data, 1, size, f) == size;
    return std::fclose(f) == 0 && ok;
}

}  // namespace moe::fuzz
