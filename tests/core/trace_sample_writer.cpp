// SPDX-License-Identifier: MIT
// Writes the sample trace that check_trace_h5py.py inspects with h5py: 2 layers, E = 4, 300
// steps in blocks of 64. The values follow formulas the script repeats:
//   step = s, load_cv = s / 256 + 10 l, capacity = 100 + s, specialization = NaN,
//   demand[s, e] = s + e / 4 + 1000 l; every other value is 0.5.
#include "core/io/trace_writer.h"

#include <cstdio>
#include <exception>
#include <limits>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s TRACE.h5\n", argv[0]);
        return 2;
    }
    constexpr int kExperts = 4;
    constexpr int kLayers = 2;
    try {
        moe::io::TraceMetadata meta;
        meta.moelabVersion = "sample";
        meta.scenario = "[router]\nkind = token_choice\nk = 2\n# µ\n";
        meta.seed = 42;
        meta.routerKind = "token_choice";
        meta.nExperts = kExperts;
        meta.nLayers = kLayers;
        moe::io::TraceWriter writer(argv[1], meta, {64, 1e9, 4});
        for (int64_t s = 0; s < 300; ++s) {
            for (int layer = 0; layer < kLayers; ++layer) {
                moe::StepStats stats;
                stats.step = s;
                stats.dropFraction = stats.tokenDropFraction = stats.maxOverMean = 0.5;
                stats.loadEntropy = stats.routerEntropy = stats.deadExperts = 0.5;
                stats.collapse = stats.taskLoss = stats.auxLoss = stats.zLoss = 0.5;
                stats.importanceLoss = stats.loadLoss = stats.seqAuxLoss = 0.5;
                stats.totalLoss = stats.pickedOnceFraction = stats.pickedManyFraction = 0.5;
                stats.nullFraction = 0.5;
                stats.loadCv = static_cast<double>(s) / 256.0 + 10.0 * layer;
                stats.capacity = 100 + s;
                stats.specialization = std::numeric_limits<double>::quiet_NaN();
                for (int e = 0; e < kExperts; ++e) {
                    stats.demand.push_back(static_cast<double>(s) + e / 4.0 + 1000.0 * layer);
                    stats.load.push_back(0.5);
                    stats.dropped.push_back(0.5);
                    stats.importance.push_back(0.5);
                    stats.meanScore.push_back(0.5);
                }
                writer.append(layer, stats);
            }
        }
        writer.close();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "%s\n", error.what());
        return 1;
    }
    return 0;
}
