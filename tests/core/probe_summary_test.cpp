// SPDX-License-Identifier: MIT
#include "core/metrics/probe_summary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace moe {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(ProbeTracker, FirstBestFinalAndForgettingPerDomainSkippingNaNRows) {
    ProbeTracker probes;
    probes.add(0, {0.9, 0.8});
    probes.add(1, {kNaN, kNaN});  // a step without probes
    probes.add(5, {0.2, 0.7});
    probes.add(10, {0.5, 0.1});
    ASSERT_EQ(probes.domains().size(), 2u);
    const DomainProbe& first = probes.domains()[0];
    EXPECT_EQ(first.first, 0.9);
    EXPECT_EQ(first.best, 0.2);
    EXPECT_EQ(first.bestStep, 5);
    EXPECT_EQ(first.final, 0.5);
    EXPECT_EQ(first.finalStep, 10);
    EXPECT_NEAR(first.forgetting(), 0.3, 1e-15);
    EXPECT_EQ(probes.domains()[1].forgetting(), 0.0);  // still at its best
}

TEST(ProbeTracker, NoProbesNoDomains) {
    ProbeTracker probes;
    probes.add(0, {kNaN, kNaN, kNaN});
    probes.add(1, {});
    EXPECT_TRUE(probes.domains().empty());
}

}  // namespace
}  // namespace moe
