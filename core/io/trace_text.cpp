// SPDX-License-Identifier: MIT
#include "core/io/trace_text.h"

#include <fmt/core.h>
#include <hdf5.h>

#include "core/io/hdf5_util.h"
#include "core/io/trace_schema.h"

namespace moe::io {
namespace {

using h5::Handle;

tl::expected<std::vector<std::string>, std::string> readStrings(hid_t file, const std::string& path,
                                                                std::string_view name) {
    const std::string dataset(name);
    if (H5Lexists(file, dataset.c_str(), H5P_DEFAULT) <= 0) return std::vector<std::string>{};
    auto fail = [&](const std::string& what) {
        return tl::unexpected(fmt::format("{}: dataset /{}: {}", path, dataset, what));
    };
    const Handle d(H5Dopen2(file, dataset.c_str(), H5P_DEFAULT), H5Dclose);
    if (!d.valid()) return fail("cannot open it");
    const Handle type(H5Dget_type(d.get()), H5Tclose);
    const Handle space(H5Dget_space(d.get()), H5Sclose);
    if (!type.valid() || !space.valid() || H5Tget_class(type.get()) != H5T_STRING ||
        H5Tis_variable_str(type.get()) <= 0 || H5Sget_simple_extent_ndims(space.get()) != 1)
        return fail("is not a 1-D list of variable-length strings");
    hsize_t count = 0;
    H5Sget_simple_extent_dims(space.get(), &count, nullptr);
    if (count > (hsize_t{1} << 26)) return fail("is implausibly long");
    const Handle memoryType(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memoryType.get(), H5T_VARIABLE);
    H5Tset_cset(memoryType.get(), H5Tget_cset(type.get()));
    std::vector<char*> pointers(count, nullptr);
    if (count > 0 && H5Dread(d.get(), memoryType.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                             pointers.data()) < 0)
        return fail("cannot read it: " + h5::errorText());
    std::vector<std::string> values;
    values.reserve(count);
    for (char* p : pointers) values.emplace_back(p != nullptr ? p : "");
    if (count > 0) H5Dvlen_reclaim(memoryType.get(), space.get(), H5P_DEFAULT, pointers.data());
    return values;
}

}  // namespace

tl::expected<TraceText, std::string> readTraceText(const std::string& path) {
    const h5::ErrorPrintingOff quiet;
    const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT),
                      H5Fclose);
    if (!file.valid()) return tl::unexpected(fmt::format("{}: cannot open: {}", path, h5::errorText()));
    TraceText text;
    auto vocabulary = readStrings(file.get(), path, kVocabularyDataset);
    if (!vocabulary) return tl::unexpected(vocabulary.error());
    auto names = readStrings(file.get(), path, kDomainNamesDataset);
    if (!names) return tl::unexpected(names.error());
    text.vocabulary = std::move(*vocabulary);
    text.domainNames = std::move(*names);
    return text;
}

}  // namespace moe::io
