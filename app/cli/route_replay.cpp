// SPDX-License-Identifier: MIT
#include "app/cli/route_replay.h"

#include <fmt/core.h>

#include <filesystem>
#include <system_error>
#include <vector>

#include "app/cli/exit_codes.h"
#include "app/cli/route_dispatch.h"
#include "core/io/dumped_file.h"
#include "core/io/hdf5_util.h"
#include "core/io/trace_error.h"
#include "core/io/trace_writer.h"
#include "core/metrics/step_merge.h"
#include "core/metrics/step_metrics.h"
#include "core/util/rng.h"

namespace moe::app {
namespace {

/// /NAME [N] of the input, or empty when the file has no such dataset; nullopt after printing
/// an error.
std::optional<std::vector<int32_t>> readColumn(const io::DumpedFile& file, const std::string& name,
                                               int64_t rows) {
    if (!file.has(name)) return std::vector<int32_t>{};
    auto dataset = file.openDataset(name, 1, "[N]", uint64_t{1} << 31, "2^31");
    if (!dataset) {
        fmt::print(stderr, "moelab route: {}\n", dataset.error());
        return std::nullopt;
    }
    if (static_cast<int64_t>(dataset->dims[0]) != rows) {
        fmt::print(stderr, "moelab route: {}\n",
                   file.error(name, fmt::format("has {} entries, /logits has {} rows",
                                                dataset->dims[0], rows)));
        return std::nullopt;
    }
    std::vector<int32_t> values(static_cast<size_t>(rows));
    if (auto error = file.readLabels(*dataset, 0, dataset->dims[0], values.data())) {
        fmt::print(stderr, "moelab route: {}\n", *error);
        return std::nullopt;
    }
    return values;
}

}  // namespace

int replayToTrace(const ScenarioConfig& cfg, const io::RouteBatch& batch, const std::string& input,
                  const std::string& out) {
    if (!batch.hasLogits()) {
        fmt::print(stderr, "moelab route --replay: {} has no /logits to replay\n", input);
        return kExitBadInput;
    }
    const int64_t rows = batch.logits.rows();
    std::vector<int32_t> step, rank, record;
    {
        const io::h5::ErrorPrintingOff quiet;
        io::DumpedFile file(input);
        if (auto error = file.open()) {
            fmt::print(stderr, "moelab route: {}\n", *error);
            return kExitBadInput;
        }
        auto s = readColumn(file, "step", rows);
        auto r = readColumn(file, "rank", rows);
        auto c = readColumn(file, "record", rows);
        if (!s || !r || !c) return kExitBadInput;
        if (s->empty()) {
            fmt::print(stderr, "moelab route --replay: {} has no /step [N] saying which step each "
                               "row belongs to (moelab import megatron --dumped writes it)\n", input);
            return kExitBadInput;
        }
        for (size_t i = 1; i < s->size(); ++i) {
            if ((*s)[i] < (*s)[i - 1]) {
                fmt::print(stderr, "moelab route --replay: {}: /step goes back from {} to {} at "
                                   "row {}; rows must be in step order\n",
                           input, (*s)[i - 1], (*s)[i], i);
                return kExitBadInput;
            }
        }
        step = std::move(*s);
        rank = std::move(*r);
        record = std::move(*c);
    }
    auto callOf = [&](int64_t row) {
        const size_t i = static_cast<size_t>(row);
        return !record.empty() ? int64_t{record[i]} : !rank.empty() ? int64_t{rank[i]} : 0;
    };

    Rng rng = Rng::derive(cfg.seed, "route");
    RouteContext ctx;
    ctx.training = false;
    ctx.rng = &rng;
    ctx.seqLen = cfg.stream.seqLen;

    io::TraceMetadata meta;
    meta.moelabVersion = MOELAB_VERSION;
    meta.scenario = cfg.scenarioText;
    meta.seed = cfg.seed;
    meta.routerKind = std::string(enumName(cfg.router.kind));
    meta.nExperts = static_cast<int>(batch.nExperts());
    const std::string partial = out + ".partial";
    int64_t steps = 0;
    try {
        io::TraceWriter trace(partial, meta);
        std::vector<StepPart> parts;
        for (int64_t begin = 0; begin < rows;) {
            int64_t end = begin + 1;
            while (end < rows && step[static_cast<size_t>(end)] == step[static_cast<size_t>(begin)] &&
                   callOf(end) == callOf(begin))
                ++end;
            io::RouteBatch call;
            call.logits = batch.logits.middleRows(begin, end - begin);
            std::unique_ptr<Router> router;
            BalanceLosses losses;
            const RoutingDecision* decision = routeBatch(cfg, call, ctx, router, losses);
            if (decision == nullptr) {
                std::filesystem::remove(partial);
                return kExitBadInput;
            }
            StepPart part{routingMetrics(*decision, {}), end - begin, decision->k};
            part.stats.step = step[static_cast<size_t>(begin)];
            part.stats.auxLoss = losses.aux;
            part.stats.zLoss = losses.z;
            part.stats.importanceLoss = losses.importance;
            part.stats.loadLoss = losses.load;
            part.stats.seqAuxLoss = losses.seqAux;
            part.stats.capacity = decision->capacity;
            parts.push_back(std::move(part));
            if (end == rows || step[static_cast<size_t>(end)] != step[static_cast<size_t>(begin)]) {
                trace.append(0, mergeStepParts(parts));
                parts.clear();
                ++steps;
            }
            begin = end;
        }
        trace.close();
    } catch (const io::TraceError& e) {
        std::error_code ignored;
        std::filesystem::remove(partial, ignored);
        fmt::print(stderr, "moelab route: {}\n", e.what());
        return kExitRuntimeFailure;
    }
    std::error_code error;
    std::filesystem::rename(partial, out, error);
    if (error) {
        fmt::print(stderr, "moelab route: cannot rename {} to {}: {}\n", partial, out, error.message());
        return kExitRuntimeFailure;
    }
    fmt::print("moelab route --replay: {} -> {} ({}, {} rows, {} steps)\n", input, out,
               meta.routerKind, rows, steps);
    return kExitOk;
}

}  // namespace moe::app
