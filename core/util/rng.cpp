// SPDX-License-Identifier: MIT
#include "core/util/rng.h"

#include <cmath>
#include <numbers>

namespace moe {

uint64_t mixSeed(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

Rng Rng::derive(uint64_t seed, std::string_view name) {
    // FNV-1a of the name, mixed with the seed: stable across platforms and runs.
    uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : name) {
        h ^= static_cast<uint8_t>(c);
        h *= 0x100000001b3ULL;
    }
    return Rng(mixSeed(seed ^ mixSeed(h)));
}

uint64_t Rng::below(uint64_t n) {
    // Rejection sampling: discard the top partial range so every value is equally likely.
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x = m_engine();
    while (x >= limit) x = m_engine();
    return x % n;
}

double Rng::normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double Rng::gumbel() {
    double u = uniform();
    while (u <= 0.0) u = uniform();
    return -std::log(-std::log(u));
}

}  // namespace moe
