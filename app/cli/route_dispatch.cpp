// SPDX-License-Identifier: MIT
#include "app/cli/route_dispatch.h"

#include <fmt/core.h>

#include "core/routing/expert_choice_router.h"
#include "core/routing/noisy_topk_router.h"
#include "core/routing/token_choice_router.h"

namespace moe::app {

const RoutingDecision* routeBatch(const ScenarioConfig& cfg, const io::RouteBatch& batch,
                                  const RouteContext& ctx, std::unique_ptr<Router>& holder,
                                  BalanceLosses& losses) {
    const int nExperts = batch.nExperts();
    if (!batch.hasLogits() && !batch.hasRouterWeight()) {
        fmt::print(stderr,
                   "moelab route: router.kind = {} needs /logits or /router_weight; the input "
                   "has /tokens with /phi only, which is for router.kind = soft_moe\n",
                   enumName(cfg.router.kind));
        return nullptr;
    }
    // A batch of logits needs no weight; the routers only read its expert count.
    Matrix weight = batch.hasLogits() ? Matrix(0, nExperts) : batch.routerWeight;
    switch (cfg.router.kind) {
        case RouterKind::TokenChoice: {
            auto router =
                std::make_unique<TokenChoiceRouter>(cfg.router, cfg.loss, std::move(weight));
            const RoutingDecision& d = batch.hasLogits() ? router->routeLogits(batch.logits, ctx)
                                                         : router->route(batch.tokens, ctx);
            losses = router->losses();
            holder = std::move(router);
            return &d;
        }
        case RouterKind::NoisyTopK: {
            // Evaluation: H = x W_g, so W_noise is never read and can be zero.
            Matrix noise = Matrix::Zero(weight.rows(), nExperts);
            auto router = std::make_unique<NoisyTopKRouter>(cfg.router, cfg.loss, std::move(weight),
                                                            std::move(noise));
            const RoutingDecision& d = batch.hasLogits() ? router->routeLogits(batch.logits, ctx)
                                                         : router->route(batch.tokens, ctx);
            losses = router->losses();
            holder = std::move(router);
            return &d;
        }
        case RouterKind::ExpertChoice: {
            auto router =
                std::make_unique<ExpertChoiceRouter>(cfg.router, cfg.loss, std::move(weight));
            const RoutingDecision& d = batch.hasLogits() ? router->routeLogits(batch.logits)
                                                         : router->route(batch.tokens, ctx);
            losses = router->losses();
            holder = std::move(router);
            return &d;
        }
        default:
            fmt::print(stderr,
                       "moelab route: router.kind = {} is not available for route in this "
                       "version; available: token_choice | noisy_topk | expert_choice | "
                       "soft_moe\n",
                       enumName(cfg.router.kind));
            return nullptr;
    }
}

}  // namespace moe::app
