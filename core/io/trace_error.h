// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace moe::io {

/// An I/O failure while writing a trace during a run (cannot create the file, disk full, ...).
/// The run reports it and exits with the runtime-failure code, so the message must say where it
/// happened: what() reads "trace <path>, dataset <dataset>: <detail>", or "trace <path>: <detail>"
/// when the failure is not tied to one dataset (creating or flushing the file).
class TraceError : public std::runtime_error {
public:
    TraceError(std::string path, std::string dataset, const std::string& detail)
        : std::runtime_error(format(path, dataset, detail)),
          m_path(std::move(path)),
          m_dataset(std::move(dataset)) {}

    /// The trace file, as given to the writer.
    const std::string& path() const { return m_path; }
    /// The dataset inside the file ("layer_0/load_cv"), or empty for file-level failures.
    const std::string& dataset() const { return m_dataset; }

private:
    static std::string format(const std::string& path, const std::string& dataset,
                              const std::string& detail) {
        std::string text = "trace " + path;
        if (!dataset.empty()) text += ", dataset " + dataset;
        return text + ": " + detail;
    }

    std::string m_path;
    std::string m_dataset;
};

}  // namespace moe::io
