// SPDX-License-Identifier: MIT
#include "core/import/array_import.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "core/import/dumped_file_writer.h"
#include "core/import/import_error.h"
#include "core/import/npy_reader.h"
#include "core/import/npz_archive.h"

namespace moe::import {
namespace {

/// Rows converted per block: bounds memory to a few MB for any width.
constexpr int64_t kBlockElements = int64_t{1} << 20;
constexpr int64_t kMaxDomainLabel = 4096;  // docs/dumped-stream.md
constexpr int64_t kMaxTokenId = int64_t{1} << 31;

const std::map<std::string, std::string>& aliases() {
    static const std::map<std::string, std::string> table = {
        {"tokens", "tokens"},         {"hidden_states", "tokens"}, {"hidden", "tokens"},
        {"x", "tokens"},              {"logits", "logits"},        {"router_logits", "logits"},
        {"gate_logits", "logits"},    {"router_weight", "router_weight"},
        {"gate_weight", "router_weight"}, {"w_gate", "router_weight"},
        {"domain", "domain"},         {"domains", "domain"},       {"labels", "domain"},
        {"token_id", "token_id"},     {"token_ids", "token_id"},   {"input_ids", "token_id"},
    };
    return table;
}

bool isFloatRole(const std::string& role) {
    return role == "tokens" || role == "logits" || role == "router_weight";
}

std::unique_ptr<NpyReader> openArray(const ArrayInput& input) {
    if (input.member.empty()) return std::make_unique<NpyReader>(openFileSource(input.path));
    return std::make_unique<NpyReader>(NpzArchive(input.path).open(input.member));
}

std::string shapeText(const std::vector<int64_t>& shape) {
    return fmt::format("[{}]", fmt::join(shape, ", "));
}

/// Rows and columns of an array in its role: matrices keep the last axis as columns, labels
/// are one column.
struct Layout {
    int64_t rows = 0;
    int64_t columns = 1;
};

Layout layoutOf(const NpyReader& array, const std::string& role) {
    const auto& shape = array.header().shape;
    if (isFloatRole(role)) {
        if (shape.size() < 2)
            throw BadInput(fmt::format("{}: {} must have at least 2 axes ([N, width]); it has shape {}",
                                       array.name(), role, shapeText(shape)));
        if (role == "router_weight" && shape.size() != 2)
            throw BadInput(fmt::format("{}: router_weight must be 2-D ([d, E]); it has shape {}",
                                       array.name(), shapeText(shape)));
        Layout layout{1, shape.back()};
        for (size_t i = 0; i + 1 < shape.size(); ++i) layout.rows *= shape[i];
        return layout;
    }
    return Layout{array.header().elements(), 1};
}

/// The expected value of a size, learned from the first array that fixes it.
class SizeCheck {
public:
    SizeCheck(std::string what, int64_t expected, std::string origin)
        : m_what(std::move(what)), m_value(expected), m_origin(std::move(origin)) {}
    void check(int64_t value, const std::string& source) {
        if (m_value == 0) {
            m_value = value;
            m_origin = source;
        } else if (value != m_value) {
            throw BadInput(fmt::format("{}: {} is {}, but {} gives {}", source, m_what, value,
                                       m_origin, m_value));
        }
    }
    int64_t value() const { return m_value; }

private:
    std::string m_what;
    int64_t m_value;
    std::string m_origin;
};

void copyFloats(NpyReader& array, const std::string& role, const Layout& layout,
                DumpedFileWriter& out) {
    const int64_t blockRows = std::max<int64_t>(1, kBlockElements / layout.columns);
    std::vector<float> block;
    for (int64_t row = 0; row < layout.rows; row += blockRows) {
        const int64_t rows = std::min(blockRows, layout.rows - row);
        block.resize(static_cast<size_t>(rows * layout.columns));
        array.readFloats(rows * layout.columns, block.data());
        for (size_t i = 0; i < block.size(); ++i) {
            if (!std::isfinite(block[i])) {
                const int64_t flat = static_cast<int64_t>(i);
                throw BadInput(fmt::format("{}: {} holds {} at row {}, column {}", array.name(),
                                           role, block[i], row + flat / layout.columns,
                                           flat % layout.columns));
            }
        }
        out.appendRows(role, block.data(), rows);
    }
}

void copyLabels(NpyReader& array, const std::string& role, const Layout& layout,
                DumpedFileWriter& out) {
    const int64_t limit = role == "domain" ? kMaxDomainLabel : kMaxTokenId;
    std::vector<int64_t> values;
    std::vector<int32_t> labels;
    for (int64_t row = 0; row < layout.rows; row += kBlockElements) {
        const int64_t count = std::min(kBlockElements, layout.rows - row);
        values.resize(static_cast<size_t>(count));
        array.readIntegers(count, values.data());
        labels.resize(values.size());
        for (size_t i = 0; i < values.size(); ++i) {
            if (values[i] < 0 || values[i] >= limit)
                throw BadInput(fmt::format("{}: {} label {} at row {} is outside [0, {})",
                                           array.name(), role, values[i],
                                           row + static_cast<int64_t>(i), limit));
            labels[i] = static_cast<int32_t>(values[i]);
        }
        out.appendValues(role, labels.data(), count);
    }
}

/// Reads the whole router weight and returns it as [d, E] row-major, transposing PyTorch's
/// nn.Linear layout [E, d] when the other arrays say that is what it is.
std::vector<float> routerWeightAsDE(NpyReader& array, Layout& layout, int64_t width,
                                    int64_t experts, std::vector<std::string>& notes) {
    std::vector<float> values(static_cast<size_t>(layout.rows * layout.columns));
    array.readFloats(static_cast<int64_t>(values.size()), values.data());
    const bool looksTransposed = layout.rows != layout.columns &&
                                 ((width != 0 && layout.columns == width && layout.rows != width) ||
                                  (experts != 0 && layout.rows == experts && layout.columns != experts));
    if (!looksTransposed) return values;
    std::vector<float> transposed(values.size());
    for (int64_t r = 0; r < layout.rows; ++r)
        for (int64_t c = 0; c < layout.columns; ++c)
            transposed[static_cast<size_t>(c * layout.rows + r)] =
                values[static_cast<size_t>(r * layout.columns + c)];
    notes.push_back(fmt::format("{}: router_weight [{}, {}] taken as PyTorch's [E, d] and "
                                "transposed to [d, E]",
                                array.name(), layout.rows, layout.columns));
    std::swap(layout.rows, layout.columns);
    return transposed;
}

}  // namespace

std::string roleForName(const std::string& name) {
    const auto it = aliases().find(name);
    return it == aliases().end() ? std::string() : it->second;
}

std::vector<ArrayInput> resolveArrayInputs(const std::vector<std::string>& arguments,
                                           std::vector<std::string>& skipped) {
    std::vector<ArrayInput> inputs;
    auto add = [&](ArrayInput input) {
        for (const ArrayInput& other : inputs)
            if (other.role == input.role)
                throw BadInput(fmt::format("two arrays for {}: {} and {}", input.role,
                                           other.member.empty() ? other.path : other.path + ":" + other.member,
                                           input.member.empty() ? input.path : input.path + ":" + input.member));
        inputs.push_back(std::move(input));
    };
    for (const std::string& argument : arguments) {
        std::string role, file = argument, member;
        if (const size_t eq = file.find('='); eq != std::string::npos) {
            role = roleForName(file.substr(0, eq));
            if (role.empty())
                throw BadInput(fmt::format("'{}': unknown role '{}' (accepted: tokens, logits, "
                                           "router_weight, domain, token_id, or an alias in "
                                           "docs/import.md)", argument, file.substr(0, eq)));
            file = file.substr(eq + 1);
        }
        if (const size_t colon = file.find(".npz:"); colon != std::string::npos) {
            member = file.substr(colon + 5);
            file = file.substr(0, colon + 4);
        }
        const std::string extension = std::filesystem::path(file).extension().string();
        if (extension == ".npy") {
            if (role.empty()) role = roleForName(std::filesystem::path(file).stem().string());
            if (role.empty())
                throw BadInput(fmt::format("{}: cannot tell what the array holds from its name; "
                                           "write ROLE={} with ROLE one of tokens, logits, "
                                           "router_weight, domain, token_id", file, file));
            add({role, file, ""});
        } else if (extension == ".npz") {
            const NpzArchive archive(file);
            if (!member.empty()) {
                if (role.empty()) role = roleForName(member);
                if (role.empty())
                    throw BadInput(fmt::format("{}:{}: cannot tell what the array holds from its "
                                               "name; write ROLE={}:{}", file, member, file, member));
                add({role, file, member});
                continue;
            }
            if (!role.empty())
                throw BadInput(fmt::format("'{}': name the array for {} as {}={}:ARRAY", argument,
                                           role, role, file));
            for (const std::string& name : archive.arrays()) {
                const std::string arrayRole = roleForName(name);
                if (arrayRole.empty())
                    skipped.push_back(fmt::format("{}:{}", file, name));
                else
                    add({arrayRole, file, name});
            }
        } else {
            throw BadInput(fmt::format("{}: not a .npy or .npz file", file));
        }
    }
    return inputs;
}

ArrayImportResult importArrays(const ArrayImportOptions& options) {
    ArrayImportResult result;
    std::map<std::string, std::unique_ptr<NpyReader>> arrays;
    std::map<std::string, Layout> layouts;
    for (const ArrayInput& input : options.inputs) {
        arrays[input.role] = openArray(input);
        layouts[input.role] = layoutOf(*arrays[input.role], input.role);
        const NpyType& type = arrays[input.role]->header().type;
        if (isFloatRole(input.role) && type.kind != 'f' && type.size == 2)
            result.notes.push_back(fmt::format("{}: {} dtype {} read as bfloat16",
                                               arrays[input.role]->name(), input.role, type.descr));
    }
    if (!arrays.contains("tokens") && !arrays.contains("logits"))
        throw BadInput("nothing to import: give tokens (hidden states) and/or logits");

    SizeCheck rows("the number of rows N", 0, "");
    SizeCheck width("the width d", options.width, "--width");
    SizeCheck experts("the expert count E", options.experts, "--experts");
    for (const std::string role : {"tokens", "logits", "domain", "token_id"}) {
        if (!arrays.contains(role)) continue;
        rows.check(layouts[role].rows, arrays[role]->name() + " (" + role + ")");
    }
    if (rows.value() == 0) throw BadInput(fmt::format("{}: the arrays hold no rows",
                                                      options.inputs.front().path));
    if (arrays.contains("tokens")) width.check(layouts["tokens"].columns, arrays["tokens"]->name());
    if (arrays.contains("logits")) experts.check(layouts["logits"].columns, arrays["logits"]->name());

    std::vector<float> routerWeight;
    if (arrays.contains("router_weight")) {
        Layout& layout = layouts["router_weight"];
        routerWeight = routerWeightAsDE(*arrays["router_weight"], layout, width.value(),
                                        experts.value(), result.notes);
        width.check(layout.rows, arrays["router_weight"]->name() + " (router_weight rows)");
        experts.check(layout.columns, arrays["router_weight"]->name() + " (router_weight columns)");
        for (size_t i = 0; i < routerWeight.size(); ++i)
            if (!std::isfinite(routerWeight[i]))
                throw BadInput(fmt::format("{}: router_weight is not finite at [{}, {}]",
                                           arrays["router_weight"]->name(),
                                           static_cast<int64_t>(i) / layout.columns,
                                           static_cast<int64_t>(i) % layout.columns));
    }

    DumpedFileWriter out(options.out, options.overwrite);
    for (const auto& [role, layout] : layouts) {
        if (isFloatRole(role)) out.addMatrix(role, layout.columns);
        else out.addVector(role);
    }
    for (auto& [role, array] : arrays) {
        if (role == "router_weight")
            out.appendRows(role, routerWeight.data(), layouts[role].rows);
        else if (isFloatRole(role))
            copyFloats(*array, role, layouts[role], out);
        else
            copyLabels(*array, role, layouts[role], out);
    }
    if (!options.sourceModel.empty()) out.setAttribute("source_model", options.sourceModel);
    if (options.layer >= 0) out.setAttribute("layer", options.layer);
    out.commit();
    result.rows = rows.value();
    result.width = width.value();
    result.experts = experts.value();
    return result;
}

}  // namespace moe::import
