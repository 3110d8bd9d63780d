// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <random>
#include <string_view>

namespace moe {

/// A seeded random stream. Every component that draws random numbers owns one, derived from the
/// scenario seed and the component's name, so adding a draw in one place never shifts the draws
/// of another. The engine is std::mt19937_64, whose sequence the C++ standard fixes; the
/// distributions are written out here because the standard library's are implementation-defined
/// and would make traces differ between standard libraries.
class Rng {
public:
    explicit Rng(uint64_t seed) : m_engine(seed) {}

    /// A stream for a named component: the same (seed, name) always gives the same stream.
    static Rng derive(uint64_t seed, std::string_view name);

    /// Raw 64 random bits.
    uint64_t bits() { return m_engine(); }
    /// Uniform in [0, 1), 53 bits of resolution.
    double uniform() { return static_cast<double>(m_engine() >> 11) * 0x1.0p-53; }
    /// Uniform in [lo, hi).
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    /// Uniform integer in [0, n), n > 0, without modulo bias.
    uint64_t below(uint64_t n);
    /// Standard normal N(0, 1) by the Box-Muller transform (one output per two uniforms).
    double normal();
    /// Standard Gumbel(0, 1): -log(-log(u)), u in (0, 1).
    double gumbel();

private:
    std::mt19937_64 m_engine;
};

/// SplitMix64 finaliser: a bijective mix used to derive seeds.
uint64_t mixSeed(uint64_t x);

}  // namespace moe
