// SPDX-License-Identifier: MIT
#include "core/io/route_output_writer.h"

#include "core/io/hdf5_util.h"

#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

namespace moe::io {
namespace {

using h5::Handle;

/// Raised inside this file only; writeRouteOutput turns it into an error value.
struct WriteFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Writes the objects of one file; every failure becomes a WriteFailure naming the object.
class Writer {
public:
    explicit Writer(hid_t file) : m_file(file) {}

    void dataset(const std::string& name, const std::vector<size_t>& shape, hid_t fileType,
                 hid_t memoryType, const void* data) const {
        const std::vector<hsize_t> dims(shape.begin(), shape.end());
        const Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                           H5Sclose);
        check(space.valid(), name, "dataspace");
        const Handle dataset(H5Dcreate2(m_file, name.c_str(), fileType, space.get(), H5P_DEFAULT,
                                        H5P_DEFAULT, H5P_DEFAULT),
                             H5Dclose);
        check(dataset.valid(), name, "creating the dataset");
        check(H5Dwrite(dataset.get(), memoryType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0, name,
              "writing the dataset");
    }

    void number(std::string_view name, hid_t fileType, hid_t memoryType, const void* value) const {
        const std::string where = "/@" + std::string(name);
        const Handle space(H5Screate(H5S_SCALAR), H5Sclose);
        check(space.valid(), where, "dataspace");
        const Handle attribute(H5Acreate2(m_file, std::string(name).c_str(), fileType, space.get(),
                                          H5P_DEFAULT, H5P_DEFAULT),
                               H5Aclose);
        check(attribute.valid(), where, "creating the attribute");
        check(H5Awrite(attribute.get(), memoryType, value) >= 0, where, "writing the attribute");
    }

    void real(std::string_view name, double value) const {
        number(name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
    }

    /// A variable-length UTF-8 string, what h5py writes for Python str.
    void text(std::string_view name, const std::string& value) const {
        const std::string where = "/@" + std::string(name);
        const Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
        check(type.valid() && H5Tset_size(type.get(), H5T_VARIABLE) >= 0 &&
                  H5Tset_cset(type.get(), H5T_CSET_UTF8) >= 0,
              where, "string type");
        const Handle space(H5Screate(H5S_SCALAR), H5Sclose);
        check(space.valid(), where, "dataspace");
        const Handle attribute(H5Acreate2(m_file, std::string(name).c_str(), type.get(),
                                          space.get(), H5P_DEFAULT, H5P_DEFAULT),
                               H5Aclose);
        check(attribute.valid(), where, "creating the attribute");
        const char* chars = value.c_str();
        check(H5Awrite(attribute.get(), type.get(), &chars) >= 0, where, "writing the attribute");
    }

private:
    static void check(bool ok, const std::string& object, const std::string& what) {
        if (!ok) throw WriteFailure(object + ": " + what + ": " + h5::errorText());
    }

    hid_t m_file;
};

/// The per-expert arrays and the ROUTING.md §10 metrics as root attributes, and the run info.
void writeStats(const Writer& w, const StepStats& s, const RouteOutputInfo& info, int nTokens,
                int nExperts) {
    const std::pair<const char*, const std::vector<double>*> perExpert[] = {
        {"demand", &s.demand},
        {"load", &s.load},
        {"dropped", &s.dropped},
        {"importance", &s.importance},
        {"mean_score", &s.meanScore}};
    for (const auto& [name, values] : perExpert) {
        w.dataset(name, {values->size()}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values->data());
    }

    w.real("drop_fraction", s.dropFraction);
    w.real("token_drop_fraction", s.tokenDropFraction);
    w.real("load_cv", s.loadCv);
    w.real("max_over_mean", s.maxOverMean);
    w.real("load_entropy", s.loadEntropy);
    w.real("router_entropy", s.routerEntropy);
    w.real("dead_experts", s.deadExperts);
    w.real("collapse", s.collapse);
    w.real("aux_loss", s.auxLoss);
    w.real("z_loss", s.zLoss);
    w.real("specialization", s.specialization);
    w.number("capacity", H5T_STD_I64LE, H5T_NATIVE_INT64, &s.capacity);
    w.text("router_kind", info.routerKind);
    w.number("n_tokens", H5T_STD_I32LE, H5T_NATIVE_INT, &nTokens);
    w.number("n_experts", H5T_STD_I32LE, H5T_NATIVE_INT, &nExperts);
    w.text("moelab_version", info.moelabVersion);
    w.text("scenario", info.scenario);
}

void writeContents(const Writer& w, const RoutingDecision& d, const StepStats& s,
                   const RouteOutputInfo& info) {
    const auto nTokens = static_cast<size_t>(d.nTokens);
    const auto nExperts = static_cast<size_t>(d.nExperts);
    const auto k = static_cast<size_t>(d.k);

    // The [T, k] weights and kept flags scattered to [T, E]; an expert appears at most once
    // per token, so each cell is written at most once.
    std::vector<float> combine(nTokens * nExperts, 0.0f);
    std::vector<uint8_t> dispatch(nTokens * nExperts, 0);
    for (int t = 0; t < d.nTokens; ++t) {
        for (int j = 0; j < d.k; ++j) {
            if (!d.kept(t, j)) continue;
            const size_t cell =
                static_cast<size_t>(t) * nExperts + static_cast<size_t>(d.choice(t, j));
            combine[cell] = static_cast<float>(d.weight(t, j));
            dispatch[cell] = 1;
        }
    }
    w.dataset("combine", {nTokens, nExperts}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, combine.data());
    w.dataset("dispatch", {nTokens, nExperts}, H5T_STD_U8LE, H5T_NATIVE_UINT8, dispatch.data());
    // INTERFACES.md: /choice and /kept belong to routers with choices per token; expert
    // choice's columns are experts, already said by /dispatch and /combine.
    if (!d.columnPerExpert) {
        w.dataset("choice", {nTokens, k}, H5T_STD_I32LE, H5T_NATIVE_INT32, d.choice.data());
        w.dataset("kept", {nTokens, k}, H5T_STD_U8LE, H5T_NATIVE_UINT8, d.kept.data());
    }
    // The decision's capacity is the one written, whatever the caller left in stats.
    StepStats stats = s;
    stats.capacity = d.capacity;
    writeStats(w, stats, info, d.nTokens, d.nExperts);
    w.number("k", H5T_STD_I32LE, H5T_NATIVE_INT, &d.k);
}

/// A row-major [rows, cols] float32 copy of m, as the output datasets store it.
std::vector<float> floats(const Matrix& m) {
    std::vector<float> out(static_cast<size_t>(m.size()));
    for (Eigen::Index i = 0; i < m.size(); ++i)
        out[static_cast<size_t>(i)] = static_cast<float>(m.data()[i]);
    return out;
}

void writeSoftContents(const Writer& w, const SoftRouting& r, const StepStats& s,
                       const RouteOutputInfo& info) {
    const auto nTokens = static_cast<size_t>(r.nTokens);
    const auto nExperts = static_cast<size_t>(r.nExperts);
    const auto nSlots = static_cast<size_t>(r.combine.cols());
    const std::vector<float> combine = floats(r.mass);
    std::vector<uint8_t> dispatch(combine.size());
    for (size_t i = 0; i < combine.size(); ++i) dispatch[i] = combine[i] > 0.0f ? 1 : 0;
    w.dataset("combine", {nTokens, nExperts}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, combine.data());
    w.dataset("dispatch", {nTokens, nExperts}, H5T_STD_U8LE, H5T_NATIVE_UINT8, dispatch.data());
    w.dataset("dispatch_weights", {nTokens, nSlots}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
              floats(r.dispatch).data());
    w.dataset("combine_weights", {nTokens, nSlots}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
              floats(r.combine).data());
    writeStats(w, s, info, r.nTokens, r.nExperts);
    w.number("slots", H5T_STD_I32LE, H5T_NATIVE_INT, &r.slots);
}

/// Writes `path` through "<path>.tmp" with `contents`, renaming only once it is complete.
template <typename Contents>
tl::expected<void, std::string> writeAtomically(const std::string& path, const Contents& contents) {
    const h5::ErrorPrintingOff quiet;
    const std::string temporary = path + ".tmp";
    std::string failure;
    {
        Handle file(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                    H5Fclose);
        if (!file.valid()) {
            return tl::make_unexpected(temporary + ": cannot create: " + h5::errorText());
        }
        try {
            contents(Writer(file.get()));
        } catch (const WriteFailure& e) {
            failure = e.what();
        }
        // Closing flushes what HDF5 still caches, so it can fail like a write.
        if (!file.reset() && failure.empty()) failure = "closing the file: " + h5::errorText();
    }
    std::error_code ec;
    if (failure.empty()) {
        std::filesystem::rename(temporary, path, ec);
        if (!ec) return {};
        failure = "renaming " + temporary + " to it: " + ec.message();
    }
    std::filesystem::remove(temporary, ec);
    return tl::make_unexpected(path + ": " + failure);
}

}  // namespace

tl::expected<void, std::string> writeRouteOutput(const std::string& path,
                                                 const RoutingDecision& decision,
                                                 const StepStats& stats,
                                                 const RouteOutputInfo& info) {
    return writeAtomically(
        path, [&](const Writer& w) { writeContents(w, decision, stats, info); });
}

tl::expected<void, std::string> writeSoftRouteOutput(const std::string& path,
                                                     const SoftRouting& routing,
                                                     const StepStats& stats,
                                                     const RouteOutputInfo& info) {
    return writeAtomically(
        path, [&](const Writer& w) { writeSoftContents(w, routing, stats, info); });
}

}  // namespace moe::io
