// SPDX-License-Identifier: MIT
#include "core/import/npz_archive.h"

#include "core/import/import_error.h"

#include <fmt/core.h>
#include <zip.h>

#include <stdexcept>

namespace moe::import {
namespace {

constexpr std::string_view kSuffix = ".npy";

class ZipMemberSource final : public ByteSource {
public:
    ZipMemberSource(std::shared_ptr<zip> archive, zip_file_t* file, std::string name)
        : m_archive(std::move(archive)), m_file(file), m_name(std::move(name)) {}
    ~ZipMemberSource() override { zip_fclose(m_file); }
    ZipMemberSource(const ZipMemberSource&) = delete;
    ZipMemberSource& operator=(const ZipMemberSource&) = delete;

    bool read(void* out, std::size_t size) override {
        auto* bytes = static_cast<char*>(out);
        while (size > 0) {
            const zip_int64_t got = zip_fread(m_file, bytes, size);
            if (got <= 0) return false;  // end of member, or a corrupt / truncated stream
            bytes += got;
            size -= static_cast<std::size_t>(got);
        }
        return true;
    }
    const std::string& displayName() const override { return m_name; }

private:
    std::shared_ptr<zip> m_archive;
    zip_file_t* m_file;
    std::string m_name;
};

}  // namespace

NpzArchive::NpzArchive(const std::string& path) : m_path(path) {
    int error = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &error);
    if (archive == nullptr) {
        zip_error_t details;
        zip_error_init_with_code(&details, error);
        const std::string text = zip_error_strerror(&details);
        zip_error_fini(&details);
        throw BadInput(fmt::format("{}: cannot open as a .npz (zip) archive: {}", path, text));
    }
    m_zip = std::shared_ptr<zip>(archive, [](zip_t* z) { zip_discard(z); });
    const zip_int64_t entries = zip_get_num_entries(archive, 0);
    for (zip_int64_t i = 0; i < entries; ++i) {
        const char* name = zip_get_name(archive, static_cast<zip_uint64_t>(i), 0);
        if (name == nullptr) continue;
        std::string member = name;
        if (member.size() > kSuffix.size() && member.ends_with(kSuffix))
            m_arrays.push_back(member.substr(0, member.size() - kSuffix.size()));
    }
}

std::unique_ptr<ByteSource> NpzArchive::open(const std::string& name) const {
    const std::string member = name + std::string(kSuffix);
    zip_file_t* file = zip_fopen(m_zip.get(), member.c_str(), 0);
    if (file == nullptr)
        throw BadInput(fmt::format("{}: no array '{}' in the archive: {}", m_path, name,
                                             zip_strerror(m_zip.get())));
    return std::make_unique<ZipMemberSource>(m_zip, file, fmt::format("{}:{}", m_path, member));
}

}  // namespace moe::import
