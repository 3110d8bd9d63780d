// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace moe {

/// What the held-out probes (metrics.probe_every) say about one domain over a run.
/// forgetting = final - best: how far the domain's probe loss has risen from the lowest value
/// it reached (the loss form of Chaudhry et al. 2018's forgetting measure); 0 if it never rose.
struct DomainProbe {
    double first = std::numeric_limits<double>::quiet_NaN();
    double best = std::numeric_limits<double>::quiet_NaN();
    double final = std::numeric_limits<double>::quiet_NaN();
    int64_t bestStep = -1;
    int64_t finalStep = -1;
    double forgetting() const { return final - best; }
};

/// Follows the probe losses of a run row by row; rows whose losses are NaN (steps without a
/// probe) are skipped.
class ProbeTracker {
public:
    /// losses [K], one per domain.
    void add(int64_t step, const std::vector<double>& losses);
    /// One entry per domain; empty if no probe ran.
    const std::vector<DomainProbe>& domains() const { return m_domains; }

private:
    std::vector<DomainProbe> m_domains;
};

}  // namespace moe
