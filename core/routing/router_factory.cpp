// SPDX-License-Identifier: MIT
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/routing/noisy_topk_router.h"
#include "core/routing/router.h"
#include "core/routing/token_choice_router.h"

namespace moe {
namespace {

Matrix normalMatrix(int rows, int cols, double std, Rng& rng) {
    Matrix m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Scalar>(std * rng.normal());
    return m;
}

}  // namespace

std::unique_ptr<Router> makeRouter(const RouterConfig& router, const LossConfig& loss, int width,
                                   int nExperts, Rng& rng) {
    switch (router.kind) {
        case RouterKind::TokenChoice:
            // Switch Transformer §2.4: weights ~ N(0, 0.1 / fan_in) keep early routing soft.
            return std::make_unique<TokenChoiceRouter>(
                router, loss, normalMatrix(width, nExperts, std::sqrt(0.1 / width), rng));
        case RouterKind::NoisyTopK:
            // Shazeer et al. 2017, appendix A: W_g and W_noise start at zero, so early routing
            // is decided by the noise alone and every expert receives tokens.
            return std::make_unique<NoisyTopKRouter>(router, loss, Matrix::Zero(width, nExperts),
                                                     Matrix::Zero(width, nExperts));
        default:
            throw std::invalid_argument("router.kind = " + std::string(enumName(router.kind)) +
                                        " is not available in this version");
    }
}

}  // namespace moe
