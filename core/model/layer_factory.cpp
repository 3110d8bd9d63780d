// SPDX-License-Identifier: MIT
#include "core/model/layer.h"
#include "core/model/moe_layer.h"
#include "core/model/soft_moe_layer.h"

namespace moe {

std::unique_ptr<Layer> makeLayer(const ScenarioConfig& config, Rng& initRng) {
    if (config.router.kind == RouterKind::SoftMoe)
        return std::make_unique<SoftMoeLayer>(config, initRng);
    return std::make_unique<MoeLayer>(config, initRng);
}

}  // namespace moe
