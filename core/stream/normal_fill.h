// SPDX-License-Identifier: MIT
#pragma once

#include "core/math/types.h"
#include "core/util/rng.h"

namespace moe {

// Bulk standard-normal draws for the token streams and the teacher. A step of the clusters
// stream needs T * d normals (up to 65536 x 1024 = 6.7e7); Rng::normal (Box-Muller with log, sqrt
// and cos per draw, one output per two uniforms) costs ~36 ns each here, the ziggurat below ~5 ns.
// It draws only through Rng::bits/uniform, so it is as reproducible as Rng itself.

/// One N(0, 1) draw by the ziggurat method (Marsaglia & Tsang 2000, "The Ziggurat Method for
/// Generating Random Variables", 256 layers, r = 3.6541528853610088), with the layer index and
/// the uniform taken from disjoint bits of one 64-bit word (Doornik 2005, "An Improved Ziggurat
/// Method", §3) and Marsaglia's 1964 exact tail beyond r. Consumes a variable number of words.
double zigguratNormal(Rng& rng);

/// Fills out[0, n) with independent N(0, 1) draws in index order (zigguratNormal each).
/// out points to n >= 0 writable Scalars.
void fillStandardNormal(Rng& rng, Scalar* out, Eigen::Index n);

/// Fills every entry of m [rows, cols] (row-major order) with N(0, stddev^2) draws.
void fillNormal(Rng& rng, Matrix& m, Scalar stddev);

}  // namespace moe
