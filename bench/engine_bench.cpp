// SPDX-License-Identifier: MIT
// Throughput of the engine's hot paths. Run: build/release/bench/engine_bench
// Reports tokens/s (items) and, for products, achieved GFLOP/s as a counter.
#include <benchmark/benchmark.h>

#include "core/config/options.h"
#include "core/routing/token_choice_router.h"
#include "core/sim/simulation.h"
#include "core/util/parallel.h"

namespace moe {
namespace {

ScenarioConfig config(const std::vector<std::string>& overrides) {
    auto c = loadScenario("", overrides);
    if (!c) throw std::runtime_error(c.error().front().format());
    return *c;
}

Matrix randomMatrix(int rows, int cols, Rng& rng) {
    Matrix m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Scalar>(rng.normal());
    return m;
}

/// Token-choice top-2 routing from tokens (logits GEMM included), capacity factor 1.25.
void BM_RouteTop2(benchmark::State& state) {
    const auto T = static_cast<int>(state.range(0));
    const auto d = static_cast<int>(state.range(1));
    const auto E = static_cast<int>(state.range(2));
    const ScenarioConfig cfg = config({"model.experts=" + std::to_string(E), "router.k=2",
                                       "router.capacity_factor=1.25"});
    Rng rng(1);
    TokenChoiceRouter router(cfg.router, cfg.loss, randomMatrix(d, E, rng));
    const Matrix x = randomMatrix(T, d, rng);
    RouteContext ctx;
    for (auto _ : state) benchmark::DoNotOptimize(router.route(x, ctx).weight.data());
    state.SetItemsProcessed(state.iterations() * T);
    state.counters["GFLOP/s(gemm)"] = benchmark::Counter(
        2.0 * T * d * E * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RouteTop2)->Args({16384, 512, 64})->Args({65536, 1024, 64})->Args({16384, 512, 256})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

/// One full training step (stream, teacher, forward, losses, backward, Adam).
void BM_TrainStep(benchmark::State& state) {
    const auto T = static_cast<int>(state.range(0));
    const auto d = static_cast<int>(state.range(1));
    const auto E = static_cast<int>(state.range(2));
    const auto h = static_cast<int>(state.range(3));
    const auto k = static_cast<int>(state.range(4));
    Simulation sim(config({"train.tokens=" + std::to_string(T), "model.width=" + std::to_string(d),
                           "model.experts=" + std::to_string(E), "model.hidden=" + std::to_string(h),
                           "router.k=" + std::to_string(k), "router.capacity_factor=1.25"}));
    for (auto _ : state) benchmark::DoNotOptimize(sim.step().taskLoss);
    state.SetItemsProcessed(state.iterations() * T);
}
BENCHMARK(BM_TrainStep)
    ->Args({1024, 32, 16, 64, 2})      // the default scenario
    ->Args({4096, 256, 16, 1024, 2})   // E = 16 FFN experts 256 -> 1024 -> 256
    ->Args({8192, 512, 64, 512, 2})    // 64 experts, d = 512
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace moe

BENCHMARK_MAIN();
