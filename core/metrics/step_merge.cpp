// SPDX-License-Identifier: MIT
#include "core/metrics/step_merge.h"

#include <limits>

#include "core/metrics/step_metrics.h"
#include "core/routing/routing_decision.h"
#include "core/util/assert.h"

namespace moe {

StepStats mergeStepParts(const std::vector<StepPart>& parts) {
    MOELAB_ASSERT(!parts.empty(), "a step has at least one part");
    const size_t experts = parts.front().stats.demand.size();
    StepStats m;
    m.step = parts.front().stats.step;
    for (auto* v : {&m.demand, &m.load, &m.dropped, &m.importance, &m.meanScore}) v->assign(experts, 0.0);
    double tokens = 0, assignments = 0;
    double droppedAssignments = 0, droppedTokens = 0, once = 0, many = 0;
    double kept = 0, keptNull = 0;
    double entropy = 0, task = 0, aux = 0, z = 0, importanceLoss = 0, loadLoss = 0, seqAux = 0, total = 0;
    m.capacity = 0;
    for (const StepPart& p : parts) {
        const StepStats& s = p.stats;
        MOELAB_ASSERT(s.demand.size() == experts, "every part has the same experts");
        m.capacity = (m.capacity == kUnlimitedCapacity || s.capacity == kUnlimitedCapacity)
                         ? kUnlimitedCapacity : m.capacity + s.capacity;
        if (p.tokens == 0) continue;  // an empty batch: its fractions are 0/0 and weigh nothing
        const auto t = static_cast<double>(p.tokens);
        const double tk = t * p.k;
        for (size_t e = 0; e < experts; ++e) {
            m.demand[e] += s.demand[e];
            m.load[e] += s.load[e];
            m.dropped[e] += s.dropped[e];
            m.importance[e] += s.importance[e];
            m.meanScore[e] += s.meanScore[e] * t;
        }
        tokens += t;
        assignments += tk;
        droppedAssignments += s.dropFraction * tk;
        droppedTokens += s.tokenDropFraction * t;
        once += s.pickedOnceFraction * t;
        many += s.pickedManyFraction * t;
        entropy += s.routerEntropy * t;
        task += s.taskLoss * t;
        aux += s.auxLoss * t;
        z += s.zLoss * t;
        importanceLoss += s.importanceLoss * t;
        loadLoss += s.loadLoss * t;
        seqAux += s.seqAuxLoss * t;
        total += s.totalLoss * t;
        double partKept = 0;
        for (double l : s.load) partKept += l;
        kept += partKept;
        keptNull += s.nullFraction * partKept;
    }
    for (double& score : m.meanScore) score /= tokens;
    m.dropFraction = droppedAssignments / assignments;
    m.tokenDropFraction = droppedTokens / tokens;
    m.pickedOnceFraction = once / tokens;
    m.pickedManyFraction = many / tokens;
    m.nullFraction = kept > 0 ? keptNull / kept : 0;
    m.routerEntropy = entropy / tokens;
    m.taskLoss = task / tokens;
    m.auxLoss = aux / tokens;
    m.zLoss = z / tokens;
    m.importanceLoss = importanceLoss / tokens;
    m.loadLoss = loadLoss / tokens;
    m.seqAuxLoss = seqAux / tokens;
    m.totalLoss = total / tokens;
    m.specialization = std::numeric_limits<double>::quiet_NaN();
    fillDemandStatistics(m);
    return m;
}

}  // namespace moe
