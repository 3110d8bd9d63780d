// SPDX-License-Identifier: MIT
#pragma once

#include "core/config/enums.h"
#include "core/math/types.h"

#include <bit>
#include <cstdint>

namespace moe {

// `router.precision` (ROUTING.md, preamble): the router computes in fp32 and, to study
// low-precision routers, rounds the logits L and the probabilities p to bf16 or fp16 with
// round-to-nearest-even. The values stay stored as float; only their precision is reduced.

/// Nearest bfloat16 value (1 sign, 8 exponent, 7 mantissa bits), ties to even, as a float.
/// +-inf stays inf; NaN stays NaN (made quiet, sign kept); finite values past the largest bf16
/// (3.3895314e38) round to inf when RNE says so (from 3.3961775e38 = max + half an ulp, a tie
/// broken towards the even inf); float subnormals round on the same 2^-133 grid as bf16's.
float roundToBf16(float x);

/// Nearest IEEE binary16 value (1 sign, 5 exponent, 10 mantissa bits), ties to even, as a float.
/// Largest finite value 65504; |x| >= 65520 (max + half an ulp) rounds to inf. Subnormals are
/// exact multiples of 2^-24; |x| <= 2^-25 rounds to a zero of the same sign (2^-25 is a tie to
/// the even 0). +-inf stays inf; NaN stays NaN (quiet, sign kept).
float roundToFp16(float x);

/// roundToBf16, roundToFp16 or the identity (Fp32), by `p`.
float roundToPrecision(float x, Precision p);

/// Rounds every entry of m [rows, cols] in place to `p` (Fp32: no-op). With MOELAB_DOUBLE the
/// entries are first converted to float (the precision the router is specified in), rounded, and
/// converted back, so both builds see the same grid.
void roundInPlace(Matrix& m, Precision p);

/// The exact value of an IEEE binary16 bit pattern (what numpy's float16 and HDF5's IEEE half
/// store), subnormals, infinities and NaN included.
float halfBitsToFloat(uint16_t half);

/// The exact value of a bfloat16 bit pattern: bf16 is the top half of a float32.
inline float bf16BitsToFloat(uint16_t bits) {
    return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

}  // namespace moe
