// SPDX-License-Identifier: MIT
#include "core/metrics/step_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/util/assert.h"

namespace moe {
namespace {

double entropyOfCounts(const std::vector<double>& counts) {
    double total = 0;
    for (double c : counts) total += c;
    if (total <= 0) return 0;
    double h = 0;
    for (double c : counts)
        if (c > 0) h -= (c / total) * std::log(c / total);
    return h;
}

}  // namespace

double normalizedEntropy(const std::vector<double>& counts) {
    if (counts.size() == 1) return 1.0;
    double total = 0;
    for (double c : counts) total += c;
    if (total <= 0) return 0.0;
    // Clamped: rounding can put a perfectly balanced load a few ulps above 1.
    return std::clamp(entropyOfCounts(counts) / std::log(static_cast<double>(counts.size())), 0.0, 1.0);
}

double normalizedMutualInformation(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
    MOELAB_ASSERT(a.size() == b.size(), "labelings must have the same length");
    const auto n = static_cast<double>(a.size());
    if (a.empty()) return 0.0;
    std::map<int32_t, double> countA, countB;
    std::map<std::pair<int32_t, int32_t>, double> joint;
    for (size_t i = 0; i < a.size(); ++i) {
        countA[a[i]] += 1;
        countB[b[i]] += 1;
        joint[{a[i], b[i]}] += 1;
    }
    if (countA.size() == 1 && countB.size() == 1) return 1.0;
    if (countA.size() == 1 || countB.size() == 1) return 0.0;
    double mi = 0;
    for (const auto& [key, nij] : joint)
        mi += nij / n * std::log(n * nij / (countA[key.first] * countB[key.second]));
    auto entropy = [n](const std::map<int32_t, double>& counts) {
        double h = 0;
        for (const auto& [label, c] : counts) h -= c / n * std::log(c / n);
        return h;
    };
    const double denom = 0.5 * (entropy(countA) + entropy(countB));
    return std::clamp(mi / denom, 0.0, 1.0);
}

void fillDemandStatistics(StepStats& s) {
    const auto nE = static_cast<double>(s.demand.size());
    double mean = 0;
    for (double x : s.demand) mean += x;
    mean /= nE;
    double var = 0;
    double maxDemand = 0;
    s.deadExperts = 0;
    for (double x : s.demand) {
        var += (x - mean) * (x - mean);
        maxDemand = std::max(maxDemand, x);
        if (isExactlyZero(x)) s.deadExperts += 1;
    }
    var /= nE;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    s.loadCv = mean > 0 ? std::sqrt(var) / mean : nan;
    s.maxOverMean = mean > 0 ? maxDemand / mean : nan;
    s.loadEntropy = normalizedEntropy(s.demand);
    s.collapse = 1.0 - s.loadEntropy;
}

std::vector<int32_t> firstChoices(const RoutingDecision& d) {
    std::vector<int32_t> first(static_cast<size_t>(d.nTokens));
    for (int t = 0; t < d.nTokens; ++t) {
        int32_t best = d.columnPerExpert ? -1 : d.choice(t, 0);
        if (d.columnPerExpert)
            for (int j = 0; j < d.k; ++j)
                if (d.kept(t, j) && (best < 0 || d.weight(t, j) > d.weight(t, best))) best = j;
        first[static_cast<size_t>(t)] = best;
    }
    return first;
}

double vocabularySpecialization(const std::vector<int32_t>& tokenId,
                                const std::vector<int32_t>& firstChoice, int minCount) {
    MOELAB_ASSERT(tokenId.size() == firstChoice.size(), "one first choice per token");
    // Counts per (token id, expert) in one sort: pairs sorted by id then expert.
    std::vector<std::pair<int32_t, int32_t>> pairs;
    pairs.reserve(tokenId.size());
    for (size_t t = 0; t < tokenId.size(); ++t)
        if (firstChoice[t] >= 0) pairs.emplace_back(tokenId[t], firstChoice[t]);
    std::sort(pairs.begin(), pairs.end());
    double routed = 0, toTop = 0;
    for (size_t i = 0; i < pairs.size();) {
        size_t end = i;
        int64_t best = 0;
        while (end < pairs.size() && pairs[end].first == pairs[i].first) {
            size_t run = end;
            while (run < pairs.size() && pairs[run] == pairs[end]) ++run;
            best = std::max<int64_t>(best, static_cast<int64_t>(run - end));
            end = run;
        }
        if (static_cast<int64_t>(end - i) >= minCount) {
            routed += static_cast<double>(end - i);
            toTop += static_cast<double>(best);
        }
        i = end;
    }
    return routed > 0 ? toTop / routed : std::numeric_limits<double>::quiet_NaN();
}

StepStats routingMetrics(const RoutingDecision& d, const std::vector<int32_t>& domain,
                         int nullExperts) {
    const int nTokens = d.nTokens;
    const int nExperts = d.nExperts;
    const int k = d.k;
    const auto nE = static_cast<size_t>(nExperts);
    StepStats s;
    s.capacity = d.capacity;
    s.demand.assign(nE, 0.0);
    s.load.assign(nE, 0.0);
    s.dropped.assign(nE, 0.0);
    s.importance.assign(nE, 0.0);
    s.meanScore.assign(nE, 0.0);

    int64_t droppedAssignments = 0;
    int64_t droppedTokens = 0;
    int64_t pickedOnce = 0;
    int64_t pickedMany = 0;
    int64_t keptTotal = 0;
    int64_t keptNull = 0;
    const int firstNull = nExperts - nullExperts;
    for (int t = 0; t < nTokens; ++t) {
        int keptHere = 0;
        for (int j = 0; j < k; ++j) {
            const int e = d.choice(t, j);
            if (e < 0) continue;
            const auto ue = static_cast<size_t>(e);
            s.demand[ue] += 1;
            if (d.kept(t, j)) {
                s.load[ue] += 1;
                s.importance[ue] += static_cast<double>(d.weight(t, j));
                ++keptHere;
                if (e >= firstNull) ++keptNull;
            } else {
                s.dropped[ue] += 1;
                ++droppedAssignments;
            }
        }
        if (keptHere == 0) ++droppedTokens;
        if (keptHere == 1) ++pickedOnce;
        if (keptHere >= 2) ++pickedMany;
        keptTotal += keptHere;
    }
    for (int e = 0; e < nExperts; ++e)
        s.meanScore[static_cast<size_t>(e)] = d.scores.col(e).cast<double>().mean();

    s.dropFraction = static_cast<double>(droppedAssignments) / (static_cast<double>(nTokens) * k);
    s.tokenDropFraction = static_cast<double>(droppedTokens) / nTokens;
    s.pickedOnceFraction = static_cast<double>(pickedOnce) / nTokens;
    s.pickedManyFraction = static_cast<double>(pickedMany) / nTokens;
    s.nullFraction = keptTotal > 0 ? static_cast<double>(keptNull) / static_cast<double>(keptTotal) : 0.0;

    fillDemandStatistics(s);
    const double nan = std::numeric_limits<double>::quiet_NaN();

    // router_entropy = mean_t H(p_t) / ln E
    double h = 0;
    for (int t = 0; t < nTokens; ++t) {
        for (int e = 0; e < nExperts; ++e) {
            const double p = d.probs(t, e);
            if (p > 0) h -= p * std::log(p);
        }
    }
    s.routerEntropy = nExperts > 1 ? h / nTokens / std::log(static_cast<double>(nExperts)) : 0.0;

    if (domain.empty()) {
        s.specialization = nan;
    } else {
        s.specialization = normalizedMutualInformation(domain, firstChoices(d));
    }
    return s;
}

}  // namespace moe
