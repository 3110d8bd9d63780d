// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace moe::import {

/// Writes a dumped-stream file (docs/dumped-stream.md) row block by row block: float32 matrices
/// (/tokens, /logits, /router_weight) and int32 label vectors (/domain, /token_id) that grow
/// along their first axis. Everything goes to PATH.partial, renamed to PATH by commit(); a
/// writer destroyed before commit() deletes the partial file, so a failed import leaves nothing
/// half-written behind. Failures throw std::runtime_error naming the file and dataset.
class DumpedFileWriter {
public:
    /// Refuses an existing `path` unless `overwrite` (BadInput; the old file stays until
    /// commit()).
    DumpedFileWriter(const std::string& path, bool overwrite);
    ~DumpedFileWriter();
    DumpedFileWriter(const DumpedFileWriter&) = delete;
    DumpedFileWriter& operator=(const DumpedFileWriter&) = delete;

    /// Declares the float32 matrix `name` of `columns` columns (rows grow by appendRows).
    void addMatrix(const std::string& name, int64_t columns);
    /// Declares the int32 vector `name`.
    void addVector(const std::string& name);

    /// Appends `rows` rows (row-major, rows x columns floats) to matrix `name`.
    void appendRows(const std::string& name, const float* data, int64_t rows);
    /// Appends `count` labels to vector `name`.
    void appendValues(const std::string& name, const int32_t* data, int64_t count);

    void setAttribute(const std::string& name, const std::string& value);
    void setAttribute(const std::string& name, int64_t value);

    /// Rows of dataset `name` so far (0 after commit()).
    int64_t rows(const std::string& name) const;

    /// Closes the file and renames it into place.
    void commit();

    const std::string& path() const { return m_path; }

private:
    struct Dataset;
    Dataset& find(const std::string& name);
    void append(const std::string& name, const void* data, int64_t rows, bool isFloat);

    std::string m_path;
    std::string m_partialPath;
    int64_t m_file = -1;  // hid_t, kept opaque so this header stays free of hdf5.h
    std::map<std::string, std::unique_ptr<Dataset>> m_datasets;
    bool m_committed = false;
};

}  // namespace moe::import
