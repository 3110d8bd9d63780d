// SPDX-License-Identifier: MIT
#include "core/metrics/soft_moe_metrics.h"

#include "core/math/functions.h"
#include "core/metrics/step_metrics.h"
#include "core/routing/routing_decision.h"
#include "core/util/assert.h"

#include <cmath>
#include <limits>

namespace moe {

StepStats softMoeMetrics(const Matrix& mass, const std::vector<int32_t>& domain, int nullExperts) {
    const auto nTokens = static_cast<int>(mass.rows());
    const auto nExperts = static_cast<int>(mass.cols());
    MOELAB_ASSERT(nTokens >= 1 && nExperts >= 1, "soft MoE metrics need tokens and experts");
    MOELAB_ASSERT(domain.empty() || domain.size() == static_cast<size_t>(nTokens),
                  "one domain label per token");
    const auto nE = static_cast<size_t>(nExperts);
    StepStats s;
    s.capacity = kUnlimitedCapacity;
    s.demand.assign(nE, 0.0);
    s.dropped.assign(nE, 0.0);
    s.meanScore.assign(nE, 0.0);

    std::vector<double> row(nE);
    std::vector<int32_t> strongest(static_cast<size_t>(nTokens));
    int64_t pickedOnce = 0;
    int64_t pickedMany = 0;
    double entropy = 0;
    double total = 0;
    double nullMass = 0;
    for (int t = 0; t < nTokens; ++t) {
        int combined = 0;
        int best = 0;
        for (int e = 0; e < nExperts; ++e) {
            const auto m = static_cast<double>(mass(t, e));
            row[static_cast<size_t>(e)] = m;
            s.demand[static_cast<size_t>(e)] += m;
            total += m;
            if (e >= nExperts - nullExperts) nullMass += m;
            if (m > 0) ++combined;
            if (m > row[static_cast<size_t>(best)]) best = e;
        }
        entropy += entropyNats(row.data(), nExperts);
        strongest[static_cast<size_t>(t)] = best;
        if (combined == 1) ++pickedOnce;
        if (combined >= 2) ++pickedMany;
    }
    s.load = s.demand;
    s.importance = s.demand;
    for (size_t e = 0; e < nE; ++e) s.meanScore[e] = s.demand[e] / nTokens;

    s.pickedOnceFraction = static_cast<double>(pickedOnce) / nTokens;
    s.pickedManyFraction = static_cast<double>(pickedMany) / nTokens;
    s.nullFraction = total > 0 ? nullMass / total : 0.0;
    fillDemandStatistics(s);
    s.routerEntropy =
        nExperts > 1 ? entropy / nTokens / std::log(static_cast<double>(nExperts)) : 0.0;
    s.specialization = domain.empty() ? std::numeric_limits<double>::quiet_NaN()
                                      : normalizedMutualInformation(domain, strongest);
    return s;
}

}  // namespace moe
