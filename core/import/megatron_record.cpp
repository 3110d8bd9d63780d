// SPDX-License-Identifier: MIT
#include "core/import/megatron_record.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

#include "core/import/import_error.h"

namespace moe::import {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    throw BadInput(fmt::format("{}: {}", where, what));
}

int64_t integerField(const json& record, const char* key, const std::string& where,
                     bool required, int64_t fallback = 0) {
    const auto it = record.find(key);
    if (it == record.end()) {
        if (required) fail(where, fmt::format("the record has no \"{}\"", key));
        return fallback;
    }
    if (!it->is_number_integer() || it->get<int64_t>() < 0)
        fail(where, fmt::format("\"{}\" must be a non-negative integer, not {}", key, it->dump()));
    return it->get<int64_t>();
}

std::optional<SidecarSlice> sidecar(const json& record, const char* prefix, const std::string& where) {
    const std::string offsetKey = std::string(prefix) + "_offset";
    if (!record.contains(offsetKey)) return std::nullopt;
    SidecarSlice slice;
    slice.offset = integerField(record, offsetKey.c_str(), where, true);
    slice.bytes = integerField(record, (std::string(prefix) + "_bytes").c_str(), where, true);
    const std::string shapeKey = std::string(prefix) + "_shape";
    const auto shape = record.find(shapeKey);
    if (shape == record.end() || !shape->is_array() || shape->size() != 2)
        fail(where, fmt::format("\"{}\" must be a list of two sizes", shapeKey));
    for (const json& d : *shape) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0 || d.get<int64_t>() > (int64_t{1} << 31))
            fail(where, fmt::format("\"{}\" holds {}, not a size", shapeKey, d.dump()));
        slice.shape.push_back(d.get<int64_t>());
    }
    if (slice.bytes != slice.shape[0] * slice.shape[1] * 2)
        fail(where, fmt::format("\"{}_bytes\" is {}, but a bfloat16 tensor of shape [{}, {}] has {}",
                                prefix, slice.bytes, slice.shape[0], slice.shape[1],
                                slice.shape[0] * slice.shape[1] * 2));
    return slice;
}

}  // namespace

MegatronRecord parseMegatronRecord(const std::string& line, const std::string& where) {
    json record;
    try {
        record = json::parse(line);
    } catch (const json::parse_error& e) {
        fail(where, fmt::format("not a valid JSON record ({})", e.what()));
    }
    if (!record.is_object()) fail(where, "not a JSON object");

    MegatronRecord r;
    r.step = integerField(record, "step", where, true);
    r.layer = integerField(record, "layer", where, true);
    r.rank = integerField(record, "rank", where, true);
    if (const auto block = record.find("block"); block != record.end()) {
        if (!block->is_string()) fail(where, "\"block\" must be a string");
        r.block = block->get<std::string>();
    }
    const auto indices = record.find("top_indices");
    if (indices == record.end()) fail(where, "the record has no \"top_indices\"");
    if (!indices->is_array()) fail(where, "\"top_indices\" must be a list of lists");
    r.numTokens = static_cast<int64_t>(indices->size());
    r.topk = integerField(record, "topk", where, false, -1);
    for (const json& row : *indices) {
        if (!row.is_array()) fail(where, "\"top_indices\" must be a list of lists");
        if (r.topk < 0) r.topk = static_cast<int64_t>(row.size());
        if (static_cast<int64_t>(row.size()) != r.topk)
            fail(where, fmt::format("row {} of \"top_indices\" has {} experts, expected topk = {}",
                                    r.topIndices.size() / static_cast<size_t>(std::max<int64_t>(r.topk, 1)),
                                    row.size(), r.topk));
        for (const json& e : row) {
            if (!e.is_number_integer() || e.get<int64_t>() < 0 ||
                e.get<int64_t>() > std::numeric_limits<int32_t>::max())
                fail(where, fmt::format("\"top_indices\" holds {}, not an expert index", e.dump()));
            r.topIndices.push_back(static_cast<int32_t>(e.get<int64_t>()));
        }
    }
    if (r.topk < 0) r.topk = 0;  // no tokens and no "topk": an empty record
    const int64_t declaredTokens = integerField(record, "num_tokens", where, false, r.numTokens);
    if (declaredTokens != r.numTokens)
        fail(where, fmt::format("\"num_tokens\" is {} but \"top_indices\" has {} rows",
                                declaredTokens, r.numTokens));
    r.hiddenStates = sidecar(record, "hs", where);
    r.logits = sidecar(record, "logit", where);
    for (const auto* slice : {&r.hiddenStates, &r.logits})
        if (*slice && (*slice)->shape[0] != r.numTokens)
            fail(where, fmt::format("a sidecar tensor has {} rows but the record {} tokens",
                                    (*slice)->shape[0], r.numTokens));
    return r;
}

}  // namespace moe::import
