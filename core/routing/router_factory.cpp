// SPDX-License-Identifier: MIT
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/math/random_matrix.h"
#include "core/routing/autoencoder_router.h"
#include "core/routing/baseline_routers.h"
#include "core/routing/expert_choice_router.h"
#include "core/routing/noisy_topk_router.h"
#include "core/routing/router.h"
#include "core/routing/token_choice_router.h"

namespace moe {

void Router::addExperts(int /*n*/, ColumnInit /*init*/, Rng& /*rng*/) {
    throw std::invalid_argument("this router cannot add experts during a run");
}

void Router::setExpertStates(const ExpertStates& /*states*/) {
    throw std::invalid_argument("this router cannot freeze or remove experts during a run");
}

std::unique_ptr<Router> makeRouter(const RouterConfig& router, const LossConfig& loss, int width,
                                   int nExperts, Rng& rng, double trainLr) {
    switch (router.kind) {
        case RouterKind::TokenChoice:
            // Switch Transformer §2.4: weights ~ N(0, 0.1 / fan_in) keep early routing soft.
            return std::make_unique<TokenChoiceRouter>(
                router, loss, TokenChoiceRouter::initialWeight(width, nExperts, rng));
        case RouterKind::NoisyTopK:
            // Shazeer et al. 2017, appendix A: W_g and W_noise start at zero, so early routing
            // is decided by the noise alone and every expert receives tokens.
            return std::make_unique<NoisyTopKRouter>(router, loss, Matrix::Zero(width, nExperts),
                                                     Matrix::Zero(width, nExperts));
        case RouterKind::ExpertChoice:
            // Same gate and initialisation as token choice (Switch §2.4); Zhou et al. 2022 only
            // change what selects.
            return std::make_unique<ExpertChoiceRouter>(
                router, loss, normalMatrix(width, nExperts, std::sqrt(0.1 / width), rng));
        case RouterKind::Autoencoder:
            if (!(trainLr > 0)) {
                throw std::invalid_argument("router.kind = autoencoder needs train.lr to set the "
                                            "autoencoders' own learning rate router.ae_lr");
            }
            return std::make_unique<AutoencoderGateRouter>(router, width, nExperts,
                                                           router.aeLr / trainLr, rng);
        case RouterKind::Hash:
            return std::make_unique<HashRouter>(router, nExperts, rng);
        case RouterKind::Random:
            return std::make_unique<RandomRouter>(router, nExperts);
        case RouterKind::Rre:
            return std::make_unique<RreRouter>(router, nExperts);
        default:
            throw std::invalid_argument("router.kind = " + std::string(enumName(router.kind)) +
                                        " is not available in this version");
    }
}

}  // namespace moe
