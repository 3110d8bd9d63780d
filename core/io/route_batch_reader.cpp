// SPDX-License-Identifier: MIT
#include "core/io/route_batch_reader.h"

#include "core/io/dumped_file.h"

#include <fmt/core.h>

#include <cmath>
#include <utility>

namespace moe::io {
namespace {

/// Reads a whole rank-2 float32/float16 dataset within kMaxRouteElements. `axes` names the
/// expected shape for messages ("[T, E]").
tl::expected<Matrix, std::string> readMatrix(const DumpedFile& file, const std::string& name,
                                             const std::string& axes) {
    auto dataset = file.openDataset(name, 2, axes, kMaxRouteElements, "2^31");
    if (!dataset) return tl::make_unexpected(dataset.error());
    if (auto problem = file.checkFloat(*dataset)) return tl::make_unexpected(*problem);
    Matrix values(static_cast<Eigen::Index>(dataset->dims[0]),
                  static_cast<Eigen::Index>(dataset->dims[1]));
    if (auto problem = file.readRows(*dataset, 0, dataset->dims[0], values.data())) {
        return tl::make_unexpected(*problem);
    }
    return values;
}

/// Reads the float attribute `scale` of dataset /name: one finite number.
tl::expected<Scalar, std::string> readScale(const DumpedFile& file, const std::string& name) {
    auto dataset = file.openDataset(name, 2, "[d, E*P]", kMaxRouteElements, "2^31");
    if (!dataset) return tl::make_unexpected(dataset.error());
    const hid_t owner = dataset->handle.get();
    const htri_t exists = H5Aexists(owner, "scale");
    if (exists == 0) {
        return tl::make_unexpected(file.error(
            name, "attribute scale: missing; soft MoE needs the scale s of its logits"));
    }
    const h5::Handle attribute(exists > 0 ? H5Aopen(owner, "scale", H5P_DEFAULT) : -1, H5Aclose);
    const h5::Handle type(attribute.valid() ? H5Aget_type(attribute.get()) : -1, H5Tclose);
    const h5::Handle space(attribute.valid() ? H5Aget_space(attribute.get()) : -1, H5Sclose);
    if (!type.valid() || !space.valid()) {
        return tl::make_unexpected(
            file.error(name, "attribute scale: unreadable: " + h5::errorText()));
    }
    double value = 0;
    if (H5Tget_class(type.get()) != H5T_FLOAT || H5Sget_simple_extent_npoints(space.get()) != 1 ||
        H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value) < 0 || !std::isfinite(value)) {
        return tl::make_unexpected(
            file.error(name, "attribute scale: accepted: one finite float"));
    }
    return static_cast<Scalar>(value);
}

/// Reads a whole rank-1 dataset of nTokens integer labels in [0, 2^31).
tl::expected<std::vector<int32_t>, std::string> readLabels(const DumpedFile& file,
                                                           const std::string& name, int nTokens) {
    auto dataset = file.openDataset(name, 1, "[T]", kMaxRouteElements, "2^31");
    if (!dataset) return tl::make_unexpected(dataset.error());
    if (dataset->dims[0] != static_cast<hsize_t>(nTokens)) {
        return tl::make_unexpected(file.error(
            name, fmt::format("has {} labels for T = {} tokens", dataset->dims[0], nTokens)));
    }
    if (auto problem = file.checkInteger(*dataset)) return tl::make_unexpected(*problem);
    std::vector<int32_t> labels(static_cast<size_t>(nTokens));
    if (auto problem = file.readLabels(*dataset, 0, dataset->dims[0], labels.data())) {
        return tl::make_unexpected(*problem);
    }
    return labels;
}

}  // namespace

tl::expected<RouteBatch, std::string> readRouteBatch(const std::string& path) {
    const h5::ErrorPrintingOff quiet;
    DumpedFile file(path);
    if (auto problem = file.open()) return tl::make_unexpected(*problem);

    RouteBatch batch;
    const bool hasLogits = file.has("logits");
    const bool hasTokens = file.has("tokens");
    if (hasLogits) {
        auto logits = readMatrix(file, "logits", "[T, E]");
        if (!logits) return tl::make_unexpected(logits.error());
        batch.logits = std::move(*logits);
        if (hasTokens) {
            batch.notes.push_back(path + ": both /logits and /tokens present; routing /logits");
        }
    } else if (hasTokens) {
        auto tokens = readMatrix(file, "tokens", "[T, d]");
        if (!tokens) return tl::make_unexpected(tokens.error());
        const bool hasPhi = file.has("phi");
        if (!file.has("router_weight") && !hasPhi) {
            return tl::make_unexpected(
                file.error("router_weight", "missing; /tokens [T, d] needs /router_weight [d, E] "
                                            "(or /phi [d, E*P] for soft MoE)"));
        }
        if (file.has("router_weight")) {
            auto weight = readMatrix(file, "router_weight", "[d, E]");
            if (!weight) return tl::make_unexpected(weight.error());
            if (weight->rows() != tokens->cols()) {
                return tl::make_unexpected(file.error(
                    "router_weight", fmt::format("has {} rows but /tokens has width d = {}; "
                                                 "expected [d, E] = [{}, E]",
                                                 weight->rows(), tokens->cols(), tokens->cols())));
            }
            batch.routerWeight = std::move(*weight);
        }
        if (hasPhi) {
            auto phi = readMatrix(file, "phi", "[d, E*P]");
            if (!phi) return tl::make_unexpected(phi.error());
            if (phi->rows() != tokens->cols()) {
                return tl::make_unexpected(file.error(
                    "phi", fmt::format("has {} rows but /tokens has width d = {}; expected "
                                       "[d, E*P] = [{}, E*P]",
                                       phi->rows(), tokens->cols(), tokens->cols())));
            }
            auto scale = readScale(file, "phi");
            if (!scale) return tl::make_unexpected(scale.error());
            batch.phi = std::move(*phi);
            batch.phiScale = *scale;
        }
        batch.tokens = std::move(*tokens);
    } else {
        return tl::make_unexpected(fmt::format(
            "{}: dataset /logits: missing; the input needs /logits [T, E] or /tokens [T, d] with "
            "/router_weight [d, E]",
            path));
    }

    if (file.has("domain")) {
        auto domain = readLabels(file, "domain", batch.nTokens());
        if (!domain) return tl::make_unexpected(domain.error());
        batch.domain = std::move(*domain);
    }
    return batch;
}

}  // namespace moe::io
