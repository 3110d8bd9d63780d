// SPDX-License-Identifier: MIT
#include "core/routing/router_logits.h"

#include "core/math/precision.h"
#include "core/math/products.h"
#include "core/util/assert.h"

namespace moe {

void routerLogits(const Matrix& x, const Matrix& w, const RouterConfig& config,
                  const RouteContext& ctx, Matrix& jitter, Matrix& logits) {
    MOELAB_ASSERT(x.cols() == w.rows(), "token width differs from router width");
    const bool train = ctx.training;
    // Switch jitter multiplies the router's input, not the logits (Fedus et al. 2021, §2.4).
    if (train && config.noise == NoiseKind::Jitter) {
        MOELAB_ASSERT(ctx.rng, "jitter needs a random stream");
        jitter.resize(x.rows(), x.cols());
        const double eps = config.jitterEps;
        for (Eigen::Index i = 0; i < jitter.size(); ++i)
            jitter.data()[i] = static_cast<Scalar>(ctx.rng->uniform(1.0 - eps, 1.0 + eps));
        logits = chunkedProduct((x.array() * jitter.array()).matrix(), w);
    } else {
        jitter.resize(0, 0);
        logits = chunkedProduct(x, w);
    }
    if (train && (config.noise == NoiseKind::Gaussian || config.noise == NoiseKind::Gumbel)) {
        MOELAB_ASSERT(ctx.rng, "logit noise needs a random stream");
        const bool gumbel = config.noise == NoiseKind::Gumbel;
        for (Eigen::Index i = 0; i < logits.size(); ++i) {
            const double n = gumbel ? ctx.rng->gumbel() : config.noiseStd * ctx.rng->normal();
            logits.data()[i] += static_cast<Scalar>(n);
        }
    }
    // Low-precision routers round the logits as used for scoring, noise included.
    roundInPlace(logits, config.precision);
}

void addRouterWeightGradient(const Matrix& x, const Matrix& jitter, const Matrix& dLogits,
                             Matrix& grad) {
    if (jitter.size() > 0)
        addTransposedProduct((x.array() * jitter.array()).matrix(), dLogits, grad);
    else
        addTransposedProduct(x, dLogits, grad);
}

}  // namespace moe
