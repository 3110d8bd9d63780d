// SPDX-License-Identifier: MIT
#pragma once

#include "core/math/types.h"
#include "core/util/rng.h"

namespace moe {

/// [rows, cols] of independent N(0, std^2) draws from rng, in row-major order: the one way
/// parameters are initialised, so that the same seed gives the same weights everywhere.
Matrix normalMatrix(int rows, int cols, double std, Rng& rng);

/// N(0, 1 / rows): fan-in scaling for a weight that multiplies a rows-wide input.
Matrix fanInNormal(int rows, int cols, Rng& rng);

}  // namespace moe
