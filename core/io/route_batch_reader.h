// SPDX-License-Identifier: MIT
#pragma once

#include "core/math/types.h"

#include <tl/expected.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace moe::io {

/// One dumped batch for `moelab route` (INTERFACES.md): either logits L [T, E], or tokens X
/// [T, d] with the router weight W [d, E] and/or the soft MoE slot parameters Phi [d, E*P] and
/// their scale; optional domain labels [T]. Values are read as fp32 whatever the file's float
/// width.
struct RouteBatch {
    Matrix logits;                ///< [T, E] from /logits; empty when the batch has tokens
    Matrix tokens;                ///< [T, d] from /tokens; empty when the batch has logits
    Matrix routerWeight;          ///< [d, E] from /router_weight; empty when absent
    Matrix phi;                   ///< [d, E*P] from /phi (soft MoE); empty when absent
    Scalar phiScale = 1;          ///< attribute `scale` of /phi
    std::vector<int32_t> domain;  ///< [T] labels >= 0 from /domain; empty if absent
    /// Things the user should know that are not errors (both /logits and /tokens present).
    std::vector<std::string> notes;

    bool hasLogits() const { return logits.size() > 0; }
    int nTokens() const { return static_cast<int>(hasLogits() ? logits.rows() : tokens.rows()); }
    bool hasRouterWeight() const { return routerWeight.size() > 0; }
    bool hasPhi() const { return phi.size() > 0; }
    /// E of /logits or /router_weight; for a batch of tokens with only /phi, its E*P columns.
    int nExperts() const {
        if (hasLogits()) return static_cast<int>(logits.cols());
        return static_cast<int>(hasRouterWeight() ? routerWeight.cols() : phi.cols());
    }
    /// d, or 0 for a batch of logits.
    int width() const { return hasLogits() ? 0 : static_cast<int>(tokens.cols()); }
};

/// Largest number of elements accepted in one dataset: sizes above it are refused from the
/// declared shape, before anything is allocated.
inline constexpr uint64_t kMaxRouteElements = uint64_t{1} << 31;

/// Reads the `moelab route` input file. /logits wins when both /logits and /tokens exist (a note
/// says so). /tokens needs /router_weight, /phi or both; /phi [d, E*P] needs a float attribute
/// `scale` (ROUTING.md §4's s). Floats must be IEEE float32 or float16 (float16 is converted by
/// HDF5); /domain must be integers in [0, 2^31). Every dataset must be non-empty and finite.
/// Errors read "<path>: dataset /<name>: <what is wrong>" (or "<path>: ..." for the file
/// itself); the function never throws for bad input.
tl::expected<RouteBatch, std::string> readRouteBatch(const std::string& path);

}  // namespace moe::io
