// SPDX-License-Identifier: MIT
#include "core/util/rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace moe {
namespace {

// The mt19937_64 sequence is fixed by the C++ standard: its 10000th output for the default seed
// is 9981545732273789042. This pins that our engine is that engine.
TEST(Rng, EngineIsStandardMt19937_64) {
    Rng rng(5489u);
    uint64_t x = 0;
    for (int i = 0; i < 10000; ++i) x = rng.bits();
    EXPECT_EQ(x, 9981545732273789042ULL);
}

TEST(Rng, DeriveIsStableAndNameSensitive) {
    Rng a = Rng::derive(42, "stream");
    Rng b = Rng::derive(42, "stream");
    Rng c = Rng::derive(42, "router");
    Rng d = Rng::derive(43, "stream");
    const uint64_t xa = a.bits();
    EXPECT_EQ(xa, b.bits());
    EXPECT_NE(xa, c.bits());
    EXPECT_NE(xa, d.bits());
}

TEST(Rng, UniformInUnitInterval) {
    Rng rng(1);
    double sum = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
        const double u = rng.uniform();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        sum += u;
    }
    // Mean of U[0,1) has std 1/sqrt(12 n) ~ 6.5e-4; a band of 5 sigma.
    EXPECT_NEAR(sum / n, 0.5, 3.3e-3);
}

TEST(Rng, NormalMomentsWithinBands) {
    Rng rng(7);
    const int n = 200000;
    double s1 = 0, s2 = 0;
    for (int i = 0; i < n; ++i) {
        const double z = rng.normal();
        s1 += z;
        s2 += z * z;
    }
    EXPECT_NEAR(s1 / n, 0.0, 0.012);      // std of the mean ~ 2.2e-3
    EXPECT_NEAR(s2 / n, 1.0, 0.016);      // std of the variance ~ 3.2e-3
}

TEST(Rng, GumbelMeanIsEulerGamma) {
    Rng rng(11);
    const int n = 200000;
    double s = 0;
    for (int i = 0; i < n; ++i) s += rng.gumbel();
    EXPECT_NEAR(s / n, 0.5772156649, 0.015);  // std of Gumbel is pi/sqrt(6) ~ 1.28
}

TEST(Rng, BelowIsUniformOverSmallRange) {
    Rng rng(3);
    std::vector<int> counts(5, 0);
    const int n = 100000;
    for (int i = 0; i < n; ++i) counts[rng.below(5)]++;
    for (int c : counts) EXPECT_NEAR(c, n / 5, 5 * std::sqrt(n * 0.2 * 0.8));
}

}  // namespace
}  // namespace moe
