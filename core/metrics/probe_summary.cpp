// SPDX-License-Identifier: MIT
#include "core/metrics/probe_summary.h"

#include <cmath>

namespace moe {

void ProbeTracker::add(int64_t step, const std::vector<double>& losses) {
    for (size_t d = 0; d < losses.size(); ++d) {
        const double loss = losses[d];
        if (std::isnan(loss)) continue;
        if (m_domains.size() < losses.size()) m_domains.resize(losses.size());
        DomainProbe& p = m_domains[d];
        if (p.finalStep < 0) p.first = loss;
        if (p.bestStep < 0 || loss < p.best) {
            p.best = loss;
            p.bestStep = step;
        }
        p.final = loss;
        p.finalStep = step;
    }
}

}  // namespace moe
