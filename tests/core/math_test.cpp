// SPDX-License-Identifier: MIT
#include "core/math/functions.h"
#include "core/math/precision.h"
#include "core/util/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <vector>

namespace moe {
namespace {

// Every function is checked against an independent computation: plain loops in long double for
// the row/column functions, erfc in long double for the normal family, and two references for
// the rounding functions (GCC's _Float16 conversion, and an exact-distance reference for bf16).

using LD = long double;
constexpr LD kEps = std::numeric_limits<Scalar>::epsilon();
constexpr Scalar kInf = std::numeric_limits<Scalar>::infinity();

Matrix randomMatrix(Rng& rng, Eigen::Index rows, Eigen::Index cols, double scale) {
    Matrix m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        m.data()[i] = static_cast<Scalar>(rng.uniform(-scale, scale));
    return m;
}

/// Plain softmax of one vector in long double; -inf entries give 0.
std::vector<LD> refSoftmax(const std::vector<LD>& v) {
    LD mx = -std::numeric_limits<LD>::infinity();
    for (LD x : v) mx = std::max(mx, x);
    std::vector<LD> out(v.size());
    LD sum = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        out[i] = std::exp(v[i] - mx);
        sum += out[i];
    }
    for (LD& x : out) x /= sum;
    return out;
}

std::vector<LD> rowOf(const Matrix& m, Eigen::Index r) {
    std::vector<LD> v;
    for (Eigen::Index c = 0; c < m.cols(); ++c) v.push_back(static_cast<LD>(m(r, c)));
    return v;
}

std::vector<LD> colOf(const Matrix& m, Eigen::Index c) {
    std::vector<LD> v;
    for (Eigen::Index r = 0; r < m.rows(); ++r) v.push_back(static_cast<LD>(m(r, c)));
    return v;
}

/// Range of the finite entries: float's rounding of x - max costs up to eps * range in the
/// exponent, i.e. a relative error of eps * range in the probability, whatever the algorithm.
LD finiteRange(const std::vector<LD>& v) {
    LD lo = std::numeric_limits<LD>::infinity();
    LD hi = -lo;
    for (LD x : v) {
        if (!std::isfinite(x)) continue;
        lo = std::min(lo, x);
        hi = std::max(hi, x);
    }
    return hi >= lo ? hi - lo : 0;
}

void expectSoftmaxMatches(const std::vector<LD>& got, const std::vector<LD>& in) {
    const std::vector<LD> ref = refSoftmax(in);
    const LD range = finiteRange(in);
    LD sum = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        sum += got[i];
        if (std::isinf(in[i]) && in[i] < 0) {
            EXPECT_EQ(got[i], 0.0L) << "masked entry " << i << " must be exactly 0";
            continue;
        }
        // exp in float has 1-2 ulp error and underflows below ~1e-38 (Eigen clamps to ~3e-39).
        const LD tol = (8 + range) * kEps * ref[i] + 1e-37L;
        EXPECT_NEAR(got[i], ref[i], tol) << "entry " << i;
    }
    EXPECT_NEAR(sum, 1.0L, 4 * kEps * static_cast<LD>(in.size() + 1));
}

TEST(MathSoftmax, RowsMatchLongDoubleReferenceOnRandomShapes) {
    Rng rng(101);
    for (int trial = 0; trial < 60; ++trial) {
        const auto rows = static_cast<Eigen::Index>(1 + rng.below(40));
        const auto cols = static_cast<Eigen::Index>(1 + rng.below(70));
        const double scale = trial % 3 == 0 ? 1.0 : (trial % 3 == 1 ? 10.0 : 60.0);
        const Matrix logits = randomMatrix(rng, rows, cols, scale);
        const Matrix p = softmaxRows(logits);
        ASSERT_EQ(p.rows(), rows);
        ASSERT_EQ(p.cols(), cols);
        for (Eigen::Index r = 0; r < rows; ++r) expectSoftmaxMatches(rowOf(p, r), rowOf(logits, r));
        Matrix inPlace = logits;
        softmaxRowsInPlace(inPlace);
        EXPECT_TRUE(inPlace == p);
    }
}

TEST(MathSoftmax, RowsSurviveHugeLogitsAndMaskedEntries) {
    // Widths 3, 9 and 19 put -inf both in Eigen's vectorised packets and in the scalar tail.
    for (const int width : {3, 9, 19}) {
        Matrix logits = Matrix::Zero(5, width);
        for (int c = 0; c < width; ++c) {
            logits(0, c) = (c % 2 == 0) ? Scalar(1e4) : Scalar(-1e4);
            logits(1, c) = Scalar(-1e4) + static_cast<Scalar>(c);
            logits(2, c) = (c % 3 == 1) ? Scalar(0.5) * static_cast<Scalar>(c) : -kInf;
            logits(3, c) = (c == width - 1) ? Scalar(-1e4) : -kInf;  // one finite entry
            logits(4, c) = Scalar(1e4) - Scalar(1e-3) * static_cast<Scalar>(c);
        }
        const Matrix p = softmaxRows(logits);
        ASSERT_TRUE(p.allFinite());
        for (Eigen::Index r = 0; r < logits.rows(); ++r)
            expectSoftmaxMatches(rowOf(p, r), rowOf(logits, r));
        EXPECT_EQ(p(3, width - 1), Scalar(1));
    }
}

TEST(MathSoftmax, RowOfOnlyMinusInfinityIsNaN) {
    Matrix logits(1, 4);
    logits.setConstant(-kInf);
    EXPECT_TRUE(softmaxRows(logits).array().isNaN().all());
}

TEST(MathSoftmax, ColumnsMatchLongDoubleReference) {
    Rng rng(202);
    for (int trial = 0; trial < 40; ++trial) {
        const auto rows = static_cast<Eigen::Index>(1 + rng.below(70));
        const auto cols = static_cast<Eigen::Index>(1 + rng.below(20));
        Matrix logits = randomMatrix(rng, rows, cols, trial % 2 == 0 ? 3.0 : 40.0);
        if (trial % 4 == 3) {
            // Extremes and masks: a +-1e4 pair in column 0, -inf in every other row of column 1.
            logits(0, 0) = Scalar(1e4);
            logits(rows - 1, 0) = Scalar(-1e4);
            if (cols > 1)
                for (Eigen::Index r = 1; r < rows; r += 2) logits(r, 1) = -kInf;
        }
        const Matrix p = softmaxCols(logits);
        ASSERT_EQ(p.rows(), rows);
        ASSERT_EQ(p.cols(), cols);
        for (Eigen::Index c = 0; c < cols; ++c) expectSoftmaxMatches(colOf(p, c), colOf(logits, c));
    }
}

TEST(MathLogSumExp, RowsMatchLongDoubleReference) {
    Rng rng(303);
    for (int trial = 0; trial < 60; ++trial) {
        const auto rows = static_cast<Eigen::Index>(1 + rng.below(30));
        const auto cols = static_cast<Eigen::Index>(1 + rng.below(70));
        Matrix logits = randomMatrix(rng, rows, cols, trial % 2 == 0 ? 5.0 : 80.0);
        if (trial % 5 == 4) logits(0, 0) = Scalar(1e4);
        if (trial % 5 == 3 && cols > 1) logits(rows - 1, 1) = -kInf;
        const Vector lse = logSumExpRows(logits);
        ASSERT_EQ(lse.size(), rows);
        for (Eigen::Index r = 0; r < rows; ++r) {
            const std::vector<LD> v = rowOf(logits, r);
            LD mx = -std::numeric_limits<LD>::infinity();
            for (LD x : v) mx = std::max(mx, x);
            LD sum = 0;
            for (LD x : v) sum += std::exp(x - mx);
            const LD ref = mx + std::log(sum);
            EXPECT_NEAR(lse[r], ref, 4 * kEps * (std::abs(ref) + finiteRange(v) + 1)) << r;
        }
    }
}

TEST(MathLogSumExp, HandlesExtremesAndInfinities) {
    Matrix logits(4, 3);
    logits << Scalar(1e4), Scalar(1e4), -kInf,     //
        -kInf, -kInf, -kInf,                       //
        Scalar(-1e4), Scalar(-1e4), Scalar(-1e4),  //
        Scalar(1), kInf, Scalar(2);
    const Vector lse = logSumExpRows(logits);
    EXPECT_NEAR(lse[0], 1e4 + std::log(2.0), 2e-3);  // ulp(1e4) in float is ~1e-3
    EXPECT_TRUE(std::isinf(lse[1]) && lse[1] < 0);
    EXPECT_NEAR(lse[2], -1e4 + std::log(3.0), 2e-3);
    EXPECT_TRUE(std::isinf(lse[3]) && lse[3] > 0);
}

LD refSigmoid(LD x) {
    return 1.0L / (1.0L + std::exp(-x));
}

TEST(MathSigmoid, MatchesLongDoubleReferenceIncludingLargeMagnitudes) {
    Rng rng(404);
    Matrix x = randomMatrix(rng, 17, 23, 30.0);
    const Scalar extremes[] = {Scalar(-1e4), Scalar(-200),  Scalar(-100), Scalar(-88),
                               Scalar(-30),  Scalar(-1e-3), Scalar(0),    Scalar(1e-3),
                               Scalar(30),   Scalar(88),    Scalar(100),  Scalar(1e4)};
    for (std::size_t i = 0; i < std::size(extremes); ++i) x.data()[i] = extremes[i];
    const Matrix s = sigmoid(x);
    for (Eigen::Index i = 0; i < x.size(); ++i) {
        const LD ref = refSigmoid(static_cast<LD>(x.data()[i]));
        // Eigen's vectorised exp clamps at ~-88.7, so results below ~3e-39 are only absolute.
        EXPECT_NEAR(s.data()[i], ref, 4 * kEps * ref + 1e-38L) << "x = " << x.data()[i];
        EXPECT_NEAR(sigmoid(x.data()[i]), ref, 4 * kEps * ref + 1e-44L) << "x = " << x.data()[i];
    }
    Matrix inPlace = x;
    sigmoidInPlace(inPlace);
    EXPECT_TRUE(inPlace == s);
}

TEST(MathSigmoid, InfinitiesAndNaN) {
    Matrix x(1, 3);
    x << -kInf, kInf, std::numeric_limits<Scalar>::quiet_NaN();
    const Matrix s = sigmoid(x);
    EXPECT_EQ(s(0, 0), Scalar(0));
    EXPECT_EQ(s(0, 1), Scalar(1));
    EXPECT_TRUE(std::isnan(s(0, 2)));
    EXPECT_EQ(sigmoid(-kInf), Scalar(0));
    EXPECT_EQ(sigmoid(kInf), Scalar(1));
    EXPECT_EQ(sigmoid(Scalar(0)), Scalar(0.5));
}

LD refPhi(LD x) {
    return 0.5L * std::erfc(-x / std::sqrt(2.0L));
}
LD refPdf(LD x) {
    return std::exp(-0.5L * x * x) / std::sqrt(2.0L * 3.141592653589793238462643383279L);
}
LD refGelu(LD x) {
    return x * refPhi(x);
}

TEST(MathNormal, HandWorkedValues) {
    EXPECT_EQ(normalCdf(Scalar(0)), Scalar(0.5));
    EXPECT_NEAR(normalCdf(Scalar(1.96)), 0.9750021048517795, 4 * kEps);
    EXPECT_NEAR(normalCdf(Scalar(-1.96)), 0.024997895148220435, 8 * kEps * 0.025);
    // Lower tail through erfc: 0.5 (1 + erf) would give 0 here. The argument -x/sqrt2 is rounded
    // to float, which costs a relative error of about x^2 eps = 100 eps.
    EXPECT_NEAR(normalCdf(Scalar(-10)), 7.619853024160527e-24, 200 * kEps * 7.62e-24);
    EXPECT_EQ(normalCdf(kInf), Scalar(1));
    EXPECT_EQ(normalCdf(-kInf), Scalar(0));
    EXPECT_NEAR(normalPdf(Scalar(0)), 0.3989422804014327, 4 * kEps);
    EXPECT_NEAR(normalPdf(Scalar(1)), 0.24197072451914337, 4 * kEps);
    EXPECT_NEAR(normalPdf(Scalar(-3)), 0.0044318484119380075, 16 * kEps * 0.0045);
}

TEST(MathNormal, MatchesLongDoubleReferenceOnAGrid) {
    for (int i = -800; i <= 800; ++i) {
        const Scalar x = static_cast<Scalar>(i) * Scalar(0.01);
        const LD lx = static_cast<LD>(x);
        EXPECT_NEAR(normalCdf(x), refPhi(lx), kEps * (8 + lx * lx) * refPhi(lx)) << x;
        EXPECT_NEAR(normalPdf(x), refPdf(lx), kEps * (8 + lx * lx) * refPdf(lx)) << x;
    }
    Matrix m(2, 3);
    m << Scalar(-3), Scalar(-0.5), Scalar(0), Scalar(0.7), Scalar(2), Scalar(9);
    const Matrix c = normalCdf(m);
    for (Eigen::Index i = 0; i < m.size(); ++i) EXPECT_EQ(c.data()[i], normalCdf(m.data()[i]));
}

TEST(MathGelu, HandWorkedValues) {
    EXPECT_NEAR(gelu(Scalar(1)), 0.8413447460685429, 4 * kEps);
    EXPECT_NEAR(gelu(Scalar(-1)), -0.15865525393145707, 4 * kEps * 0.16);
    EXPECT_EQ(gelu(Scalar(0)), Scalar(0));
    // Phi(1) + phi(1) and Phi(-1) - phi(1).
    EXPECT_NEAR(geluGrad(Scalar(1)), 1.0833154705876864, 4 * kEps);
    EXPECT_NEAR(geluGrad(Scalar(-1)), -0.0833154705876863, 16 * kEps * 0.083);
    EXPECT_EQ(geluGrad(Scalar(0)), Scalar(0.5));
    // Far tail: x Phi(x) keeps its relative accuracy (the erf form would round to -0).
    EXPECT_NEAR(gelu(Scalar(-10)), -7.619853024160527e-23, 200 * kEps * 7.62e-23);
}

TEST(MathGelu, MatchesErfReferenceAndFiniteDifferences) {
    for (int i = -1000; i <= 1000; ++i) {
        const Scalar x = static_cast<Scalar>(i) * Scalar(0.01);
        const LD lx = static_cast<LD>(x);
        const LD ref = refGelu(lx);
        EXPECT_NEAR(gelu(x), ref, kEps * (8 + 2 * lx * lx) * std::abs(ref) + 1e-38L) << x;
        // Gradient against a central difference of the exact function (error ~h^2 = 1e-12).
        const LD h = 1e-6L;
        const LD fd = (refGelu(lx + h) - refGelu(lx - h)) / (2 * h);
        EXPECT_NEAR(geluGrad(x), fd, 16 * kEps * (1 + std::abs(fd))) << x;
        // And against a central difference of gelu itself, in Scalar precision.
        const Scalar hs = Scalar(1e-2);
        const LD fdOwn = (static_cast<LD>(gelu(x + hs)) - static_cast<LD>(gelu(x - hs))) /
                         (2 * static_cast<LD>(hs));
        EXPECT_NEAR(geluGrad(x), fdOwn, 1e-3L) << x;
    }
}

TEST(MathGelu, MatrixVersionsEqualScalarOnes) {
    Rng rng(505);
    const Matrix x = randomMatrix(rng, 9, 13, 6.0);
    const Matrix g = gelu(x);
    const Matrix dg = geluGrad(x);
    Matrix inPlace = x;
    geluInPlace(inPlace);
    for (Eigen::Index i = 0; i < x.size(); ++i) {
        EXPECT_EQ(g.data()[i], gelu(x.data()[i]));
        EXPECT_EQ(inPlace.data()[i], gelu(x.data()[i]));
        EXPECT_EQ(dg.data()[i], geluGrad(x.data()[i]));
    }
}

LD refSoftplus(LD x) {
    return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

TEST(MathSoftplus, StableAtLargeMagnitudes) {
    EXPECT_EQ(softplus(Scalar(50)), Scalar(50));
    EXPECT_EQ(softplus(Scalar(1e4)), Scalar(1e4));
    EXPECT_EQ(softplus(Scalar(-1e4)), Scalar(0));
    EXPECT_NEAR(softplus(Scalar(-50)), 1.9287498479639178e-22, 4 * kEps * 1.93e-22);
    EXPECT_NEAR(softplus(Scalar(0)), std::log(2.0), 4 * kEps);
    EXPECT_EQ(softplus(kInf), kInf);
    EXPECT_EQ(softplus(-kInf), Scalar(0));
    for (int i = -600; i <= 600; ++i) {
        const Scalar x = static_cast<Scalar>(i) * Scalar(0.1);
        const LD ref = refSoftplus(static_cast<LD>(x));
        EXPECT_NEAR(softplus(x), ref, 4 * kEps * ref + 1e-44L) << x;
    }
}

TEST(MathSoftplus, MatrixVersionMatchesReference) {
    Rng rng(606);
    Matrix x = randomMatrix(rng, 11, 19, 40.0);
    x(0, 0) = Scalar(1e4);
    x(0, 1) = Scalar(-1e4);
    x(0, 2) = Scalar(-100);
    const Matrix s = softplus(x);
    for (Eigen::Index i = 0; i < x.size(); ++i) {
        const LD ref = refSoftplus(static_cast<LD>(x.data()[i]));
        EXPECT_NEAR(s.data()[i], ref, 4 * kEps * ref + 1e-38L) << x.data()[i];
    }
}

TEST(MathEntropy, ZeroLogZeroAndReference) {
    const double uniform4[] = {0.25, 0.25, 0.25, 0.25};
    EXPECT_NEAR(entropyNats(uniform4, 4), std::log(4.0), 1e-15);
    const double onehot[] = {0.0, 1.0, 0.0};
    EXPECT_EQ(entropyNats(onehot, 3), 0.0);
    const double half[] = {0.5, 0.0, 0.5};
    EXPECT_NEAR(entropyNats(half, 3), std::log(2.0), 1e-15);
    EXPECT_EQ(entropyNats(nullptr, 0), 0.0);
    Rng rng(707);
    std::vector<double> p(37);
    double sum = 0;
    for (double& v : p) sum += (v = rng.uniform());
    LD ref = 0;
    for (double& v : p) {
        v /= sum;
        ref -= static_cast<LD>(v) * std::log(static_cast<LD>(v));
    }
    EXPECT_NEAR(entropyNats(p.data(), static_cast<int>(p.size())), ref, 1e-14);
}

// ---- router.precision rounding ----

uint32_t bitsOf(float x) {
    return std::bit_cast<uint32_t>(x);
}

/// Exact-or-NaN comparison: bit patterns must agree (so -0 != +0), NaN only needs to be NaN.
::testing::AssertionResult sameFloat(float got, float want) {
    if (std::isnan(want) && std::isnan(got)) return ::testing::AssertionSuccess();
    if (bitsOf(got) == bitsOf(want)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << std::hexfloat << "got " << got << " (0x" << std::hex << bitsOf(got) << "), want "
           << want << " (0x" << bitsOf(want) << ")";
}

TEST(PrecisionBf16, HandWorkedCases) {
    const float inf = std::numeric_limits<float>::infinity();
    EXPECT_TRUE(sameFloat(roundToBf16(1.0f), 1.0f));
    EXPECT_TRUE(sameFloat(roundToBf16(1.0f + 0x1p-8f), 1.0f));  // tie -> even mantissa 0
    EXPECT_TRUE(sameFloat(roundToBf16(1.0f + 3 * 0x1p-8f), 1.0f + 0x1p-6f));  // tie -> even 2
    EXPECT_TRUE(sameFloat(roundToBf16(1.0f + 0x1p-8f + 0x1p-20f), 1.0f + 0x1p-7f));
    EXPECT_TRUE(sameFloat(roundToBf16(-(1.0f + 3 * 0x1p-8f)), -(1.0f + 0x1p-6f)));
    EXPECT_TRUE(sameFloat(roundToBf16(0.1f), 0.10009765625f));
    EXPECT_TRUE(sameFloat(roundToBf16(3.3895314e38f), 3.3895314e38f));  // largest bf16
    EXPECT_TRUE(sameFloat(roundToBf16(std::numeric_limits<float>::max()), inf));
    EXPECT_TRUE(sameFloat(roundToBf16(std::bit_cast<float>(0x7F7F7FFFu)), 3.3895314e38f));
    EXPECT_TRUE(sameFloat(roundToBf16(std::bit_cast<float>(0x7F7F8000u)), inf));  // tie -> inf
    EXPECT_TRUE(sameFloat(roundToBf16(-std::numeric_limits<float>::max()), -inf));
    EXPECT_TRUE(sameFloat(roundToBf16(inf), inf));
    EXPECT_TRUE(sameFloat(roundToBf16(-inf), -inf));
    EXPECT_TRUE(sameFloat(roundToBf16(-0.0f), -0.0f));
    EXPECT_TRUE(sameFloat(roundToBf16(std::bit_cast<float>(0x00008000u)), 0.0f));  // tie -> 0
    EXPECT_TRUE(sameFloat(roundToBf16(std::bit_cast<float>(0x00018000u)),
                          std::bit_cast<float>(0x00020000u)));  // subnormal tie -> even
    // NaN stays NaN, including a signalling NaN whose payload lies only in the low 16 bits.
    EXPECT_TRUE(std::isnan(roundToBf16(std::numeric_limits<float>::quiet_NaN())));
    EXPECT_TRUE(std::isnan(roundToBf16(std::bit_cast<float>(0x7F800001u))));
    EXPECT_TRUE(std::isnan(roundToBf16(std::bit_cast<float>(0xFF800001u))));
}

TEST(PrecisionFp16, HandWorkedCases) {
    const float inf = std::numeric_limits<float>::infinity();
    EXPECT_TRUE(sameFloat(roundToFp16(1.0f), 1.0f));
    EXPECT_TRUE(sameFloat(roundToFp16(1.0f + 0x1p-11f), 1.0f));                // tie -> even
    EXPECT_TRUE(sameFloat(roundToFp16(1.0f + 3 * 0x1p-11f), 1.0f + 0x1p-9f));  // tie -> even
    EXPECT_TRUE(sameFloat(roundToFp16(0.1f), 0.0999755859375f));
    EXPECT_TRUE(sameFloat(roundToFp16(65504.0f), 65504.0f));
    EXPECT_TRUE(sameFloat(roundToFp16(65519.0f), 65504.0f));
    EXPECT_TRUE(sameFloat(roundToFp16(65519.996f), 65504.0f));
    EXPECT_TRUE(sameFloat(roundToFp16(65520.0f), inf));  // max + half an ulp: tie -> inf
    EXPECT_TRUE(sameFloat(roundToFp16(-65520.0f), -inf));
    EXPECT_TRUE(sameFloat(roundToFp16(1e6f), inf));
    EXPECT_TRUE(sameFloat(roundToFp16(0x1p-14f), 0x1p-14f));             // smallest normal
    EXPECT_TRUE(sameFloat(roundToFp16(0x1p-14f - 0x1p-25f), 0x1p-14f));  // tie -> 1024 q
    EXPECT_TRUE(sameFloat(roundToFp16(0x1p-24f), 0x1p-24f));             // smallest subnormal
    EXPECT_TRUE(sameFloat(roundToFp16(0x1p-25f), 0.0f));                 // tie -> even 0
    EXPECT_TRUE(sameFloat(roundToFp16(-0x1p-25f), -0.0f));
    EXPECT_TRUE(sameFloat(roundToFp16(0x1p-25f + 0x1p-40f), 0x1p-24f));
    EXPECT_TRUE(sameFloat(roundToFp16(3 * 0x1p-25f), 0x1p-23f));  // 1.5 q: tie -> even 2 q
    EXPECT_TRUE(sameFloat(roundToFp16(5 * 0x1p-25f), 0x1p-23f));  // 2.5 q: tie -> even 2 q
    EXPECT_TRUE(sameFloat(roundToFp16(1e-30f), 0.0f));
    EXPECT_TRUE(sameFloat(roundToFp16(-1e-30f), -0.0f));
    EXPECT_TRUE(sameFloat(roundToFp16(std::bit_cast<float>(0x00000001u)), 0.0f));
    EXPECT_TRUE(sameFloat(roundToFp16(-0.0f), -0.0f));
    EXPECT_TRUE(sameFloat(roundToFp16(-1.0f - 3 * 0x1p-11f), -1.0f - 0x1p-9f));
    EXPECT_TRUE(sameFloat(roundToFp16(inf), inf));
    EXPECT_TRUE(sameFloat(roundToFp16(-inf), -inf));
    EXPECT_TRUE(std::isnan(roundToFp16(std::numeric_limits<float>::quiet_NaN())));
    EXPECT_TRUE(std::isnan(roundToFp16(std::bit_cast<float>(0x7F800001u))));
}

/// Independent fp16 rounding: GCC's own float -> _Float16 conversion (libgcc soft-fp or F16C).
float viaFloat16(float x) {
    return static_cast<float>(static_cast<_Float16>(x));
}

float fp16Value(uint16_t bits) {
    return static_cast<float>(std::bit_cast<_Float16>(bits));
}

TEST(PrecisionFp16, MatchesCompilerFloat16OnRandomBitPatterns) {
    Rng rng(808);
    int failures = 0;
    for (int i = 0; i < 2'000'000 && failures < 10; ++i) {
        const auto bits = static_cast<uint32_t>(rng.bits());
        const float x = std::bit_cast<float>(bits);
        if (!sameFloat(roundToFp16(x), viaFloat16(x))) {
            ++failures;
            ADD_FAILURE() << std::hexfloat << "x = " << x << ": "
                          << sameFloat(roundToFp16(x), viaFloat16(x)).message();
        }
    }
    // Random bits rarely land in fp16's range; draw exponents in [2^-27, 2^17) too.
    for (int i = 0; i < 2'000'000 && failures < 10; ++i) {
        const auto r = rng.bits();
        const uint32_t exponent = 100u + static_cast<uint32_t>(r % 44u);
        const uint32_t bits = (static_cast<uint32_t>(r >> 8) & 0x807F'FFFFu) | (exponent << 23);
        const float x = std::bit_cast<float>(bits);
        if (!sameFloat(roundToFp16(x), viaFloat16(x))) {
            ++failures;
            ADD_FAILURE() << std::hexfloat << "x = " << x;
        }
    }
    EXPECT_EQ(failures, 0);
}

TEST(PrecisionFp16, MatchesCompilerFloat16NearEveryBoundary) {
    // Every finite fp16 value v and every midpoint between neighbours (the ties), with the four
    // floats on either side of each, both signs.
    int failures = 0;
    int checked = 0;
    for (uint32_t h = 0; h < 0x7C00u && failures < 10; ++h) {
        const float v = fp16Value(static_cast<uint16_t>(h));
        const float next = h + 1 < 0x7C00u ? fp16Value(static_cast<uint16_t>(h + 1)) : 65536.0f;
        const float mid = v + (next - v) * 0.5f;  // exact: needs one more bit than fp16 has
        for (const float centre : {v, mid}) {
            float lo = centre;
            float hi = centre;
            for (int s = 0; s < 4; ++s) {
                lo = std::nextafter(lo, -1.0f);
                hi = std::nextafter(hi, 2e5f);
            }
            for (float x = lo; x <= hi; x = std::nextafter(x, 2e5f)) {
                for (const float y : {x, -x}) {
                    ++checked;
                    if (!sameFloat(roundToFp16(y), viaFloat16(y))) {
                        ++failures;
                        ADD_FAILURE() << std::hexfloat << "x = " << y << ": "
                                      << sameFloat(roundToFp16(y), viaFloat16(y)).message();
                    }
                }
            }
        }
    }
    EXPECT_EQ(failures, 0);
    EXPECT_GT(checked, 1'000'000);
}

/// Independent bf16 rounding: find the two bf16 neighbours of |x| by truncation, compare exact
/// distances in double (all quantities are exact there), break ties by the even last bit, and
/// call anything that rounds to 2^128 infinity (IEEE overflow under round-to-nearest).
float referenceBf16(float x) {
    if (std::isnan(x) || std::isinf(x)) return x;
    const uint32_t absBits = bitsOf(std::abs(x));
    const uint32_t loBits = absBits & 0xFFFF'0000u;
    const int expField = static_cast<int>(loBits >> 23);
    const double lo = static_cast<double>(std::bit_cast<float>(loBits));
    const double ulp = std::ldexp(1.0, std::max(expField, 1) - 127 - 7);
    const double hi = lo + ulp;
    const double a = static_cast<double>(std::abs(x));
    double r = 0.0;
    if (a - lo < hi - a)
        r = lo;
    else if (a - lo > hi - a)
        r = hi;
    else
        r = ((loBits >> 16) & 1u) != 0u ? hi : lo;
    const float magnitude =
        r >= 0x1p128 ? std::numeric_limits<float>::infinity() : static_cast<float>(r);
    return std::copysign(magnitude, x);
}

TEST(PrecisionBf16, MatchesExactReference) {
    Rng rng(909);
    int failures = 0;
    for (int i = 0; i < 2'000'000 && failures < 10; ++i) {
        const float x = std::bit_cast<float>(static_cast<uint32_t>(rng.bits()));
        if (!sameFloat(roundToBf16(x), referenceBf16(x))) {
            ++failures;
            ADD_FAILURE() << std::hexfloat << "x = " << x;
        }
    }
    // Around every bf16 value and every tie between neighbours: 3 floats on either side.
    for (uint32_t h = 0; h < 0x7F80u && failures < 10; ++h) {
        for (const uint32_t centre : {h << 16, (h << 16) | 0x8000u}) {
            for (uint32_t b = centre - std::min(centre, 3u); b <= centre + 3u; ++b) {
                for (const uint32_t sign : {0u, 0x8000'0000u}) {
                    const float x = std::bit_cast<float>(b | sign);
                    if (!sameFloat(roundToBf16(x), referenceBf16(x))) {
                        ++failures;
                        ADD_FAILURE() << std::hexfloat << "x = " << x << ": "
                                      << sameFloat(roundToBf16(x), referenceBf16(x)).message();
                    }
                }
            }
        }
    }
    EXPECT_EQ(failures, 0);
}

TEST(PrecisionRoundInPlace, AppliesTheChosenFormatElementwise) {
    Rng rng(1001);
    Matrix m = randomMatrix(rng, 7, 9, 3.0);
    m(0, 0) = std::numeric_limits<Scalar>::quiet_NaN();
    m(0, 1) = kInf;
    m(0, 2) = Scalar(1e5);  // fp16 overflow
    m(0, 3) = Scalar(1e-9);
    const Matrix original = m;

    Matrix fp32 = m;
    roundInPlace(fp32, Precision::Fp32);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        EXPECT_TRUE(sameFloat(static_cast<float>(fp32.data()[i]), static_cast<float>(m.data()[i])));

    Matrix bf16 = m;
    roundInPlace(bf16, Precision::Bf16);
    Matrix fp16 = m;
    roundInPlace(fp16, Precision::Fp16);
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        const auto x = static_cast<float>(original.data()[i]);
        EXPECT_TRUE(sameFloat(static_cast<float>(bf16.data()[i]), roundToBf16(x)));
        EXPECT_TRUE(sameFloat(static_cast<float>(fp16.data()[i]), roundToFp16(x)));
        EXPECT_TRUE(sameFloat(roundToPrecision(x, Precision::Fp32), x));
        EXPECT_TRUE(sameFloat(roundToPrecision(x, Precision::Bf16), roundToBf16(x)));
        EXPECT_TRUE(sameFloat(roundToPrecision(x, Precision::Fp16), roundToFp16(x)));
    }
    EXPECT_TRUE(std::isinf(fp16(0, 2)));
    EXPECT_EQ(fp16(0, 3), Scalar(0));
    // Rounding is idempotent: a second pass changes nothing.
    Matrix again = bf16;
    roundInPlace(again, Precision::Bf16);
    for (Eigen::Index i = 1; i < m.size(); ++i) EXPECT_EQ(again.data()[i], bf16.data()[i]);
}

}  // namespace
}  // namespace moe

namespace moe {
namespace {

// Routing breaks ties between tokens by position, so two tokens with the same logits must get
// bit-identical scores wherever they sit in the batch (row offsets that are not multiples of
// the SIMD width included).
TEST(MathRowIndependence, EqualRowsGiveEqualScoresAtAnyPosition) {
    Rng rng(42);
    for (int cols : {1, 3, 5, 7, 8, 13, 17, 33}) {
        const int rows = 41;
        RowVector pattern(cols);
        for (int e = 0; e < cols; ++e) pattern(e) = static_cast<Scalar>(3.0 * rng.normal());
        Matrix m(rows, cols);
        for (int t = 0; t < rows; ++t) m.row(t) = pattern;
        const Matrix soft = softmaxRows(m);
        const Matrix sig = sigmoid(m);
        const Vector lse = logSumExpRows(m);
        for (int t = 1; t < rows; ++t) {
            EXPECT_EQ(soft.row(t), soft.row(0)) << "softmax, cols " << cols << " row " << t;
            EXPECT_EQ(sig.row(t), sig.row(0)) << "sigmoid, cols " << cols << " row " << t;
            EXPECT_EQ(lse(t), lse(0)) << "logsumexp, cols " << cols << " row " << t;
        }
    }
}

}  // namespace
}  // namespace moe
