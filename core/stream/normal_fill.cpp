// SPDX-License-Identifier: MIT
#include "core/stream/normal_fill.h"

#include <array>
#include <cmath>
#include <cstddef>

namespace moe {
namespace {

constexpr int kLayers = 256;
constexpr double kTailStart = 3.6541528853610088;  // r: the base layer's rectangle ends here
constexpr double kLayerArea = 4.92867323399e-3;    // v: the area of each layer and of the base

/// Layer edges of the ziggurat for f(x) = exp(-x^2 / 2) (the unnormalised density; the method
/// only needs it up to a constant). Layer i spans heights [f(x[i]), f(x[i+1])] and widths
/// [0, x[i]]; layer 0 is the base, x[0] = v / f(r) its pseudo-width (rectangle plus tail).
struct ZigguratTable {
    std::array<double, kLayers + 1> x{};
    std::array<double, kLayers + 1> f{};

    ZigguratTable() {
        x[0] = kLayerArea / std::exp(-0.5 * kTailStart * kTailStart);
        x[1] = kTailStart;
        // Equal areas: x[i] (f(x[i]) - f(x[i-1])) = v, Marsaglia & Tsang 2000 §2.
        for (std::size_t i = 2; i < kLayers; ++i)
            x[i] = std::sqrt(
                -2.0 * std::log(kLayerArea / x[i - 1] + std::exp(-0.5 * x[i - 1] * x[i - 1])));
        x[kLayers] = 0.0;
        for (std::size_t i = 0; i <= kLayers; ++i) f[i] = std::exp(-0.5 * x[i] * x[i]);
    }
};

const ZigguratTable& table() {
    static const ZigguratTable t;  // thread-safe one-time initialisation
    return t;
}

/// A draw from the normal tail |z| > r (Marsaglia 1964): exact, by rejection from an exponential.
double tail(Rng& rng, bool negative) {
    double x = 0.0;
    double y = 0.0;
    do {
        x = -std::log(1.0 - rng.uniform()) / kTailStart;  // 1 - u in (0, 1]: log stays finite
        y = -std::log(1.0 - rng.uniform());
    } while (2.0 * y < x * x);
    return negative ? -(kTailStart + x) : kTailStart + x;
}

double sample(Rng& rng, const ZigguratTable& z) {
    for (;;) {
        const uint64_t bits = rng.bits();
        const auto layer = static_cast<std::size_t>(bits & 0xFFu);                   // bits 0-7
        const double u = 2.0 * (static_cast<double>(bits >> 11) * 0x1.0p-53) - 1.0;  // bits 11-63
        const double x = u * z.x[layer];
        // Inside the part of the layer that lies under the next narrower layer: under the curve.
        if (std::abs(x) < z.x[layer + 1]) return x;
        if (layer == 0) return tail(rng, u < 0.0);
        // Wedge: a uniform height in the layer, accepted if it lies under the curve at x.
        const double y = z.f[layer] + rng.uniform() * (z.f[layer + 1] - z.f[layer]);
        if (y < std::exp(-0.5 * x * x)) return x;
    }
}

}  // namespace

double zigguratNormal(Rng& rng) {
    return sample(rng, table());
}

void fillStandardNormal(Rng& rng, Scalar* out, Eigen::Index n) {
    const ZigguratTable& z = table();
    for (Eigen::Index i = 0; i < n; ++i) out[i] = static_cast<Scalar>(sample(rng, z));
}

void fillNormal(Rng& rng, Matrix& m, Scalar stddev) {
    fillStandardNormal(rng, m.data(), m.size());
    m *= stddev;
}

}  // namespace moe
