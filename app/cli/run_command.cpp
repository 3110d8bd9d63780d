// SPDX-License-Identifier: MIT
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "app/cli/command_arguments.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/run_loop.h"
#include "app/cli/run_summary.h"
#include "app/cli/scenario_arguments.h"
#include "app/cli/trace_destination.h"
#include "core/config/options.h"
#include "core/sim/simulation.h"

namespace moe::app {
namespace {

std::atomic<int> g_stopSignal{0};

extern "C" void onStopSignal(int signal) { g_stopSignal.store(signal); }

struct RunArguments {
    std::string scenario;
    std::string out;
    bool force = false;
    bool quiet = false;
};

/// Parses the command's own arguments; returns false after printing an error.
bool parseOwnArguments(const std::vector<std::string>& own, RunArguments& r) {
    namespace po = boost::program_options;
    po::options_description desc("run options");
    desc.add_options()("out,o", po::value(&r.out), "trace file to write (default: SCENARIO.h5)")(
        "force", po::bool_switch(&r.force), "overwrite an existing trace")(
        "quiet,q", po::bool_switch(&r.quiet), "no progress line")(
        "scenario", po::value(&r.scenario), "scenario file");
    po::positional_options_description positional;
    positional.add("scenario", 1);
    po::variables_map vm;
    return parseCommandArguments("run", own, desc, positional, vm);
}

std::string defaultTracePath(const std::string& scenario) {
    if (scenario.empty()) return "moelab-run.h5";
    return std::filesystem::path(scenario).stem().string() + ".h5";
}

void printProgress(const StepStats& s, int64_t total, double elapsed) {
    const double rate = static_cast<double>(s.step + 1) / std::max(elapsed, 1e-9);
    const double eta = static_cast<double>(total - s.step - 1) / std::max(rate, 1e-9);
    fmt::print(stderr, "\rstep {}/{}  {:.1f} steps/s  ETA {:.0f} s  drop {:.3f}  load CV {:.3f}   ",
               s.step + 1, total, rate, eta, s.dropFraction, s.loadCv);
}

/// "k=2, capacity factor 1" and the like: what sets how many assignments each expert takes.
std::string routingShape(const RouterConfig& r) {
    const double cf = r.effectiveCapacityFactor();
    switch (r.kind) {
        case RouterKind::SoftMoe:
            return fmt::format("{} slots per expert, no capacity", r.slots);
        case RouterKind::ExpertChoice:
            return isExactlyZero(cf) ? "every expert takes every token"
                                     : fmt::format("capacity factor {} (C tokens per expert)", cf);
        default:
            return fmt::format("k={}, {}", r.k,
                               isExactlyZero(cf) ? std::string("dropless")
                                                 : fmt::format("capacity factor {}", cf));
    }
}

}  // namespace

int runCommand(const std::vector<std::string>& args) {
    std::vector<std::string> overrides, own;
    splitArguments(args, overrides, own);
    RunArguments a;
    if (!parseOwnArguments(own, a)) return kExitBadInput;

    auto loaded = loadScenario(a.scenario, overrides);
    if (!loaded) {
        for (const Issue& issue : loaded.error()) fmt::print(stderr, "{}\n", issue.format());
        return kExitBadInput;
    }
    const ScenarioConfig& cfg = *loaded;
    const std::string out = a.out.empty() ? defaultTracePath(a.scenario) : a.out;
    const std::string partial = partialTracePath(out);
    if (!a.force && std::filesystem::exists(out)) {
        fmt::print(stderr, "moelab run: {} exists; refusing to overwrite it (pass --force to "
                           "replace it)\n", out);
        return kExitBadInput;
    }
    if (!a.force && std::filesystem::exists(partial)) {
        fmt::print(stderr, "moelab run: {} exists, left by a run that did not complete; "
                           "refusing to overwrite it (move it away, or pass --force to replace "
                           "it)\n", partial);
        return kExitBadInput;
    }
    if (const auto writable = checkTraceDestination(out); !writable) {
        fmt::print(stderr, "moelab run: {}\n", writable.error());
        return kExitBadInput;
    }

    std::unique_ptr<Simulation> sim;
    try {
        sim = std::make_unique<Simulation>(cfg);
    } catch (const std::invalid_argument& e) {
        fmt::print(stderr, "{}: {}\n", a.scenario.empty() ? "command line" : a.scenario, e.what());
        return kExitBadInput;
    }

    if (cfg.trace.snapshotEvery > 0 && snapshotColumns(cfg) == 0)
        fmt::print(stderr, "moelab run: note: soft_moe makes no per-token decision; "
                           "trace.snapshot_every is ignored\n");

    std::signal(SIGINT, onStopSignal);
    std::signal(SIGTERM, onStopSignal);
    // A file size limit (ulimit -f) then fails the write with EFBIG, reported like a full disk,
    // instead of killing the process half-way through a flush.
    std::signal(SIGXFSZ, SIG_IGN);
    const bool showProgress = !a.quiet && isatty(STDERR_FILENO);
    const auto start = std::chrono::steady_clock::now();
    auto lastPrint = start;
    RunSummary summary;
    RunHooks hooks;
    hooks.stop = &g_stopSignal;
    hooks.overwrite = a.force;
    hooks.onStep = [&](const StepStats& s) {
        summary.add(s);
        const auto now = std::chrono::steady_clock::now();
        if (showProgress && now - lastPrint > std::chrono::milliseconds(200)) {
            printProgress(s, cfg.train.steps, std::chrono::duration<double>(now - start).count());
            lastPrint = now;
        }
    };
    const RunOutcome outcome = runToTrace(*sim, out, hooks);
    int exitCode = kExitOk;
    if (outcome.status == RunStatus::Stopped) {
        fmt::print(stderr, "\nmoelab run: stopped by signal {} after {} steps\n", g_stopSignal.load(),
                   sim->stepIndex());
        exitCode = kExitInterrupted;
    } else if (outcome.status == RunStatus::Failed) {
        fmt::print(stderr, "\nmoelab run: {}\n", outcome.error);
        exitCode = kExitRuntimeFailure;
    }
    if (outcome.status != RunStatus::Completed && !outcome.tracePath.empty())
        fmt::print(stderr, "moelab run: the steps recorded so far are in {}{}\n", outcome.tracePath,
                   std::filesystem::exists(out) ? fmt::format("; {} is unchanged", out) : "");
    const double seconds = outcome.seconds;
    if (showProgress) fmt::print(stderr, "\n");

    const auto& r = cfg.router;
    fmt::print("moelab run: {} -> {}\n", a.scenario.empty() ? "(defaults)" : a.scenario,
               outcome.tracePath.empty() ? out : outcome.tracePath);
    fmt::print("  {} steps in {:.2f} s ({:.1f} steps/s, {:.0f} tokens/s)\n", summary.steps(),
               seconds, static_cast<double>(summary.steps()) / seconds,
               static_cast<double>(summary.steps()) * cfg.train.tokens / seconds);
    fmt::print("  router {}, E={}, {}, T={} tokens/step, stream {}\n", enumName(r.kind),
               cfg.model.experts, routingShape(r), cfg.train.tokens, enumName(cfg.stream.kind));
    if (summary.steps() > 0) fmt::print("{}", summary.format());
    if (outcome.fileLevelFailure) {
        std::fflush(nullptr);
        std::_Exit(kExitRuntimeFailure);
    }
    return exitCode;
}

}  // namespace moe::app
