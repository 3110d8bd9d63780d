// SPDX-License-Identifier: MIT
#include "core/import/byte_source.h"

#include "core/import/import_error.h"

#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace moe::import {
namespace {

class FileSource final : public ByteSource {
public:
    explicit FileSource(const std::string& path) : m_name(path), m_in(path, std::ios::binary) {
        if (!m_in)
            throw BadInput(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    }
    bool read(void* out, std::size_t size) override {
        m_in.read(static_cast<char*>(out), static_cast<std::streamsize>(size));
        return m_in.good() || (m_in.eof() && static_cast<std::size_t>(m_in.gcount()) == size);
    }
    const std::string& displayName() const override { return m_name; }

private:
    std::string m_name;
    std::ifstream m_in;
};

}  // namespace

std::unique_ptr<ByteSource> openFileSource(const std::string& path) {
    return std::make_unique<FileSource>(path);
}

}  // namespace moe::import
