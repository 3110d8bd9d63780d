// SPDX-License-Identifier: MIT
// `moelab import megatron|npy`: other tools' routing data into moelab's formats.
#include "app/cli/command_arguments.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "core/config/enums.h"
#include "core/import/array_import.h"
#include "core/import/import_error.h"
#include "core/import/megatron_import.h"

#include <boost/program_options.hpp>
#include <fmt/core.h>
#include <fmt/ranges.h>

namespace moe::app {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "usage: moelab import megatron DIR|FILE.jsonl... --out TRACE.h5 [--experts E]\n"
    "           [--capacity-factor CF] [--min-capacity C] [--priority position|token]\n"
    "           [--dumped STREAM.h5 [--dumped-layer L]] [--force] [--quiet]\n"
    "       moelab import npy [ROLE=]FILE.npy|FILE.npz[:ARRAY]... --out STREAM.h5\n"
    "           [--width D] [--experts E] [--source-model NAME] [--layer L] [--force] [--quiet]\n"
    "       (docs/import.md)\n";

int megatron(const std::vector<std::string>& args) {
    import::MegatronImportOptions options;
    std::string priority = "position";
    bool quiet = false;
    po::options_description desc("import megatron options");
    desc.add_options()
        ("input", po::value(&options.inputs)->multitoken(), "trace directories or .jsonl files")
        ("out,o", po::value(&options.out), "the moelab trace to write")
        ("experts", po::value(&options.experts), "number of experts E (needed without logits sidecars)")
        ("capacity-factor", po::value(&options.capacityFactor), "capacity factor per record; 0 = dropless")
        ("min-capacity", po::value(&options.minCapacity), "minimum expert capacity")
        ("priority", po::value(&priority), "capacity fill order: position | token")
        ("dumped", po::value(&options.dumpedOut), "also write a dumped-stream file from the sidecars")
        ("dumped-layer", po::value(&options.dumpedLayer), "the Megatron layer whose sidecars go there")
        ("force", po::bool_switch(&options.overwrite), "replace existing output files")
        ("quiet", po::bool_switch(&quiet), "print nothing on success");
    po::positional_options_description positional;
    positional.add("input", -1);
    po::variables_map vm;
    if (!parseCommandArguments("import", args, desc, positional, vm)) return kExitBadInput;
    if (options.inputs.empty() || options.out.empty()) {
        fmt::print(stderr, "moelab import megatron: {}", kUsage);
        return kExitBadInput;
    }
    const auto parsed = parseEnum<Priority>(priority);
    if (!parsed || *parsed == Priority::Score) {
        fmt::print(stderr, "moelab import megatron: --priority '{}' is not accepted (accepted: "
                           "position | token; the records hold no scores)\n", priority);
        return kExitBadInput;
    }
    if (options.experts < 0 || options.minCapacity < 0 || options.capacityFactor < 0) {
        fmt::print(stderr, "moelab import megatron: --experts, --min-capacity and "
                           "--capacity-factor must be >= 0\n");
        return kExitBadInput;
    }
    options.priority = *parsed;
    options.moelabVersion = MOELAB_VERSION;
    const import::MegatronImportResult r = import::importMegatron(options);
    if (!quiet) {
        for (const std::string& note : r.notes) fmt::print("{}\n", note);
        fmt::print("{}: {} records, {} steps, layers {}, ranks {}, E = {}\n", options.out, r.records,
                   r.steps, fmt::join(r.layers, ","), fmt::join(r.ranks, ","), r.experts);
        if (r.skippedMtpRecords > 0)
            fmt::print("skipped {} multi-token-prediction (block \"mtp\") records\n", r.skippedMtpRecords);
        if (!options.dumpedOut.empty())
            fmt::print("{}: {} token rows\n", options.dumpedOut, r.dumpedRows);
    }
    return kExitOk;
}

int npy(const std::vector<std::string>& args) {
    import::ArrayImportOptions options;
    std::vector<std::string> inputs;
    bool quiet = false;
    po::options_description desc("import npy options");
    desc.add_options()
        ("input", po::value(&inputs)->multitoken(), "[ROLE=]FILE.npy or FILE.npz[:ARRAY]")
        ("out,o", po::value(&options.out), "the dumped-stream file to write")
        ("width", po::value(&options.width), "expected token width d")
        ("experts", po::value(&options.experts), "expected expert count E")
        ("source-model", po::value(&options.sourceModel), "written as @source_model")
        ("layer", po::value(&options.layer), "written as @layer")
        ("force", po::bool_switch(&options.overwrite), "replace an existing output file")
        ("quiet", po::bool_switch(&quiet), "print nothing on success");
    po::positional_options_description positional;
    positional.add("input", -1);
    po::variables_map vm;
    if (!parseCommandArguments("import", args, desc, positional, vm)) return kExitBadInput;
    if (inputs.empty() || options.out.empty()) {
        fmt::print(stderr, "moelab import npy: {}", kUsage);
        return kExitBadInput;
    }
    if (options.width < 0 || options.experts < 0) {
        fmt::print(stderr, "moelab import npy: --width and --experts must be >= 0\n");
        return kExitBadInput;
    }
    std::vector<std::string> skipped;
    options.inputs = import::resolveArrayInputs(inputs, skipped);
    const import::ArrayImportResult r = import::importArrays(options);
    if (!quiet) {
        for (const std::string& s : skipped) fmt::print("skipped {} (not a dumped-stream array)\n", s);
        for (const std::string& note : r.notes) fmt::print("{}\n", note);
        fmt::print("{}: N = {}, d = {}, E = {}\n", options.out, r.rows, r.width, r.experts);
    }
    return kExitOk;
}

}  // namespace

int importCommand(const std::vector<std::string>& args) {
    if (args.empty() || (args[0] != "megatron" && args[0] != "npy")) {
        fmt::print(stderr, "moelab import: say what to import: megatron or npy\n{}", kUsage);
        return kExitBadInput;
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
        return args[0] == "megatron" ? megatron(rest) : npy(rest);
    } catch (const import::BadInput& e) {
        fmt::print(stderr, "moelab import {}: {}\n", args[0], e.what());
        return kExitBadInput;
    }
}

}  // namespace moe::app
