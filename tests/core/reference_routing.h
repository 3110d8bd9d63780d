// SPDX-License-Identifier: MIT
// Plain-loop reference of token-choice routing from logits (ROUTING.md §1), written
// independently of core/routing: no Eigen, no shared helpers, long double arithmetic.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

namespace moe::reference {

struct Options {
    int k = 2;
    bool sigmoidScores = false;
    std::vector<double> bias;  // empty = zero
    int groups = 1;
    int topkGroup = 1;
    std::vector<double> secondExpertU;  // per token u; empty = keep all second choices
    int weightNorm = 0;                 // 0 none, 1 topk, 2 kept
    double weightScale = 1.0;
    double capacityFactor = 1.0;
    int minCapacity = 0;
    int priority = 0;  // 0 position, 1 token, 2 score
};

struct Result {
    std::vector<std::vector<int>> choice;      // [T][k]
    std::vector<std::vector<int>> kept;        // [T][k]
    std::vector<std::vector<double>> weight;   // [T][k]
    std::vector<std::vector<double>> scores;   // [T][E]
    long long capacity = -1;
};

inline Result route(const std::vector<std::vector<double>>& logits, const Options& o) {
    const int T = static_cast<int>(logits.size());
    const int E = static_cast<int>(logits[0].size());
    Result r;
    r.scores.assign(T, std::vector<double>(E));
    for (int t = 0; t < T; ++t) {
        if (o.sigmoidScores) {
            for (int e = 0; e < E; ++e) r.scores[t][e] = 1.0 / (1.0 + std::exp(-logits[t][e]));
        } else {
            long double mx = -INFINITY, sum = 0;
            for (int e = 0; e < E; ++e) mx = std::max<long double>(mx, logits[t][e]);
            for (int e = 0; e < E; ++e) sum += std::exp(static_cast<long double>(logits[t][e]) - mx);
            for (int e = 0; e < E; ++e)
                r.scores[t][e] = static_cast<double>(std::exp(logits[t][e] - mx) / sum);
        }
    }
    // Selection: repeatedly take the best remaining eligible expert.
    r.choice.assign(T, std::vector<int>(o.k, -1));
    const int gsize = E / o.groups;
    for (int t = 0; t < T; ++t) {
        std::vector<double> key(E);
        for (int e = 0; e < E; ++e) key[e] = r.scores[t][e] + (o.bias.empty() ? 0.0 : o.bias[e]);
        std::vector<bool> eligible(E, true);
        if (o.groups > 1 && o.topkGroup < o.groups) {
            std::vector<double> gscore(o.groups);
            for (int g = 0; g < o.groups; ++g) {
                std::vector<double> v(key.begin() + g * gsize, key.begin() + (g + 1) * gsize);
                std::sort(v.rbegin(), v.rend());
                gscore[g] = gsize >= 2 ? v[0] + v[1] : v[0];
            }
            std::vector<bool> gchosen(o.groups, false);
            for (int n = 0; n < o.topkGroup; ++n) {
                int best = -1;
                for (int g = 0; g < o.groups; ++g)
                    if (!gchosen[g] && (best < 0 || gscore[g] > gscore[best])) best = g;
                gchosen[best] = true;
            }
            for (int e = 0; e < E; ++e) eligible[e] = gchosen[e / gsize];
        }
        std::vector<bool> taken(E, false);
        for (int j = 0; j < o.k; ++j) {
            int best = -1;
            for (int e = 0; e < E; ++e)
                if (eligible[e] && !taken[e] && (best < 0 || key[e] > key[best])) best = e;
            taken[best] = true;
            r.choice[t][j] = best;
        }
    }
    std::vector<std::vector<double>> sel(T, std::vector<double>(o.k));
    for (int t = 0; t < T; ++t)
        for (int j = 0; j < o.k; ++j) sel[t][j] = r.scores[t][r.choice[t][j]];
    auto choice = r.choice;
    if (o.k == 2 && !o.secondExpertU.empty()) {
        for (int t = 0; t < T; ++t) {
            const double w2 = sel[t][1] / std::max(sel[t][0] + sel[t][1], 1.1920928955078125e-07);
            if (!(2 * w2 > o.secondExpertU[t])) choice[t][1] = -1;
        }
    }
    // Capacity.
    long long C = -1;
    if (o.capacityFactor > 0) {
        const double x = o.capacityFactor * o.k * T / E;
        C = std::max<long long>(o.minCapacity, static_cast<long long>(std::ceil(x - 1e-9)));
    }
    r.capacity = C;
    // Fill: build the visiting order explicitly, then fill sequentially.
    std::vector<std::pair<int, int>> order;
    if (o.priority == 1) {
        for (int t = 0; t < T; ++t)
            for (int j = 0; j < o.k; ++j) order.push_back({t, j});
    } else {
        for (int j = 0; j < o.k; ++j) {
            std::vector<int> toks(T);
            std::iota(toks.begin(), toks.end(), 0);
            if (o.priority == 2)
                std::stable_sort(toks.begin(), toks.end(),
                                 [&](int a, int b) { return sel[a][j] > sel[b][j]; });
            for (int t : toks) order.push_back({t, j});
        }
    }
    r.kept.assign(T, std::vector<int>(o.k, 0));
    std::vector<long long> count(E, 0);
    for (auto [t, j] : order) {
        const int e = choice[t][j];
        if (e < 0) continue;
        if (C < 0 || count[e] < C) {
            r.kept[t][j] = 1;
            ++count[e];
        }
    }
    r.choice = choice;
    // Weights.
    r.weight.assign(T, std::vector<double>(o.k, 0.0));
    for (int t = 0; t < T; ++t) {
        double denom = 1;
        if (o.weightNorm == 1) {
            denom = 0;
            for (int j = 0; j < o.k; ++j) denom += sel[t][j];
        } else if (o.weightNorm == 2) {
            denom = 0;
            for (int j = 0; j < o.k; ++j)
                if (r.kept[t][j]) denom += sel[t][j];
        }
        if (o.weightNorm != 0) denom = std::max(denom, 1.1920928955078125e-07);
        for (int j = 0; j < o.k; ++j)
            if (r.kept[t][j]) r.weight[t][j] = o.weightScale * sel[t][j] / denom;
    }
    return r;
}

}  // namespace moe::reference
