// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

namespace moe {

/// Sets the number of worker threads (0 = all cores). Results never depend on it: work is split
/// into items (experts, fixed token chunks) whose computation does not depend on which thread
/// runs them, and reductions run in item order afterwards.
void setThreadCount(int threads);
int threadCount();

/// Below this much work (in flops) a loop runs on the calling thread: waking the workers costs
/// more than it saves (measured: the default scenario ran 2x slower threaded on 2 cores).
inline constexpr double kParallelMinFlops = 2e6;

/// Runs body(i) for i in [0, n) on the worker threads when the loop's total work `flops` is
/// large enough, else on the calling thread. body must only write to state owned by i, so the
/// result is the same either way.
template <typename Body>
void parallelFor(int64_t n, double flops, const Body& body) {
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (flops >= kParallelMinFlops && n > 1)
#else
    (void)flops;
#endif
    for (int64_t i = 0; i < n; ++i) body(i);
}

/// Rows per chunk when a token-major product is split: fixed, so that the split does not depend
/// on the thread count.
inline constexpr int64_t kTokenChunk = 1024;

}  // namespace moe
