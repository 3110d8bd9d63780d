// SPDX-License-Identifier: MIT
#include "core/import/megatron_import.h"

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <system_error>

#include "core/import/dumped_file_writer.h"
#include "core/import/import_error.h"
#include "core/import/megatron_record.h"
#include "core/io/hdf5_util.h"
#include "core/io/trace_writer.h"
#include "core/math/precision.h"
#include "core/metrics/step_metrics.h"
#include "core/routing/routing_decision.h"
#include "core/routing/selection.h"

namespace moe::import {
namespace {

namespace fs = std::filesystem;

const std::regex kRankFile(R"(router_trace_rank(\d+)\.jsonl)");

/// The per-step, per-layer sums over every record (rank, micro-batch) of that step and layer.
struct Aggregate {
    std::vector<double> demand, load;
    int64_t tokens = 0;
    int64_t droppedAssignments = 0;
    int64_t droppedTokens = 0;
    int64_t pickedOnce = 0;
    int64_t pickedMany = 0;
    int64_t capacity = 0;  ///< summed per-record capacities, or kUnlimitedCapacity
    std::set<int64_t> ranks;
};

/// A record of the dumped layer that points into sidecar files.
struct SidecarRecord {
    int64_t step = 0;
    int64_t rank = 0;
    int64_t order = 0;  ///< position among the inputs, to keep micro-batches in file order
    fs::path directory;
    std::string where;
    int64_t tokens = 0;
    std::optional<SidecarSlice> hiddenStates, logits;
};

std::vector<std::string> collectFiles(const std::vector<std::string>& inputs,
                                      std::vector<std::string>& notes) {
    std::vector<std::string> files;
    for (const std::string& input : inputs) {
        std::error_code error;
        if (fs::is_directory(input, error)) {
            std::map<int64_t, std::string> byRank;
            for (const auto& entry : fs::directory_iterator(input)) {
                std::smatch match;
                const std::string name = entry.path().filename().string();
                if (std::regex_match(name, match, kRankFile))
                    byRank[std::stoll(match[1].str())] = entry.path().string();
            }
            if (byRank.empty())
                throw BadInput(fmt::format("{}: no router_trace_rank<N>.jsonl files in this directory", input));
            int64_t expected = 0;
            for (const auto& [rank, path] : byRank) {
                if (rank != expected)
                    throw BadInput(fmt::format("{}: router_trace_rank{}.jsonl is missing (ranks {} to "
                                               "{} expected; found {})", input, expected, 0,
                                               byRank.rbegin()->first, byRank.size()));
                files.push_back(path);
                ++expected;
            }
            notes.push_back(fmt::format("{}: {} rank file(s)", input, byRank.size()));
        } else if (fs::is_regular_file(input, error)) {
            files.push_back(input);
        } else {
            throw BadInput(fmt::format("{}: no such file or directory", input));
        }
    }
    return files;
}

/// Reads `slice` of a rank's sidecar file as float32, checking the file holds it.
std::vector<float> readSidecar(const fs::path& file, const SidecarSlice& slice,
                               const std::string& where) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw BadInput(fmt::format("{}: the record needs {}, which cannot be opened", where, file.string()));
    std::error_code error;
    const auto size = static_cast<int64_t>(fs::file_size(file, error));
    if (error || slice.offset + slice.bytes > size)
        throw BadInput(fmt::format("{}: the record needs bytes [{}, {}) of {}, which has {} "
                                   "(truncated sidecar?)",
                                   where, slice.offset, slice.offset + slice.bytes, file.string(), size));
    std::vector<uint16_t> bits(static_cast<size_t>(slice.bytes / 2));
    in.seekg(slice.offset);
    in.read(reinterpret_cast<char*>(bits.data()), slice.bytes);
    if (!in) throw std::runtime_error(fmt::format("{}: reading {} failed", where, file.string()));
    std::vector<float> values(bits.size());
    for (size_t i = 0; i < bits.size(); ++i) {
        // Sidecars hold little-endian bfloat16 (torch's int16 view, written on x86 / ARM hosts).
        const uint16_t b = bits[i];
        values[i] = bf16BitsToFloat(std::endian::native == std::endian::little
                                        ? b : static_cast<uint16_t>((b << 8) | (b >> 8)));
        if (!std::isfinite(values[i]))
            throw BadInput(fmt::format("{}: {} holds {} at row {}, column {}", where,
                                       file.filename().string(), values[i],
                                       static_cast<int64_t>(i) / slice.shape[1],
                                       static_cast<int64_t>(i) % slice.shape[1]));
    }
    return values;
}

/// Writes the dumped-stream file of one layer from its records' sidecars.
int64_t writeDumped(const MegatronImportOptions& options, std::vector<SidecarRecord> records,
                    int64_t layer, int64_t experts) {
    if (records.empty() || !records.front().hiddenStates)
        throw BadInput(fmt::format("--dumped: the records of layer {} have no hidden-state sidecar "
                                   "(Megatron writes them with capture_hidden_states)", layer));
    std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
        return std::tie(a.step, a.rank, a.order) < std::tie(b.step, b.rank, b.order);
    });
    const bool withLogits = std::all_of(records.begin(), records.end(),
                                        [](const auto& r) { return r.logits.has_value(); });
    const int64_t width = records.front().hiddenStates->shape[1];
    DumpedFileWriter out(options.dumpedOut, options.overwrite);
    out.addMatrix("tokens", width);
    if (withLogits) out.addMatrix("logits", experts);
    // Each row's step, rank and record (its index in this order), so `moelab route --replay` can route every record as Megatron's
    // router did and compare step by step.
    out.addVector("step");
    out.addVector("rank");
    out.addVector("record");
    int64_t recordsWritten = 0;
    for (const SidecarRecord& r : records) {
        if (!r.hiddenStates)
            throw BadInput(fmt::format("{}: this record of layer {} has no hidden-state sidecar, "
                                       "the first one has", r.where, layer));
        if (r.hiddenStates->shape[1] != width)
            throw BadInput(fmt::format("{}: hidden states of width {}, earlier records have {}",
                                       r.where, r.hiddenStates->shape[1], width));
        const fs::path hsFile = r.directory / fmt::format("hidden_states_rank{}.bin", r.rank);
        const std::vector<float> tokens = readSidecar(hsFile, *r.hiddenStates, r.where);
        out.appendRows("tokens", tokens.data(), r.tokens);
        if (r.step > std::numeric_limits<int32_t>::max() || r.rank > std::numeric_limits<int32_t>::max())
            throw BadInput(fmt::format("{}: step or rank beyond 2^31", r.where));
        const std::vector<int32_t> step(static_cast<size_t>(r.tokens), static_cast<int32_t>(r.step));
        const std::vector<int32_t> rank(static_cast<size_t>(r.tokens), static_cast<int32_t>(r.rank));
        out.appendValues("step", step.data(), r.tokens);
        out.appendValues("rank", rank.data(), r.tokens);
        const std::vector<int32_t> record(static_cast<size_t>(r.tokens), static_cast<int32_t>(recordsWritten));
        out.appendValues("record", record.data(), r.tokens);
        ++recordsWritten;
        if (withLogits) {
            const fs::path logitFile = r.directory / fmt::format("logits_rank{}.bin", r.rank);
            const std::vector<float> logits = readSidecar(logitFile, *r.logits, r.where);
            out.appendRows("logits", logits.data(), r.tokens);
        }
    }
    out.setAttribute("source_model", std::string("Megatron-LM routing trace"));
    out.setAttribute("layer", layer);
    const int64_t rows = out.rows("tokens");
    out.commit();
    return rows;
}

void writeStringAttribute(hid_t object, const char* name, const std::string& value) {
    using io::h5::Handle;
    const Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    const Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    const Handle attribute(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                           H5Aclose);
    const char* text = value.c_str();
    if (!attribute.valid() || H5Awrite(attribute.get(), type.get(), &text) < 0)
        throw std::runtime_error(fmt::format("writing @{}: {}", name, io::h5::errorText()));
}

/// Adds what the trace writer does not know: where the data came from.
void writeProvenance(const std::string& path, const std::vector<std::string>& files,
                     const std::vector<int64_t>& layers) {
    using io::h5::Handle;
    const io::h5::ErrorPrintingOff quiet;
    const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) throw std::runtime_error(fmt::format("{}: cannot reopen: {}", path, io::h5::errorText()));
    writeStringAttribute(file.get(), "source", "Megatron-LM routing trace (moelab import megatron)");
    writeStringAttribute(file.get(), "source_files", fmt::format("{}", fmt::join(files, "\n")));
    for (size_t i = 0; i < layers.size(); ++i) {
        const Handle group(H5Gopen2(file.get(), fmt::format("layer_{}", i).c_str(), H5P_DEFAULT), H5Gclose);
        const Handle space(H5Screate(H5S_SCALAR), H5Sclose);
        const Handle attribute(H5Acreate2(group.get(), "source_layer", H5T_STD_I64LE, space.get(),
                                          H5P_DEFAULT, H5P_DEFAULT),
                               H5Aclose);
        if (!attribute.valid() || H5Awrite(attribute.get(), H5T_NATIVE_INT64, &layers[i]) < 0)
            throw std::runtime_error(fmt::format("{}: writing layer_{}/@source_layer: {}", path, i,
                                                 io::h5::errorText()));
    }
}

StepStats statsOf(int64_t step, const Aggregate& a, int64_t topk) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    StepStats s;
    s.step = step;
    s.demand = a.demand;
    s.load = a.load;
    s.dropped.resize(a.demand.size());
    for (size_t e = 0; e < a.demand.size(); ++e) s.dropped[e] = a.demand[e] - a.load[e];
    s.importance.assign(a.demand.size(), nan);
    s.meanScore.assign(a.demand.size(), nan);
    const double tokens = static_cast<double>(a.tokens);
    s.dropFraction = static_cast<double>(a.droppedAssignments) / (tokens * static_cast<double>(topk));
    s.tokenDropFraction = static_cast<double>(a.droppedTokens) / tokens;
    s.pickedOnceFraction = static_cast<double>(a.pickedOnce) / tokens;
    s.pickedManyFraction = static_cast<double>(a.pickedMany) / tokens;
    s.nullFraction = 0;
    fillDemandStatistics(s);
    s.routerEntropy = s.taskLoss = s.auxLoss = s.zLoss = s.importanceLoss = s.loadLoss = nan;
    s.seqAuxLoss = s.totalLoss = s.specialization = nan;
    s.capacity = a.capacity;
    return s;
}

/// Removes the partial trace unless the import finished.
class PartialFile {
public:
    explicit PartialFile(std::string path) : m_path(std::move(path)) {}
    ~PartialFile() {
        if (m_keep) return;
        std::error_code ignored;
        fs::remove(m_path, ignored);
    }
    PartialFile(const PartialFile&) = delete;
    PartialFile& operator=(const PartialFile&) = delete;
    void keep() { m_keep = true; }
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
    bool m_keep = false;
};

}  // namespace

std::string importedScenarioText(const MegatronImportOptions& options, int64_t experts, int64_t topk,
                                 const std::vector<std::string>& files) {
    std::string text = "; Imported from a Megatron-LM routing trace by `moelab import megatron`.\n";
    for (const std::string& f : files) text += fmt::format(";   {}\n", f);
    text += "; Each row merges the step's records of every rank; the capacity policy below was\n"
            "; applied to each record (one rank's forward pass) as its router saw it.\n";
    text += fmt::format("[model]\nexperts = {}\n\n[router]\nkind = token_choice\nk = {}\n"
                        "capacity_factor = {}\nmin_capacity = {}\npriority = {}\n",
                        experts, topk, options.capacityFactor, options.minCapacity,
                        enumName(options.priority));
    return text;
}

MegatronImportResult importMegatron(const MegatronImportOptions& options) {
    if (options.priority == Priority::Score)
        throw BadInput("--priority score needs router scores, which the records do not hold "
                       "(accepted: position | token)");
    if (!(options.capacityFactor >= 0) || !std::isfinite(options.capacityFactor))
        throw BadInput(fmt::format("--capacity-factor must be >= 0 (0 = dropless), not {}",
                                   options.capacityFactor));
    if (!options.overwrite && fs::exists(options.out))
        throw BadInput(fmt::format("{}: already exists (use --force to replace it)", options.out));

    MegatronImportResult result;
    const std::vector<std::string> files = collectFiles(options.inputs, result.notes);
    int64_t experts = options.experts;
    std::map<std::pair<int64_t, int64_t>, Aggregate> cells;  // (step, layer)
    std::map<int64_t, std::pair<int64_t, std::string>> topkOfLayer;  // k and where it was first seen
    std::map<int64_t, std::vector<SidecarRecord>> sidecars;  // by layer
    int64_t order = 0;

    for (const std::string& file : files) {
        std::ifstream in(file);
        if (!in) throw BadInput(fmt::format("{}: cannot open", file));
        std::string line;
        for (int64_t lineNumber = 1; std::getline(in, line); ++lineNumber) {
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            const std::string where = fmt::format("{}:{}", file, lineNumber);
            const MegatronRecord r = parseMegatronRecord(line, where);
            ++result.records;
            if (r.block == "mtp") {
                ++result.skippedMtpRecords;
                continue;
            }
            if (experts == 0) {
                if (!r.logits)
                    throw BadInput(fmt::format("{}: the expert count is unknown: give --experts E "
                                               "(these records hold only expert indices)", where));
                experts = r.logits->shape[1];
            }
            if (r.logits && r.logits->shape[1] != experts)
                throw BadInput(fmt::format("{}: logits have {} columns, but E = {}", where,
                                           r.logits->shape[1], experts));
            const auto [known, inserted] = topkOfLayer.try_emplace(r.layer, r.topk, where);
            if (!inserted && known->second.first != r.topk && r.numTokens > 0) {
                if (known->second.first == 0 && r.topk > 0) {
                    known->second = {r.topk, where};
                } else {
                    throw BadInput(fmt::format("{}: layer {} has topk = {}, but {} has topk = {}",
                                               where, r.layer, r.topk, known->second.second,
                                               known->second.first));
                }
            }
            const int k = static_cast<int>(r.topk);
            const int tokens = static_cast<int>(r.numTokens);
            IndexMatrix choice(tokens, k);
            for (int t = 0; t < tokens; ++t) {
                for (int j = 0; j < k; ++j) {
                    const int32_t e = r.topIndices[static_cast<size_t>(t * k + j)];
                    if (e >= experts)
                        throw BadInput(fmt::format("{}: token {} goes to expert {}, but E = {} "
                                                   "(experts 0 to {})", where, t, e, experts, experts - 1));
                    for (int i = 0; i < j; ++i)
                        if (choice(t, i) == e)
                            throw BadInput(fmt::format("{}: token {} lists expert {} twice", where, t, e));
                    choice(t, j) = e;
                }
            }
            const int64_t capacity = tokenChoiceCapacity(options.capacityFactor, std::max(k, 1),
                                                         tokens, static_cast<int>(experts),
                                                         static_cast<int>(options.minCapacity));
            const MaskMatrix kept = fillCapacity(choice, Matrix::Zero(tokens, k), capacity,
                                                 static_cast<int>(experts), options.priority);
            Aggregate& a = cells[{r.step, r.layer}];
            if (a.demand.empty()) {
                a.demand.assign(static_cast<size_t>(experts), 0.0);
                a.load.assign(static_cast<size_t>(experts), 0.0);
            }
            for (int t = 0; t < tokens; ++t) {
                int keptHere = 0;
                for (int j = 0; j < k; ++j) {
                    a.demand[static_cast<size_t>(choice(t, j))] += 1;
                    if (kept(t, j) != 0) {
                        a.load[static_cast<size_t>(choice(t, j))] += 1;
                        ++keptHere;
                    } else {
                        ++a.droppedAssignments;
                    }
                }
                a.droppedTokens += keptHere == 0 ? 1 : 0;
                a.pickedOnce += keptHere == 1 ? 1 : 0;
                a.pickedMany += keptHere >= 2 ? 1 : 0;
            }
            a.tokens += tokens;
            a.capacity = (capacity == kUnlimitedCapacity || a.capacity == kUnlimitedCapacity)
                             ? kUnlimitedCapacity : a.capacity + capacity;
            a.ranks.insert(r.rank);
            if (r.hiddenStates || r.logits)
                sidecars[r.layer].push_back({r.step, r.rank, order, fs::path(file).parent_path(),
                                             where, r.numTokens, r.hiddenStates, r.logits});
            ++order;
        }
    }
    if (cells.empty())
        throw BadInput(fmt::format("{}: no decoder routing records", fmt::join(files, ", ")));

    // Every step must hold every layer, each from the same ranks as at the other steps: a
    // missing rank or layer would otherwise show up as a silent drop in load.
    std::map<int64_t, std::set<int64_t>> ranksOfLayer;
    std::set<int64_t> steps, allRanks;
    for (const auto& [key, a] : cells) {
        steps.insert(key.first);
        ranksOfLayer[key.second].insert(a.ranks.begin(), a.ranks.end());
        allRanks.insert(a.ranks.begin(), a.ranks.end());
    }
    for (const auto& [layer, k] : topkOfLayer) {
        if (ranksOfLayer.count(layer) == 0) continue;
        result.layers.push_back(layer);
    }
    for (int64_t step : steps) {
        for (int64_t layer : result.layers) {
            const auto it = cells.find({step, layer});
            if (it == cells.end())
                throw BadInput(fmt::format("step {} has no record for layer {}, which other steps "
                                           "have (a rank stopped early, or files are missing?)",
                                           step, layer));
            if (it->second.ranks != ranksOfLayer[layer]) {
                std::vector<int64_t> missing;
                std::set_difference(ranksOfLayer[layer].begin(), ranksOfLayer[layer].end(),
                                    it->second.ranks.begin(), it->second.ranks.end(),
                                    std::back_inserter(missing));
                throw BadInput(fmt::format("step {}, layer {}: no record from rank(s) {}, which "
                                           "report this layer at other steps",
                                           step, layer, fmt::join(missing, ", ")));
            }
        }
    }
    result.ranks.assign(allRanks.begin(), allRanks.end());
    result.steps = static_cast<int64_t>(steps.size());
    result.experts = experts;

    PartialFile partial(options.out + ".partial");
    {
        io::TraceMetadata meta;
        meta.moelabVersion = options.moelabVersion;
        meta.scenario = importedScenarioText(options, experts, topkOfLayer.at(result.layers.front()).first, files);
        meta.seed = 0;
        meta.routerKind = "token_choice";
        meta.nExperts = static_cast<int>(experts);
        meta.nLayers = static_cast<int>(result.layers.size());
        io::TraceWriter writer(partial.path(), meta);
        for (int64_t step : steps)
            for (size_t i = 0; i < result.layers.size(); ++i)
                writer.append(static_cast<int>(i),
                              statsOf(step, cells.at({step, result.layers[i]}),
                                      std::max<int64_t>(1, topkOfLayer.at(result.layers[i]).first)));
        writer.close();
    }
    writeProvenance(partial.path(), files, result.layers);

    if (!options.dumpedOut.empty()) {
        const int64_t layer = options.dumpedLayer >= 0 ? options.dumpedLayer : result.layers.front();
        const auto it = sidecars.find(layer);
        if (std::find(result.layers.begin(), result.layers.end(), layer) == result.layers.end())
            throw BadInput(fmt::format("--dumped-layer {}: the records have no such MoE layer "
                                       "(layers: {})", layer, fmt::join(result.layers, ", ")));
        result.dumpedRows = writeDumped(options, it == sidecars.end() ? std::vector<SidecarRecord>{}
                                                                     : it->second,
                                        layer, experts);
    }
    std::error_code error;
    fs::rename(partial.path(), options.out, error);
    if (error)
        throw std::runtime_error(fmt::format("{}: cannot rename {} into place: {}", options.out,
                                             partial.path(), error.message()));
    partial.keep();
    return result;
}

}  // namespace moe::import
