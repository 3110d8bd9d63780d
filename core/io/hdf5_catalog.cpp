// SPDX-License-Identifier: MIT
#include "core/io/hdf5_catalog.h"

#include "core/io/hdf5_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <type_traits>
#include <utility>

namespace moe::io {
namespace {

using h5::Handle;

/// Deeper than any real file; stops a pathological one from exhausting the stack.
constexpr int kMaxDepth = 64;
/// Attribute values read for a preview: attributes are small, but a file may say otherwise.
constexpr hssize_t kMaxAttributeValues = 1 << 20;
constexpr size_t kPreviewValues = 8;
constexpr size_t kPreviewChars = 160;

std::string joinedPath(const std::string& parent, const std::string& name) {
    return parent == "/" ? "/" + name : parent + "/" + name;
}

std::string dtypeText(hid_t type) {
    const size_t size = H5Tget_size(type);
    switch (H5Tget_class(type)) {
        case H5T_INTEGER:
            return fmt::format("{}int{}", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", 8 * size);
        case H5T_FLOAT:
            return fmt::format("float{}", 8 * size);
        case H5T_STRING:
            return H5Tis_variable_str(type) > 0 ? std::string("string")
                                                : fmt::format("string[{}]", size);
        case H5T_COMPOUND: {
            std::string members;
            const int count = H5Tget_nmembers(type);
            for (int i = 0; i < count; ++i) {
                char* name = H5Tget_member_name(type, static_cast<unsigned>(i));
                members += (i > 0 ? ", " : "") + std::string(name != nullptr ? name : "?");
                H5free_memory(name);
            }
            return "compound {" + members + "}";
        }
        case H5T_ENUM:
            return "enum";
        case H5T_ARRAY:
            return "array";
        case H5T_VLEN:
            return "variable-length sequence";
        case H5T_REFERENCE:
            return "reference";
        case H5T_OPAQUE:
            return "opaque";
        case H5T_BITFIELD:
            return "bitfield";
        case H5T_TIME:
            return "time";
        default:
            return "unknown type";
    }
}

/// `text` on one line and at most kPreviewChars long.
std::string shortened(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (text.size() > kPreviewChars) text = text.substr(0, kPreviewChars - 3) + "...";
    return text;
}

std::vector<uint64_t> extentOf(hid_t space) {
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank <= 0) return {};
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    return {dims.begin(), dims.end()};
}

/// The values of a numeric attribute as text, integers exactly (a uint64 seed stays whole).
std::string numberPreview(hid_t attribute, hid_t type, hssize_t count) {
    std::vector<std::string> items;
    const auto n = static_cast<size_t>(count);
    if (H5Tget_class(type) == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_NONE) {
        std::vector<unsigned long long> values(n);
        if (H5Aread(attribute, H5T_NATIVE_ULLONG, values.data()) < 0) return "(unreadable)";
        for (size_t i = 0; i < std::min(n, kPreviewValues); ++i)
            items.push_back(std::to_string(values[i]));
    } else if (H5Tget_class(type) == H5T_INTEGER) {
        std::vector<long long> values(n);
        if (H5Aread(attribute, H5T_NATIVE_LLONG, values.data()) < 0) return "(unreadable)";
        for (size_t i = 0; i < std::min(n, kPreviewValues); ++i)
            items.push_back(std::to_string(values[i]));
    } else {
        std::vector<double> values(n);
        if (H5Aread(attribute, H5T_NATIVE_DOUBLE, values.data()) < 0) return "(unreadable)";
        for (size_t i = 0; i < std::min(n, kPreviewValues); ++i)
            items.push_back(fmt::format("{:.6g}", values[i]));
    }
    std::string text;
    for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
    if (n > kPreviewValues) text += ", ...";
    return n == 1 ? text : "[" + text + "]";
}

/// The strings of a string attribute, variable or fixed length.
std::vector<std::string> stringValues(hid_t attribute, hid_t type, hssize_t count) {
    const auto n = static_cast<size_t>(count);
    std::vector<std::string> values;
    if (H5Tis_variable_str(type) > 0) {
        const Handle memoryType(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(memoryType.get(), H5T_VARIABLE);
        H5Tset_cset(memoryType.get(), H5Tget_cset(type));
        std::vector<char*> pointers(n, nullptr);
        if (H5Aread(attribute, memoryType.get(), pointers.data()) < 0) return {};
        for (char* p : pointers) {
            values.emplace_back(p != nullptr ? p : "");
            H5free_memory(p);
        }
        return values;
    }
    const size_t size = H5Tget_size(type);
    if (size == 0) return {};
    std::string buffer(size * n, '\0');
    if (H5Aread(attribute, type, buffer.data()) < 0) return {};
    for (size_t i = 0; i < n; ++i) {
        std::string value = buffer.substr(i * size, size);
        value.resize(std::min(value.find('\0'), value.size()));
        values.push_back(std::move(value));
    }
    return values;
}

Hdf5Attribute describeAttribute(hid_t object, const char* name) {
    Hdf5Attribute result;
    result.name = name;
    const Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    if (!attribute.valid()) {
        result.preview = "(cannot open: " + h5::errorText() + ")";
        return result;
    }
    const Handle type(H5Aget_type(attribute.get()), H5Tclose);
    const Handle space(H5Aget_space(attribute.get()), H5Sclose);
    result.dtype = dtypeText(type.get());
    result.shape = extentOf(space.get());
    const hssize_t count = H5Sget_simple_extent_npoints(space.get());
    if (count <= 0) {
        result.preview = "(empty)";
        return result;
    }
    if (count > kMaxAttributeValues) {
        result.preview = fmt::format("({} values)", count);
        return result;
    }
    switch (H5Tget_class(type.get())) {
        case H5T_STRING: {
            const std::vector<std::string> values = stringValues(attribute.get(), type.get(), count);
            if (values.empty()) {
                result.preview = "(unreadable)";
            } else if (count == 1) {
                result.text = values.front();
                result.preview = shortened(values.front());
            } else {
                std::string joined;
                for (size_t i = 0; i < std::min(values.size(), kPreviewValues); ++i)
                    joined += (i > 0 ? ", \"" : "\"") + values[i] + "\"";
                if (values.size() > kPreviewValues) joined += ", ...";
                result.preview = shortened("[" + joined + "]");
            }
            break;
        }
        case H5T_INTEGER:
        case H5T_FLOAT:
            result.preview = numberPreview(attribute.get(), type.get(), count);
            break;
        default:
            result.preview = "(" + result.dtype + ")";
            break;
    }
    return result;
}

std::vector<Hdf5Attribute> describeAttributes(hid_t object) {
    std::vector<std::string> names;
    const auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
    };
    hsize_t index = 0;
    H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names);
    std::vector<Hdf5Attribute> attributes;
    for (const std::string& name : names) attributes.push_back(describeAttribute(object, name.c_str()));
    return attributes;
}

std::string filterText(H5Z_filter_t id, const unsigned* values, size_t count, const char* name) {
    switch (id) {
        case H5Z_FILTER_DEFLATE:
            return count > 0 ? fmt::format("gzip {}", values[0]) : "gzip";
        case H5Z_FILTER_SHUFFLE:
            return "shuffle";
        case H5Z_FILTER_FLETCHER32:
            return "fletcher32";
        case H5Z_FILTER_SZIP:
            return "szip";
        case H5Z_FILTER_NBIT:
            return "nbit";
        case H5Z_FILTER_SCALEOFFSET:
            return "scaleoffset";
        case 307:
            return "bzip2";
        case 32000:
            return "lzf";
        case 32001:
            return "blosc";
        case 32004:
            return "lz4";
        case 32015:
            return "zstd";
        default:
            return name != nullptr && name[0] != '\0' ? std::string(name)
                                                      : fmt::format("filter {}", id);
    }
}

void describeDataset(hid_t dataset, Hdf5Node& node) {
    // A dataset another open of this process saw shorter (a live trace) shows its extent now.
    H5Drefresh(dataset);
    const Handle type(H5Dget_type(dataset), H5Tclose);
    node.dtype = dtypeText(type.get());
    const Handle space(H5Dget_space(dataset), H5Sclose);
    if (H5Sget_simple_extent_type(space.get()) == H5S_NULL) node.note = "no data (null dataspace)";
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank > 0) {
        std::vector<hsize_t> dims(static_cast<size_t>(rank)), maxDims(static_cast<size_t>(rank));
        H5Sget_simple_extent_dims(space.get(), dims.data(), maxDims.data());
        node.shape.assign(dims.begin(), dims.end());
        for (const hsize_t m : maxDims)
            node.maxShape.push_back(m == H5S_UNLIMITED ? Hdf5Node::kUnlimited : m);
    }
    const Handle creation(H5Dget_create_plist(dataset), H5Pclose);
    if (!creation.valid()) return;
    if (H5Pget_layout(creation.get()) == H5D_CHUNKED && rank > 0) {
        std::vector<hsize_t> chunks(static_cast<size_t>(rank));
        if (H5Pget_chunk(creation.get(), rank, chunks.data()) == rank)
            node.chunks.assign(chunks.begin(), chunks.end());
    }
    const int filters = H5Pget_nfilters(creation.get());
    for (int i = 0; i < filters; ++i) {
        unsigned flags = 0;
        unsigned values[8] = {};
        size_t count = 8;
        char name[64] = {};
        unsigned config = 0;
        const H5Z_filter_t id = H5Pget_filter2(creation.get(), static_cast<unsigned>(i), &flags,
                                               &count, values, sizeof name, name, &config);
        if (id < 0) continue;
        node.compression += (node.compression.empty() ? "" : ", ") +
                            filterText(id, values, std::min<size_t>(count, 8), name);
    }
}

class Walker {
public:
    void describeObject(hid_t object, Hdf5Node& node, int depth) {
        H5O_info_t info{};
        if (H5Oget_info2(object, &info, H5O_INFO_BASIC) >= 0) {
            if (!m_seen.insert({info.fileno, info.addr}).second) {
                node.note = "the same object as another path (hard link)";
                node.kind = kindOf(object);
                return;
            }
        }
        node.kind = kindOf(object);
        node.attributes = describeAttributes(object);
        if (node.kind == Hdf5NodeKind::Dataset) describeDataset(object, node);
        if (node.kind == Hdf5NodeKind::Group) {
            if (depth >= kMaxDepth) {
                node.note = "nested too deeply to list";
                return;
            }
            describeGroup(object, node, depth);
        }
    }

private:
    static Hdf5NodeKind kindOf(hid_t object) {
        switch (H5Iget_type(object)) {
            case H5I_GROUP:
                return Hdf5NodeKind::Group;
            case H5I_DATASET:
                return Hdf5NodeKind::Dataset;
            case H5I_DATATYPE:
                return Hdf5NodeKind::NamedType;
            default:
                return Hdf5NodeKind::Other;
        }
    }

    void describeGroup(hid_t group, Hdf5Node& node, int depth) {
        std::vector<std::pair<std::string, H5L_type_t>> links;
        const auto collect = [](hid_t, const char* name, const H5L_info_t* info,
                                void* data) -> herr_t {
            static_cast<std::vector<std::pair<std::string, H5L_type_t>>*>(data)->emplace_back(
                name, info->type);
            return 0;
        };
        hsize_t index = 0;
        if (H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collect, &links) < 0 &&
            links.empty())
            node.note = "cannot list the group: " + h5::errorText();
        for (const auto& [name, type] : links) {
            Hdf5Node child;
            child.name = name;
            child.path = joinedPath(node.path, name);
            if (type == H5L_TYPE_HARD) {
                const Handle object(H5Oopen(group, name.c_str(), H5P_DEFAULT), H5Oclose);
                if (object.valid())
                    describeObject(object.get(), child, depth + 1);
                else
                    child.note = "cannot open: " + h5::errorText();
            } else {
                child.kind = Hdf5NodeKind::Link;
                child.linkTarget = linkTarget(group, name, type);
            }
            node.children.push_back(std::move(child));
        }
    }

    static std::string linkTarget(hid_t group, const std::string& name, H5L_type_t type) {
        H5L_info_t info{};
        if (H5Lget_info(group, name.c_str(), &info, H5P_DEFAULT) < 0 || info.u.val_size == 0 ||
            info.u.val_size > (1u << 16))
            return "?";
        std::string value(info.u.val_size, '\0');
        if (H5Lget_val(group, name.c_str(), value.data(), value.size(), H5P_DEFAULT) < 0)
            return "?";
        if (type == H5L_TYPE_SOFT) return value.substr(0, value.find('\0'));
        if (type == H5L_TYPE_EXTERNAL) {
            const char* file = nullptr;
            const char* object = nullptr;
            unsigned flags = 0;
            if (H5Lunpack_elink_val(value.data(), value.size(), &flags, &file, &object) >= 0 &&
                file != nullptr && object != nullptr)
                return std::string(file) + ":" + object;
        }
        return "(user-defined link)";
    }

    std::set<std::pair<unsigned long, haddr_t>> m_seen;
};

/// An attribute of `node` by name, or nullptr.
const Hdf5Attribute* attributeOf(const Hdf5Node& node, const std::string& name) {
    for (const Hdf5Attribute& attribute : node.attributes)
        if (attribute.name == name) return &attribute;
    return nullptr;
}

/// Opens dataset `dataset` of `path` and checks it is numeric, of rank `rank`, and no larger
/// than maxElements; returns its dims.
tl::expected<std::pair<Handle, std::vector<hsize_t>>, std::string> openNumeric(
    const Handle& file, const std::string& path, const std::string& dataset, int rank,
    uint64_t maxElements) {
    const std::string where = path + ": dataset " + dataset;
    if (H5Oexists_by_name(file.get(), dataset.c_str(), H5P_DEFAULT) <= 0)
        return tl::make_unexpected(where + ": no such dataset");
    Handle handle(H5Dopen2(file.get(), dataset.c_str(), H5P_DEFAULT), H5Dclose);
    if (!handle.valid()) return tl::make_unexpected(where + ": cannot open: " + h5::errorText());
    H5Drefresh(handle.get());
    const Handle type(H5Dget_type(handle.get()), H5Tclose);
    const H5T_class_t typeClass = H5Tget_class(type.get());
    if (typeClass != H5T_INTEGER && typeClass != H5T_FLOAT)
        return tl::make_unexpected(where + " holds " + dtypeText(type.get()) + ", not numbers");
    const Handle space(H5Dget_space(handle.get()), H5Sclose);
    const int actual = H5Sget_simple_extent_ndims(space.get());
    if (actual != rank)
        return tl::make_unexpected(fmt::format("{} has {} dimensions, not {}", where,
                                               std::max(actual, 0), rank));
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    uint64_t elements = 1;
    for (const hsize_t d : dims) {
        if (d != 0 && elements > maxElements / d)
            return tl::make_unexpected(
                fmt::format("{} has more than {} values; too many to plot", where, maxElements));
        elements *= d;
    }
    return std::pair{std::move(handle), std::move(dims)};
}

template <typename T>
tl::expected<T, std::string> readNumeric(const std::string& path, const std::string& dataset,
                                         int rank, uint64_t maxElements) {
    const h5::ErrorPrintingOff quiet;
    try {
        const auto file = h5::openForReading(path);
        if (!file) return tl::make_unexpected(file.error());
        auto opened = openNumeric(*file, path, dataset, rank, maxElements);
        if (!opened) return tl::make_unexpected(opened.error());
        const std::vector<hsize_t>& dims = opened->second;
        std::vector<double> values(static_cast<size_t>(dims[0] * (rank == 2 ? dims[1] : 1)));
        if (!values.empty() && H5Dread(opened->first.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                       H5P_DEFAULT, values.data()) < 0)
            return tl::make_unexpected(path + ": dataset " + dataset +
                                       ": cannot read: " + h5::errorText());
        if constexpr (std::is_same_v<T, std::vector<double>>) {
            return values;
        } else {
            using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
            return Eigen::MatrixXd(Eigen::Map<const RowMajor>(
                values.data(), static_cast<Eigen::Index>(dims[0]),
                static_cast<Eigen::Index>(dims[1])));
        }
    } catch (const std::exception& error) {
        return tl::make_unexpected(path + ": dataset " + dataset + ": " + error.what());
    }
}

}  // namespace

tl::expected<Hdf5Node, std::string> describeHdf5File(const std::string& path) {
    const h5::ErrorPrintingOff quiet;
    try {
        const auto file = h5::openForReading(path);
        if (!file) return tl::make_unexpected(file.error());
        Hdf5Node root;
        root.name = "/";
        root.path = "/";
        const Handle group(H5Gopen2(file->get(), "/", H5P_DEFAULT), H5Gclose);
        if (!group.valid())
            return tl::make_unexpected(path + ": cannot open the root group: " + h5::errorText());
        Walker().describeObject(group.get(), root, 0);
        return root;
    } catch (const std::exception& error) {
        return tl::make_unexpected(path + ": " + error.what());
    }
}

std::string hdf5FileSummary(const Hdf5Node& root) {
    const Hdf5Attribute* schema = attributeOf(root, "schema_version");
    const Hdf5Node* step = findHdf5Node(root, "/layer_0/step");
    if (schema != nullptr && step != nullptr) {
        const Hdf5Attribute* layers = attributeOf(root, "n_layers");
        const Hdf5Attribute* experts = attributeOf(root, "n_experts");
        return fmt::format("moelab trace (schema {}, {} layer(s), {} experts, {} steps)",
                           schema->preview, layers != nullptr ? layers->preview : "?",
                           experts != nullptr ? experts->preview : "?",
                           step->shape.empty() ? 0 : step->shape.front());
    }
    const Hdf5Node* tokens = findHdf5Node(root, "/tokens");
    if (tokens != nullptr && tokens->kind == Hdf5NodeKind::Dataset && tokens->shape.size() == 2) {
        std::string text = fmt::format("dumped token stream ({} tokens of width {}",
                                       tokens->shape[0], tokens->shape[1]);
        if (findHdf5Node(root, "/domain") != nullptr) text += ", with domain labels";
        if (findHdf5Node(root, "/token_id") != nullptr) text += ", token ids";
        if (findHdf5Node(root, "/logits") != nullptr) text += ", router logits";
        if (findHdf5Node(root, "/router_weight") != nullptr) text += ", router weight";
        return text + ")";
    }
    int groups = 0;
    int datasets = 0;
    std::vector<const Hdf5Node*> pending = {&root};
    while (!pending.empty()) {
        const Hdf5Node* node = pending.back();
        pending.pop_back();
        groups += node->kind == Hdf5NodeKind::Group && node != &root;
        datasets += node->kind == Hdf5NodeKind::Dataset;
        for (const Hdf5Node& child : node->children) pending.push_back(&child);
    }
    return fmt::format("HDF5 file ({} groups, {} datasets)", groups, datasets);
}

const Hdf5Node* findHdf5Node(const Hdf5Node& root, const std::string& path) {
    if (path == root.path) return &root;
    for (const Hdf5Node& child : root.children) {
        if (child.path == path) return &child;
        if (path.rfind(child.path + "/", 0) == 0) return findHdf5Node(child, path);
    }
    return nullptr;
}

bool isNumeric(const Hdf5Node& node) {
    return node.kind == Hdf5NodeKind::Dataset &&
           (node.dtype.rfind("int", 0) == 0 || node.dtype.rfind("uint", 0) == 0 ||
            node.dtype.rfind("float", 0) == 0);
}

tl::expected<std::vector<double>, std::string> readNumericVector(const std::string& path,
                                                                 const std::string& dataset,
                                                                 uint64_t maxElements) {
    return readNumeric<std::vector<double>>(path, dataset, 1, maxElements);
}

tl::expected<Eigen::MatrixXd, std::string> readNumericMatrix(const std::string& path,
                                                             const std::string& dataset,
                                                             uint64_t maxElements) {
    return readNumeric<Eigen::MatrixXd>(path, dataset, 2, maxElements);
}

}  // namespace moe::io
