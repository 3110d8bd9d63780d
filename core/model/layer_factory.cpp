// SPDX-License-Identifier: MIT
#include "core/model/layer.h"
#include "core/model/moe_layer.h"
#include "core/model/soft_moe_layer.h"

#include <stdexcept>

namespace moe {

void Layer::addExperts(int /*n*/, ColumnInit /*init*/, Rng& /*rng*/) {
    throw std::invalid_argument("this layer cannot add experts during a run");
}

void Layer::setExpertStates(const ExpertStates& /*states*/) {
    throw std::invalid_argument("this layer cannot freeze or remove experts during a run");
}

std::unique_ptr<Layer> makeLayer(const ScenarioConfig& config, Rng& initRng) {
    if (config.router.kind == RouterKind::SoftMoe)
        return std::make_unique<SoftMoeLayer>(config, initRng);
    return std::make_unique<MoeLayer>(config, initRng);
}

}  // namespace moe
