// SPDX-License-Identifier: MIT
#include "core/math/precision.h"

#include "core/util/assert.h"

#include <bit>
#include <cstdint>

namespace moe {
namespace {

constexpr uint32_t kSignMask = 0x8000'0000u;
constexpr uint32_t kAbsMask = 0x7FFF'FFFFu;
constexpr uint32_t kInfBits = 0x7F80'0000u;            // exponent all ones, mantissa 0
constexpr uint32_t kQuietBit = 0x0040'0000u;           // top mantissa bit: quiet NaN
constexpr uint32_t kFp16OverflowBits = 0x477F'F000u;   // 65520 = 65504 + half an fp16 ulp
constexpr uint32_t kFp16MinNormalBits = 0x3880'0000u;  // 2^-14

/// Rounds the float bits u (finite, non-negative magnitude) to a multiple of 2^drop in the
/// mantissa field, ties to even. Adding 2^(drop-1) - 1 plus the lowest kept bit and truncating
/// is RNE on the integer, and a carry out of the mantissa bumps the exponent, which is exactly
/// the next binade (or inf past the largest finite value).
constexpr uint32_t roundMantissaBits(uint32_t u, unsigned drop) {
    const uint32_t half = (1u << (drop - 1u)) - 1u;
    const uint32_t lsb = (u >> drop) & 1u;
    return (u + half + lsb) & ~((1u << drop) - 1u);
}

}  // namespace

float roundToBf16(float x) {
    const uint32_t u = std::bit_cast<uint32_t>(x);
    if ((u & kAbsMask) > kInfBits) {
        // NaN: truncation could clear every payload bit and make inf; the quiet bit survives it.
        return std::bit_cast<float>((u | kQuietBit) & 0xFFFF'0000u);
    }
    // bf16 is the top half of a float: same exponent range (inf and subnormals included), so
    // rounding away the low 16 bits is the whole conversion. inf + bias stays below NaN.
    return std::bit_cast<float>(roundMantissaBits(u, 16u));
}

float roundToFp16(float x) {
    const uint32_t u = std::bit_cast<uint32_t>(x);
    const uint32_t sign = u & kSignMask;
    const uint32_t a = u & kAbsMask;
    if (a > kInfBits) return std::bit_cast<float>(u | kQuietBit);  // NaN
    if (a >= kFp16OverflowBits) return std::bit_cast<float>(sign | kInfBits);
    if (a >= kFp16MinNormalBits) {
        // Normal fp16 range [2^-14, 65520): keep 10 of the 23 mantissa bits. A carry out of the
        // top (e.g. 65519.99 -> 65536) cannot happen below 65520, so no range check follows.
        return std::bit_cast<float>(sign | roundMantissaBits(a, 13u));
    }
    // Subnormal fp16 range: the grid is multiples of 2^-24, i.e. q = round(|x| * 2^24) with RNE.
    // Float subnormals (exponent field 0) are far below 2^-25 and give q = 0.
    const int32_t expField = static_cast<int32_t>(a >> 23);
    uint32_t q = 0;
    if (expField > 0) {
        // |x| = m * 2^(e - 150), m the 24-bit significand with its hidden bit, e = expField, so
        // |x| * 2^24 = m * 2^(e - 126) = m >> shift with shift = 126 - e >= 14 here.
        const uint32_t m = (a & 0x007F'FFFFu) | 0x0080'0000u;
        const int32_t shift = 126 - expField;
        if (shift <= 24) {  // larger shifts leave m / 2^shift < 1/2: rounds to 0
            const auto s = static_cast<unsigned>(shift);
            const uint32_t rest = m & ((1u << s) - 1u);
            const uint32_t halfway = 1u << (s - 1u);
            q = m >> s;
            if (rest > halfway || (rest == halfway && (q & 1u) != 0u)) ++q;
        }
    }
    // q <= 1024 (= 2^-14, the smallest normal, reached by rounding up), exact as a float.
    const float magnitude = static_cast<float>(q) * 0x1.0p-24f;
    return std::bit_cast<float>(sign | std::bit_cast<uint32_t>(magnitude));
}

float roundToPrecision(float x, Precision p) {
    switch (p) {
        case Precision::Fp32:
            return x;
        case Precision::Bf16:
            return roundToBf16(x);
        case Precision::Fp16:
            return roundToFp16(x);
        default:
            MOELAB_ASSERT(false, "unknown Precision");
    }
    return x;
}

void roundInPlace(Matrix& m, Precision p) {
    if (p == Precision::Fp32) return;
    Scalar* data = m.data();
    const Eigen::Index n = m.size();
    // One branch per matrix, not per entry: the loops below inline the bit tricks.
    if (p == Precision::Bf16) {
        for (Eigen::Index i = 0; i < n; ++i)
            data[i] = static_cast<Scalar>(roundToBf16(static_cast<float>(data[i])));
    } else {
        MOELAB_ASSERT(p == Precision::Fp16, "unknown Precision");
        for (Eigen::Index i = 0; i < n; ++i)
            data[i] = static_cast<Scalar>(roundToFp16(static_cast<float>(data[i])));
    }
}

float halfBitsToFloat(uint16_t half) {
    const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
    const uint32_t exponent = (half >> 10) & 0x1Fu;
    const uint32_t mantissa = half & 0x3FFu;
    if (exponent == 0) {
        // Zero or subnormal: mantissa * 2^-24, exact in float.
        const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
        return sign != 0 ? -magnitude : magnitude;
    }
    // Infinity and NaN keep exponent all ones; normal numbers move from bias 15 to bias 127.
    const uint32_t floatExponent = exponent == 0x1Fu ? 0xFFu : exponent + 112u;
    return std::bit_cast<float>(sign | (floatExponent << 23) | (mantissa << 13));
}

}  // namespace moe
