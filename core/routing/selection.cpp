// SPDX-License-Identifier: MIT
#include "core/routing/selection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "core/routing/routing_decision.h"
#include "core/util/assert.h"

namespace moe {
namespace {

/// Sort key that puts NaN below every number, so the order stays a strict weak ordering.
inline double rankKey(Scalar v) {
    return std::isnan(v) ? -std::numeric_limits<double>::infinity() : static_cast<double>(v);
}

/// True if expert a ranks before expert b: larger score first, then lower index.
inline bool ranksBefore(double va, int a, double vb, int b) {
    if (va > vb) return true;
    if (va < vb) return false;
    return a < b;
}

/// Fills `out` with the indices of the n best entries among `candidates` (by key, ties lower id).
void bestOf(const double* key, std::vector<int>& candidates, int n, int32_t* out) {
    std::partial_sort(candidates.begin(), candidates.begin() + n, candidates.end(),
                      [key](int a, int b) { return ranksBefore(key[a], a, key[b], b); });
    for (int j = 0; j < n; ++j) out[j] = candidates[static_cast<size_t>(j)];
}

}  // namespace

IndexMatrix selectTopK(const Matrix& selectionScores, int k, int groups, int topkGroup) {
    const int nTokens = static_cast<int>(selectionScores.rows());
    const int nExperts = static_cast<int>(selectionScores.cols());
    MOELAB_ASSERT(k >= 1 && k <= nExperts, "k out of range");
    MOELAB_ASSERT(groups >= 1 && nExperts % groups == 0, "experts must split into equal groups");
    const int groupSize = nExperts / groups;
    const bool limitGroups = groups > 1 && topkGroup < groups;
    MOELAB_ASSERT(!limitGroups || k <= topkGroup * groupSize, "k exceeds eligible experts");

    IndexMatrix choice(nTokens, k);
    std::vector<double> key(static_cast<size_t>(nExperts));
    std::vector<int> candidates;
    std::vector<double> groupKey(static_cast<size_t>(groups));
    std::vector<int> groupOrder(static_cast<size_t>(groups));
    std::vector<int32_t> bestGroups(static_cast<size_t>(std::max(topkGroup, 1)));
    for (int t = 0; t < nTokens; ++t) {
        for (int e = 0; e < nExperts; ++e)
            key[static_cast<size_t>(e)] = rankKey(selectionScores(t, e));
        candidates.clear();
        if (limitGroups) {
            // DeepSeek-V3 group-limited routing: a group's score is the sum of its two best,
            // summed in fp32 like the reference (scores.view(n, groups, -1).topk(2).sum(-1)).
            for (int g = 0; g < groups; ++g) {
                Scalar best1 = -std::numeric_limits<Scalar>::infinity();
                Scalar best2 = -std::numeric_limits<Scalar>::infinity();
                for (int e = g * groupSize; e < (g + 1) * groupSize; ++e) {
                    const auto v = static_cast<Scalar>(key[static_cast<size_t>(e)]);
                    if (v > best1) {
                        best2 = best1;
                        best1 = v;
                    } else if (v > best2) {
                        best2 = v;
                    }
                }
                groupKey[static_cast<size_t>(g)] = groupSize >= 2 ? rankKey(best1 + best2) : rankKey(best1);
            }
            std::iota(groupOrder.begin(), groupOrder.end(), 0);
            bestOf(groupKey.data(), groupOrder, topkGroup, bestGroups.data());
            std::sort(bestGroups.begin(), bestGroups.begin() + topkGroup);
            for (int i = 0; i < topkGroup; ++i)
                for (int e = bestGroups[static_cast<size_t>(i)] * groupSize;
                     e < (bestGroups[static_cast<size_t>(i)] + 1) * groupSize; ++e)
                    candidates.push_back(e);
        } else {
            candidates.resize(static_cast<size_t>(nExperts));
            std::iota(candidates.begin(), candidates.end(), 0);
        }
        bestOf(key.data(), candidates, k, choice.row(t).data());
    }
    return choice;
}

int64_t tokenChoiceCapacity(double capacityFactor, int k, int nTokens, int nExperts,
                            int minCapacity) {
    MOELAB_ASSERT(capacityFactor >= 0 && nExperts > 0, "bad capacity arguments");
    if (isExactlyZero(capacityFactor)) return kUnlimitedCapacity;
    const double x = capacityFactor * static_cast<double>(k) * static_cast<double>(nTokens) /
                     static_cast<double>(nExperts);
    const auto c = static_cast<int64_t>(std::ceil(x - 1e-9));
    return std::max<int64_t>(minCapacity, c);
}

MaskMatrix fillCapacity(const IndexMatrix& choice, const Matrix& choiceScore, int64_t capacity,
                        int nExperts, Priority priority) {
    const int nTokens = static_cast<int>(choice.rows());
    const int k = static_cast<int>(choice.cols());
    MaskMatrix kept = MaskMatrix::Zero(nTokens, k);
    std::vector<int64_t> count(static_cast<size_t>(nExperts), 0);
    auto offer = [&](int t, int j) {
        const int e = choice(t, j);
        if (e < 0) return;  // discarded by the second-expert policy: neither kept nor dropped
        int64_t& c = count[static_cast<size_t>(e)];
        if (capacity == kUnlimitedCapacity || c < capacity) {
            kept(t, j) = 1;
            ++c;
        }
    };
    switch (priority) {
        case Priority::Position:  // choice-major, then token order (GShard, Flaxformer)
            for (int j = 0; j < k; ++j)
                for (int t = 0; t < nTokens; ++t) offer(t, j);
            break;
        case Priority::Token:  // token-major (DeepSpeed topkgating drop_policy "position")
            for (int t = 0; t < nTokens; ++t)
                for (int j = 0; j < k; ++j) offer(t, j);
            break;
        case Priority::Score: {  // Batch Prioritized Routing (V-MoE), per choice rank
            std::vector<int> order(static_cast<size_t>(nTokens));
            for (int j = 0; j < k; ++j) {
                std::iota(order.begin(), order.end(), 0);
                std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
                    return rankKey(choiceScore(a, j)) > rankKey(choiceScore(b, j));
                });
                for (int t : order) offer(t, j);
            }
            break;
        }
        default:
            MOELAB_ASSERT(false, "unknown priority");
    }
    return kept;
}

}  // namespace moe
