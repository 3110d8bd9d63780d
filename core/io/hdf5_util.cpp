// SPDX-License-Identifier: MIT
#include "core/io/hdf5_util.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <system_error>
#include <utility>

namespace moe::io::h5 {
namespace {

// The stored descriptor of one variable-length string (HDF5 file format, "Variable-length
// data" and "Global Heap"): length (4 bytes), global heap collection address (8), object index
// (4), little-endian. Files with other address or length sizes are refused.
constexpr size_t kDescriptorBytes = 16;
constexpr size_t kHeapObjectHeaderBytes = 16;  // index (2), references (2), reserved (4), size (8)
constexpr size_t kCollectionHeaderBytes = 16;  // "GCOL", version, reserved (3), size (8)
constexpr const char* kDescriptorTag = "moelab stored variable-length string descriptor";

uint64_t littleEndian(const unsigned char* bytes, int count) {
    uint64_t value = 0;
    for (int i = count - 1; i >= 0; --i) value = (value << 8) | bytes[i];
    return value;
}

/// A soft conversion from a variable-length string to the opaque type tagged kDescriptorTag of
/// the same stored size. H5Aread copies the attribute's stored bytes into the conversion buffer
/// and this conversion leaves them there, so the caller receives the descriptor itself and
/// HDF5 never follows it into the global heap.
herr_t keepStoredDescriptor(hid_t source, hid_t destination, H5T_cdata_t* cdata, size_t, size_t,
                            size_t, void*, void*, hid_t) {
    if (cdata->command != H5T_CONV_INIT) return 0;  // the bytes stay as stored; nothing to free
    if (H5Tis_variable_str(source) <= 0 || H5Tget_class(destination) != H5T_OPAQUE ||
        H5Tget_size(source) != H5Tget_size(destination)) {
        return -1;  // not ours: HDF5 tries its other conversions
    }
    char* tag = H5Tget_tag(destination);
    const bool ours = tag != nullptr && std::strcmp(tag, kDescriptorTag) == 0;
    H5free_memory(tag);
    if (!ours) return -1;
    cdata->need_bkg = H5T_BKG_NO;
    return 0;
}

Handle descriptorType() {
    static std::once_flag registered;
    std::call_once(registered, [] {
        const Handle source(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(source.get(), H5T_VARIABLE);
        const Handle opaque(H5Tcreate(H5T_OPAQUE, kDescriptorBytes), H5Tclose);
        H5Tset_tag(opaque.get(), kDescriptorTag);
        H5Tregister(H5T_PERS_SOFT, "moelab stored vlen string", source.get(), opaque.get(),
                    keepStoredDescriptor);
    });
    Handle opaque(H5Tcreate(H5T_OPAQUE, kDescriptorBytes), H5Tclose);
    if (opaque.valid()) H5Tset_tag(opaque.get(), kDescriptorTag);
    return opaque;
}

bool readAt(int fd, uint64_t offset, void* buffer, size_t bytes) {
    auto* out = static_cast<unsigned char*>(buffer);
    while (bytes > 0) {
        const ssize_t got = pread(fd, out, bytes, static_cast<off_t>(offset));
        if (got <= 0) return false;
        out += got;
        offset += static_cast<uint64_t>(got);
        bytes -= static_cast<size_t>(got);
    }
    return true;
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
    if (this != &other) {
        reset();
        m_id = std::exchange(other.m_id, H5I_INVALID_HID);
        m_close = std::exchange(other.m_close, nullptr);
    }
    return *this;
}

bool Handle::reset() {
    bool closed = true;
    if (m_id >= 0 && m_close != nullptr) closed = m_close(m_id) >= 0;
    m_id = H5I_INVALID_HID;
    m_close = nullptr;
    return closed;
}

ErrorPrintingOff::ErrorPrintingOff() {
    H5Eget_auto2(H5E_DEFAULT, &m_function, &m_data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

ErrorPrintingOff::~ErrorPrintingOff() {
    H5Eset_auto2(H5E_DEFAULT, m_function, m_data);
}

std::string errorText() {
    // Walking downward visits the API function first and the innermost cause last; the last
    // description is the one that says what went wrong (errno, file name, offsets).
    std::string innermost;
    const auto keepLast = [](unsigned, const H5E_error2_t* error, void* data) -> herr_t {
        if (error->desc != nullptr) *static_cast<std::string*>(data) = error->desc;
        return 0;
    };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, keepLast, &innermost);
    H5Eclear2(H5E_DEFAULT);
    std::replace(innermost.begin(), innermost.end(), '\n', ' ');
    return innermost.empty() ? std::string("unknown HDF5 error") : innermost;
}

tl::expected<Handle, std::string> openForReading(const std::string& path) {
    std::error_code error;
    if (!std::filesystem::exists(path, error)) return tl::make_unexpected(path + ": no such file");
    if (std::filesystem::is_directory(path, error))
        return tl::make_unexpected(path + ": is a directory");
    const htri_t isHdf5 = H5Fis_hdf5(path.c_str());
    if (isHdf5 < 0) return tl::make_unexpected(path + ": cannot read the file: " + errorText());
    if (isHdf5 == 0) return tl::make_unexpected(path + ": not an HDF5 file");
    // 20 metadata read attempts instead of 100: see Reader::openFile in trace_reader.cpp.
    const Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    if (access.valid()) H5Pset_metadata_read_attempts(access.get(), 20);
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ,
                        access.valid() ? access.get() : H5P_DEFAULT),
                H5Fclose);
    if (file.valid()) return file;
    const std::string swmrCause = errorText();
    file = Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (file.valid()) return file;
    return tl::make_unexpected(path + ": cannot open the file: " + swmrCause);
}

tl::expected<std::string, std::string> readVariableStringAttribute(hid_t attribute) {
    using Error = tl::unexpected<std::string>;
    const Handle file(H5Iget_file_id(attribute), H5Fclose);
    const Handle creation(file.valid() ? H5Fget_create_plist(file.get()) : H5I_INVALID_HID, H5Pclose);
    size_t addressBytes = 0, lengthBytes = 0;
    hsize_t userBlock = 0;
    if (!creation.valid() || H5Pget_sizes(creation.get(), &addressBytes, &lengthBytes) < 0 ||
        H5Pget_userblock(creation.get(), &userBlock) < 0) {
        return Error("unreadable file properties: " + errorText());
    }
    if (addressBytes != 8 || lengthBytes != 8)
        return Error(fmt::format("uses {}-byte addresses and {}-byte lengths; only 8 and 8 are "
                                 "read", addressBytes, lengthBytes));
    const Handle access(H5Fget_access_plist(file.get()), H5Pclose);
    void* handle = nullptr;
    if (!access.valid() || H5Pget_driver(access.get()) != H5FD_SEC2 ||
        H5Fget_vfd_handle(file.get(), H5P_DEFAULT, &handle) < 0 || handle == nullptr) {
        return Error("variable-length strings are read from plain (sec2) files only");
    }
    const int fd = *static_cast<int*>(handle);

    const Handle type = descriptorType();
    std::array<unsigned char, kDescriptorBytes> descriptor{};
    if (!type.valid() || H5Aread(attribute, type.get(), descriptor.data()) < 0)
        return Error("unreadable: " + errorText());
    const uint64_t length = littleEndian(descriptor.data(), 4);
    const uint64_t collection = littleEndian(descriptor.data() + 4, 8);
    const uint64_t index = littleEndian(descriptor.data() + 12, 4);
    if (length == 0) return std::string();

    struct stat status {};
    if (fstat(fd, &status) != 0) return Error("cannot stat the file");
    const auto fileBytes = static_cast<uint64_t>(status.st_size);
    const auto corrupt = [&](const std::string& what) {
        return Error(fmt::format("corrupt global heap collection at address {}: {}", collection,
                                 what));
    };
    // Every sum below is checked against fileBytes first, so none can wrap around.
    if (collection > fileBytes || userBlock > fileBytes - collection ||
        kCollectionHeaderBytes > fileBytes - collection - userBlock) {
        return corrupt("outside the file");
    }
    const uint64_t start = userBlock + collection;
    std::array<unsigned char, kCollectionHeaderBytes> header{};
    if (!readAt(fd, start, header.data(), header.size())) return corrupt("unreadable");
    if (std::memcmp(header.data(), "GCOL", 4) != 0 || header[4] != 1) return corrupt("no GCOL signature");
    const uint64_t size = littleEndian(header.data() + 8, 8);
    if (size < kCollectionHeaderBytes || size > fileBytes - start) return corrupt("bad size");
    const uint64_t end = start + size;
    // Each object advances the walk by at least its 16-byte header, so it ends.
    for (uint64_t at = start + kCollectionHeaderBytes; end - at >= kHeapObjectHeaderBytes;) {
        std::array<unsigned char, kHeapObjectHeaderBytes> object{};
        if (!readAt(fd, at, object.data(), object.size())) return corrupt("unreadable");
        const uint64_t objectIndex = littleEndian(object.data(), 2);
        const uint64_t objectBytes = littleEndian(object.data() + 8, 8);
        if (objectIndex == 0) break;  // free space: the rest of the collection
        const uint64_t room = end - at - kHeapObjectHeaderBytes;
        if (objectBytes > room) return corrupt(fmt::format("object {} overruns it", objectIndex));
        if (objectIndex == index) {
            if (objectBytes != length)
                return corrupt(fmt::format("object {} holds {} bytes, the string has {}", index,
                                           objectBytes, length));
            std::string text(static_cast<size_t>(length), '\0');
            if (!readAt(fd, at + kHeapObjectHeaderBytes, text.data(), text.size()))
                return corrupt("unreadable");
            // C strings end at the first NUL, as HDF5's own conversion returns them.
            text.resize(std::min(text.find('\0'), text.size()));
            return text;
        }
        const uint64_t padded = (objectBytes + 7) / 8 * 8;
        if (padded > room) break;  // the last object's padding may be cut by the end
        at += kHeapObjectHeaderBytes + padded;
    }
    return corrupt(fmt::format("no object {}", index));
}

std::optional<std::string> checkRootGroupHeap(const std::string& path) {
    std::error_code ec;
    const uint64_t fileBytes = std::filesystem::file_size(path, ec);
    std::ifstream in(path, std::ios::binary);
    if (ec || !in) return std::nullopt;  // the open that follows reports it
    const auto read = [&](uint64_t offset, unsigned char* out, size_t bytes) {
        if (offset > fileBytes || bytes > fileBytes - offset) return false;
        in.seekg(static_cast<std::streamoff>(offset));
        return static_cast<bool>(in.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(bytes)));
    };
    // The superblock is at 0 or after a user block of 512, 1024, 2048, ... bytes.
    static constexpr unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    // Version 1's root entry ends at byte 100 (its heap address is bytes 92-99): read 128.
    std::array<unsigned char, 128> block{};
    uint64_t superblock = 0;
    while (!read(superblock, block.data(), block.size()) ||
           std::memcmp(block.data(), kSignature, sizeof kSignature) != 0) {
        superblock = superblock == 0 ? 512 : superblock * 2;
        if (superblock >= fileBytes) return std::nullopt;  // H5Fopen reports it
    }
    const unsigned version = block[8];
    if (version > 1 || block[13] != 8 || block[14] != 8) return std::nullopt;
    // Version 1 adds 4 bytes (indexed storage K and reserved) before the addresses.
    const size_t addresses = version == 0 ? 24 : 28;
    const uint64_t base = littleEndian(block.data() + addresses, 8);
    const size_t rootEntry = addresses + 32;  // after base, free-space, end-of-file, driver
    const uint64_t cacheType = littleEndian(block.data() + rootEntry + 16, 4);
    if (cacheType != 1) return std::nullopt;  // no symbol table cached in the root entry
    static_assert(28 + 32 + 40 <= std::tuple_size_v<decltype(block)>, "the root entry fits");
    const uint64_t heap = littleEndian(block.data() + rootEntry + 32, 8);
    const auto corrupt = [&](const std::string& what) {
        return fmt::format("corrupt root group: its local heap at address {} {}", heap, what);
    };
    std::array<unsigned char, 32> header{};
    if (base > fileBytes || heap > fileBytes - base || !read(base + heap, header.data(), header.size()))
        return corrupt("is outside the file");
    if (std::memcmp(header.data(), "HEAP", 4) != 0) return corrupt("has no HEAP signature");
    const uint64_t dataBytes = littleEndian(header.data() + 8, 8);
    const uint64_t data = littleEndian(header.data() + 24, 8);
    if (data > fileBytes - base || dataBytes > fileBytes - base - data)
        return corrupt(fmt::format("has {} bytes of data at {}, outside the file", dataBytes, data));
    return std::nullopt;
}

}  // namespace moe::io::h5
