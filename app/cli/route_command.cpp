// SPDX-License-Identifier: MIT
#include "app/cli/command_arguments.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/route_dispatch.h"
#include "app/cli/route_replay.h"
#include "app/cli/scenario_arguments.h"
#include "core/config/options.h"
#include "core/io/route_batch_reader.h"
#include "core/io/route_output_writer.h"
#include "core/metrics/step_metrics.h"
#include "core/metrics/soft_moe_metrics.h"
#include "core/routing/soft_moe_router.h"
#include "core/util/rng.h"

#include <boost/program_options.hpp>
#include <fmt/core.h>

#include <filesystem>
#include <memory>

namespace moe::app {
namespace {

struct RouteArguments {
    std::string input;
    std::string scenario;
    std::string out;
    bool force = false;
    bool replay = false;
};

/// Parses the command's own arguments; returns false after printing an error.
bool parseOwnArguments(const std::vector<std::string>& own, RouteArguments& r) {
    namespace po = boost::program_options;
    po::options_description desc("route options");
    desc.add_options()("out,o", po::value(&r.out), "output file to write")(
        "force", po::bool_switch(&r.force), "overwrite an existing output file")(
        "replay", po::bool_switch(&r.replay), "route every recorded step and write a trace")(
        "input", po::value(&r.input), "input batch")("scenario", po::value(&r.scenario),
                                                     "scenario file");
    po::positional_options_description positional;
    positional.add("input", 1).add("scenario", 1);
    po::variables_map vm;
    if (!parseCommandArguments("route", own, desc, positional, vm)) return false;
    if (r.input.empty() || r.out.empty()) {
        fmt::print(stderr,
                   "moelab route: usage: moelab route INPUT.h5 --out OUTPUT.h5 [--replay] [--force] "
                   "[SCENARIO.ini] [--section.key=value ...]\n");
        return false;
    }
    return true;
}

/// Soft MoE (ROUTING.md §4): routes /tokens with /phi [d, E*P] and its scale through the same
/// SoftMoeRouter the layer trains. E = columns / router.slots, so the scenario is loaded again
/// with model.experts fixed by the data once router.slots is known.
int routeSoftMoe(const RouteArguments& a, const io::RouteBatch& batch,
                 std::vector<std::string> overrides, int slots) {
    if (batch.hasLogits() || !batch.hasPhi()) {
        fmt::print(stderr, "moelab route: router.kind = soft_moe needs /tokens [T, d] with /phi "
                           "[d, E*P] (and its attribute scale); {} has {}\n",
                   a.input, batch.hasLogits() ? "/logits" : "no /phi");
        return kExitBadInput;
    }
    const auto columns = static_cast<int>(batch.phi.cols());
    if (columns % slots != 0) {
        fmt::print(stderr, "moelab route: /phi of {} has {} columns, not a multiple of "
                           "router.slots = {} (accepted: a divisor of the columns, E*P)\n",
                   a.input, columns, slots);
        return kExitBadInput;
    }
    overrides.push_back(fmt::format("--model.experts={}", columns / slots));
    overrides.push_back(fmt::format("--model.width={}", batch.width()));
    auto loaded = loadScenario(a.scenario, overrides);
    if (!loaded) {
        for (const Issue& issue : loaded.error()) fmt::print(stderr, "{}\n", issue.format());
        fmt::print(stderr, "moelab route: model.experts = {} and model.width = {} come from {}\n",
                   columns / slots, batch.width(), a.input);
        return kExitBadInput;
    }
    const ScenarioConfig& cfg = *loaded;
    SoftMoeRouter router(cfg.router, batch.phi, batch.phiScale);
    // Evaluation mode: no training noise.
    const SoftRouting& routing = router.route(batch.tokens, RouteContext{});
    const StepStats stats = softMoeMetrics(routing.mass, batch.domain);

    io::RouteOutputInfo info;
    info.routerKind = std::string(enumName(cfg.router.kind));
    info.moelabVersion = MOELAB_VERSION;
    info.scenario = cfg.scenarioText;
    if (auto written = io::writeSoftRouteOutput(a.out, routing, stats, info); !written) {
        fmt::print(stderr, "moelab route: {}\n", written.error());
        return kExitRuntimeFailure;
    }
    fmt::print("moelab route: {} -> {} ({}, from /tokens and /phi)\n", a.input, a.out,
               info.routerKind);
    fmt::print("  T = {}  E = {}  slots = {}  capacity = unlimited\n", routing.nTokens,
               routing.nExperts, routing.slots);
    fmt::print("  drop fraction {:.4f}  token drop fraction {:.4f}  load CV {:.4f}\n",
               stats.dropFraction, stats.tokenDropFraction, stats.loadCv);
    return kExitOk;
}

}  // namespace

int routeCommand(const std::vector<std::string>& args) {
    std::vector<std::string> overrides, own;
    splitArguments(args, overrides, own);
    RouteArguments a;
    if (!parseOwnArguments(own, a)) return kExitBadInput;
    if (std::filesystem::exists(a.out) && !a.force) {
        fmt::print(stderr, "moelab route: {} exists; refusing to overwrite it (pass --force)\n",
                   a.out);
        return kExitBadInput;
    }

    auto batch = io::readRouteBatch(a.input);
    if (!batch) {
        fmt::print(stderr, "moelab route: {}\n", batch.error());
        return kExitBadInput;
    }
    for (const std::string& note : batch->notes) fmt::print(stderr, "moelab route: {}\n", note);

    const std::vector<std::string> userOverrides = overrides;
    // The data fixes E (and d for tokens): appended last, they win over the file and the command
    // line, so the user never has to repeat them and they cannot disagree.
    overrides.push_back(fmt::format("--model.experts={}", batch->nExperts()));
    if (!batch->hasLogits()) overrides.push_back(fmt::format("--model.width={}", batch->width()));
    auto loaded = loadScenario(a.scenario, overrides);
    if (!loaded) {
        bool aboutSizes = false;
        for (const Issue& issue : loaded.error()) {
            fmt::print(stderr, "{}\n", issue.format());
            aboutSizes = aboutSizes || issue.key == "router.k" || issue.key == "router.groups" ||
                         issue.key.rfind("model.", 0) == 0;
        }
        // Those checks compare with sizes the user did not type: say where they come from.
        if (aboutSizes) {
            fmt::print(
                stderr, "moelab route: model.experts = {}{} come from {}\n", batch->nExperts(),
                batch->hasLogits() ? "" : fmt::format(" and model.width = {}", batch->width()),
                a.input);
        }
        return kExitBadInput;
    }
    const ScenarioConfig& cfg = *loaded;
    if (a.replay) return replayToTrace(cfg, *batch, a.input, a.out);
    if (cfg.router.kind == RouterKind::SoftMoe)
        return routeSoftMoe(a, *batch, userOverrides, cfg.router.slots);

    // Evaluation mode: no training noise. Second-expert sampling still draws u, from a stream
    // that the scenario's seed sets.
    Rng rng = Rng::derive(cfg.seed, "route");
    RouteContext ctx;
    ctx.training = false;
    ctx.rng = &rng;
    ctx.seqLen = cfg.stream.seqLen;
    std::unique_ptr<Router> router;
    BalanceLosses losses;
    const RoutingDecision* decision = routeBatch(cfg, *batch, ctx, router, losses);
    if (decision == nullptr) return kExitBadInput;

    StepStats stats = routingMetrics(*decision, batch->domain);
    stats.auxLoss = losses.aux;
    stats.zLoss = losses.z;
    stats.importanceLoss = losses.importance;
    stats.loadLoss = losses.load;
    stats.seqAuxLoss = losses.seqAux;
    stats.capacity = decision->capacity;

    io::RouteOutputInfo info;
    info.routerKind = std::string(enumName(cfg.router.kind));
    info.moelabVersion = MOELAB_VERSION;
    info.scenario = cfg.scenarioText;
    if (auto written = io::writeRouteOutput(a.out, *decision, stats, info); !written) {
        fmt::print(stderr, "moelab route: {}\n", written.error());
        return kExitRuntimeFailure;
    }

    const std::string capacity =
        decision->capacity == kUnlimitedCapacity ? "unlimited" : std::to_string(decision->capacity);
    fmt::print("moelab route: {} -> {} ({}, from /{})\n", a.input, a.out, info.routerKind,
               batch->hasLogits() ? "logits" : "tokens");
    fmt::print("  T = {}  E = {}  k = {}  capacity = {}\n", decision->nTokens, decision->nExperts,
               decision->k, capacity);
    fmt::print("  drop fraction {:.4f}  token drop fraction {:.4f}  load CV {:.4f}\n",
               stats.dropFraction, stats.tokenDropFraction, stats.loadCv);
    return kExitOk;
}

}  // namespace moe::app
