// SPDX-License-Identifier: MIT
#include "app/cli/run_loop.h"

#include "app/cli/trace_destination.h"
#include "core/config/event_options.h"
#include "core/config/options.h"
#include "core/io/trace_writer.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>

namespace moe::app {
namespace {

io::TraceSnapshot makeSnapshot(int64_t step, const RoutingDecision& d, const TokenBatch& batch) {
    io::TraceSnapshot snapshot;
    snapshot.step = step;
    snapshot.nTokens = d.nTokens;
    snapshot.domain = batch.domain;
    snapshot.tokenId = batch.tokenId;
    snapshot.choice.assign(d.choice.data(), d.choice.data() + d.choice.size());
    snapshot.kept.assign(d.kept.data(), d.kept.data() + d.kept.size());
    snapshot.weight.reserve(static_cast<size_t>(d.weight.size()));
    for (Eigen::Index i = 0; i < d.weight.size(); ++i)
        snapshot.weight.push_back(static_cast<float>(d.weight.data()[i]));
    return snapshot;
}

io::TraceMetadata traceMetadata(const Simulation& sim) {
    const ScenarioConfig& cfg = sim.config();
    io::TraceMetadata meta;
    meta.moelabVersion = MOELAB_VERSION;
    meta.scenario = cfg.scenarioText;
    meta.seed = cfg.seed;
    meta.routerKind = std::string(enumName(cfg.router.kind));
    // Every expert of the run, added ones and null experts (routing columns too) included.
    meta.nExperts = sim.traceExperts();
    meta.nDomains = sim.traceDomains();
    for (const EventConfig& event : cfg.events)
        meta.events += fmt::format("{}\t{}\t{}\n", event.at, event.name, describeEvent(event));
    if (cfg.trace.snapshotEvery > 0 && snapshotColumns(cfg) > 0) {
        meta.snapshotTokens = cfg.train.tokens;
        meta.snapshotColumns = snapshotColumns(cfg);
    }
    if (const auto* words = sim.stream().vocabulary()) meta.vocabulary = *words;
    if (const auto* names = sim.stream().domainNames()) meta.domainNames = *names;
    return meta;
}

/// Locks the hooks' trace mutex, if any, for one trace-file operation.
std::unique_lock<std::mutex> lockTrace(const RunHooks& hooks) {
    if (hooks.traceMutex == nullptr) return {};
    return std::unique_lock<std::mutex>(*hooks.traceMutex);
}

}  // namespace

int snapshotColumns(const ScenarioConfig& cfg) {
    switch (cfg.router.kind) {
        case RouterKind::SoftMoe:
            return 0;
        case RouterKind::ExpertChoice:
            return cfg.model.experts + cfg.model.nullExperts;
        default:
            return cfg.router.k;
    }
}

RunOutcome runToTrace(Simulation& sim, const std::string& tracePath, const RunHooks& hooks) {
    const ScenarioConfig& cfg = sim.config();
    const int snapshotEvery = snapshotColumns(cfg) > 0 ? cfg.trace.snapshotEvery : 0;
    io::TraceWriterOptions writerOptions;
    writerOptions.flushEvery = cfg.trace.flushEvery;
    writerOptions.compression = cfg.trace.compression;
    RunOutcome outcome;
    const auto start = std::chrono::steady_clock::now();
    std::error_code ec;
    if (!hooks.overwrite && std::filesystem::exists(tracePath, ec)) {
        outcome.status = RunStatus::Failed;
        outcome.error = tracePath + " exists; not overwriting it";
        return outcome;
    }
    const std::string partialPath = partialTracePath(tracePath);
    std::unique_ptr<io::TraceWriter> trace;
    try {
        auto lock = lockTrace(hooks);
        trace = std::make_unique<io::TraceWriter>(partialPath, traceMetadata(sim), writerOptions);
    } catch (const io::TraceError& e) {
        outcome.status = RunStatus::Failed;
        outcome.error = e.what();
        outcome.fileLevelFailure = true;
        return outcome;
    }
    outcome.tracePath = partialPath;

    try {
        while (sim.stepIndex() < cfg.train.steps) {
            if (hooks.beforeStep) hooks.beforeStep();
            if (hooks.stop != nullptr && hooks.stop->load() != 0) {
                outcome.status = RunStatus::Stopped;
                break;
            }
            const StepStats s = sim.step();
            ++outcome.steps;
            if (hooks.onStep) hooks.onStep(s);
            const RoutingDecision* decision = sim.layer().lastDecision();
            {
                auto lock = lockTrace(hooks);
                if (snapshotEvery > 0 && s.step % snapshotEvery == 0 && decision != nullptr)
                    trace->appendSnapshot(0, makeSnapshot(s.step, *decision, sim.lastBatch()));
                if (s.step % cfg.trace.every == 0) trace->append(0, s);
            }
        }
        auto lock = lockTrace(hooks);
        trace->close();
    } catch (const NonFiniteError& e) {
        outcome.status = RunStatus::Failed;
        outcome.error = e.what();
    } catch (const io::TraceError& e) {
        outcome.status = RunStatus::Failed;
        outcome.error = e.what();
        outcome.fileLevelFailure = true;
    }
    if (outcome.status == RunStatus::Failed) {
        try {
            auto lock = lockTrace(hooks);
            trace->close();  // keep every step recorded before the failure
        } catch (const io::TraceError& e) {
            outcome.error += std::string("; ") + e.what();
            outcome.fileLevelFailure = true;
        }
    }
    {
        // The writer's destructor may still touch the file (it is closed by now, but keep every
        // HDF5 call under the lock).
        auto lock = lockTrace(hooks);
        trace.reset();
    }
    if (outcome.status == RunStatus::Completed) {
        if (const auto published = publishTrace(partialPath, tracePath, hooks.overwrite)) {
            outcome.tracePath = tracePath;
        } else {
            outcome.status = RunStatus::Failed;
            outcome.error = published.error();
        }
    }
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return outcome;
}

}  // namespace moe::app
