// SPDX-License-Identifier: MIT
// Finite-difference checks of every parameter gradient of the MoE layer, for every router and
// loss option (built against the double-precision core, MOELAB_DOUBLE).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/model/layer.h"
#include "test_config.h"

namespace moe {
namespace {

static_assert(std::is_same_v<Scalar, double>, "gradient checks need the double build");

struct Problem {
    ScenarioConfig cfg;
    Matrix x;
    Matrix target;
    std::vector<int32_t> tokenId;
    std::vector<int32_t> domain;
};

/// The layer's training objective: task loss plus the coefficient-weighted balancing losses.
/// Routing context with the problem's labels and a fresh noise stream from `seed`.
struct Context {
    Rng rng;
    RouteContext ctx;
    Context(const Problem& p, uint64_t seed) : rng(seed) {
        ctx.training = true;
        ctx.rng = &rng;
        ctx.seqLen = p.cfg.stream.seqLen;
        ctx.tokenId = &p.tokenId;
        ctx.domain = &p.domain;
    }
};

double objective(Layer& layer, const Problem& p, uint64_t noiseSeed) {
    Context routing(p, noiseSeed);
    layer.forward(p.x, routing.ctx);
    const double task = layer.taskLoss(p.target);
    const BalanceLosses l = layer.losses();
    const LossConfig& c = p.cfg.loss;
    return task + c.aux * l.aux + c.z * l.z + c.importance * l.importance + c.load * l.load +
           c.seqAux * l.seqAux;
}

/// `prepare` runs on the new layer before its parameters are randomised (lifelong events).
void checkGradients(const std::vector<std::string>& overrides,
                    const std::function<void(Layer&)>& prepare = {}) {
    Problem p{testing::configWith(overrides), {}, {}, {}, {}};
    const int T = 24;
    Rng rng(77);
    Rng init(1);
    const std::unique_ptr<Layer> owned = makeLayer(p.cfg, init);
    Layer& layer = *owned;
    if (prepare) prepare(layer);
    for (int t = 0; t < T; ++t) {
        p.tokenId.push_back(static_cast<int32_t>(rng.below(1000)));
        p.domain.push_back(static_cast<int32_t>(rng.below(4)));
    }
    // Random values everywhere (zero-initialised noise weights would hide terms).
    for (Parameter* param : layer.parameters())
        for (Eigen::Index i = 0; i < param->value.size(); ++i)
            param->value.data()[i] = 0.4 * rng.normal();
    p.x = Matrix(T, p.cfg.model.width);
    for (Eigen::Index i = 0; i < p.x.size(); ++i) p.x.data()[i] = rng.normal();
    const int out = p.cfg.model.out > 0 ? p.cfg.model.out : p.cfg.model.width;
    p.target = Matrix(T, out);
    for (Eigen::Index i = 0; i < p.target.size(); ++i) p.target.data()[i] = rng.normal();

    const uint64_t noiseSeed = 12345;
    for (Parameter* param : layer.parameters()) param->zeroGrad();
    objective(layer, p, noiseSeed);
    Context replay(p, noiseSeed);
    layer.forward(p.x, replay.ctx);
    layer.backward(p.x, p.target);

    const double h = 1e-6;
    int checked = 0;
    for (Parameter* param : layer.parameters()) {
        if (param->frozen) {
            EXPECT_TRUE(param->grad.isZero(0)) << param->name << " is frozen";
            continue;
        }
        const Matrix analytic = param->grad;
        const Eigen::Index n = param->value.size();
        for (int probe = 0; probe < 10; ++probe) {
            const auto i = static_cast<Eigen::Index>(rng.below(static_cast<uint64_t>(n)));
            double& v = param->value.data()[i];
            const double saved = v;
            v = saved + h;
            const double up = objective(layer, p, noiseSeed);
            v = saved - h;
            const double down = objective(layer, p, noiseSeed);
            v = saved;
            const double numeric = (up - down) / (2 * h);
            const double a = analytic.data()[i];
            const double rel = std::abs(a - numeric) / std::max(std::abs(a) + std::abs(numeric), 1e-7);
            EXPECT_LT(rel, 1e-3) << param->name << "[" << i << "] analytic " << a << " numeric "
                                 << numeric;
            ++checked;
        }
    }
    EXPECT_GT(checked, 0);
}

const std::vector<std::string> kBase = {"model.width=6", "model.experts=6", "model.hidden=5",
                                        "model.out=4", "train.tokens=24"};

std::vector<std::string> with(std::vector<std::string> extra) {
    std::vector<std::string> all = kBase;
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
}

TEST(Gradients, SwitchTop1WithAuxZAndJitter) {
    checkGradients(with({"router.k=1", "router.noise=jitter", "router.jitter_eps=0.1",
                         "loss.aux=0.5", "loss.z=0.1", "router.capacity_factor=1.0"}));
}

TEST(Gradients, Top2TopKNormWithDrops) {
    checkGradients(with({"router.k=2", "router.weight_norm=topk", "router.capacity_factor=0.75",
                         "loss.aux=0.3", "loss.z=0.2"}));
}

TEST(Gradients, Top2KeptNormScorePriorityGaussianNoise) {
    checkGradients(with({"router.k=2", "router.weight_norm=kept", "router.priority=score",
                         "router.capacity_factor=0.75", "router.noise=gaussian",
                         "router.noise_std=0.5", "loss.aux=0.3", "loss.aux_first_choice=true"}));
}

TEST(Gradients, GShardSamplingWithGumbelNoise) {
    checkGradients(with({"router.k=2", "router.second_expert=sampling", "router.noise=gumbel",
                         "router.weight_norm=none", "loss.aux=0.2"}));
}

TEST(Gradients, DeepSeekV3SigmoidGroupsScaleSeqAux) {
    checkGradients(with({"router.k=2", "router.scores=sigmoid", "router.weight_norm=topk",
                         "router.weight_scale=2.5", "router.groups=3", "router.topk_group=2",
                         "router.capacity_factor=0", "router.balance=aux_free", "loss.aux=0",
                         "loss.z=0", "loss.seq_aux=0.5", "stream.seq_len=6"}));
}

TEST(Gradients, NoisyTopKWithImportanceAndLoad) {
    checkGradients(with({"router.kind=noisy_topk", "router.k=2", "loss.importance=0.5",
                         "loss.load=0.5", "loss.aux=0.2", "loss.z=0.1",
                         "router.capacity_factor=1.0"}));
}

TEST(Gradients, NoisyTop1WithLoad) {
    checkGradients(with({"router.kind=noisy_topk", "router.k=1", "loss.importance=0.3",
                         "loss.load=1.0", "router.capacity_factor=0"}));
}

TEST(Gradients, LinearExperts) {
    checkGradients(with({"model.expert_kind=linear", "router.k=2", "loss.aux=0.1"}));
}

TEST(Gradients, LoraExpertsOverFrozenBase) {
    checkGradients(with({"model.expert_kind=lora", "model.lora_rank=2", "router.k=2",
                         "model.shared_experts=1", "loss.aux=0.1"}));
}

TEST(Gradients, SharedAndNullExperts) {
    checkGradients(with({"router.k=2", "model.shared_experts=2", "model.null_experts=2",
                         "router.capacity_factor=1.0", "loss.aux=0.1"}));
}

TEST(Gradients, CompetitiveObjective) {
    checkGradients(with({"router.k=3", "loss.objective=competitive", "router.weight_norm=kept",
                         "router.capacity_factor=0.75", "loss.aux=0.1"}));
}

TEST(Gradients, CompetitiveObjectiveWithSharedExperts) {
    checkGradients(with({"router.k=2", "loss.objective=competitive", "model.shared_experts=1",
                         "router.capacity_factor=1.0"}));
}

// Expert choice (ROUTING.md §3): the combine weights are S at every pick, through the softmax;
// the z-loss is its only balancing loss.
TEST(Gradients, ExpertChoiceCapacity1WithZLoss) {
    checkGradients(with({"router.kind=expert_choice", "router.capacity_factor=1.0",
                         "loss.z=0.2"}));
}

TEST(Gradients, ExpertChoiceHalfCapacityWithJitter) {
    checkGradients(with({"router.kind=expert_choice", "router.capacity_factor=0.5",
                         "router.noise=jitter", "router.jitter_eps=0.1", "loss.z=0.1"}));
}

TEST(Gradients, ExpertChoiceDroplessCompetitiveWithSharedExperts) {
    checkGradients(with({"router.kind=expert_choice", "router.capacity_factor=0",
                         "loss.objective=competitive", "model.shared_experts=1", "loss.z=0.1"}));
}

// Soft MoE (ROUTING.md §4): both softmaxes, the l2 normalisations, the scale and the slot
// inputs, which carry the router's gradient through the experts' input gradients.
TEST(Gradients, SoftMoeNormalized) {
    checkGradients(with({"router.kind=soft_moe", "router.slots=2", "router.k=1"}));
}

TEST(Gradients, SoftMoeUnnormalized) {
    checkGradients(with({"router.kind=soft_moe", "router.slots=2", "router.k=1",
                         "router.normalize=false"}));
}

TEST(Gradients, SoftMoeWithSharedExpertsAndGaussianNoise) {
    checkGradients(with({"router.kind=soft_moe", "router.slots=2", "router.k=1",
                         "model.shared_experts=2", "router.noise=gaussian",
                         "router.noise_std=0.3"}));
}

TEST(Gradients, SoftMoeWithNullExperts) {
    checkGradients(with({"router.kind=soft_moe", "router.slots=3", "router.k=1",
                         "model.null_experts=2"}));
}

TEST(Gradients, SoftMoeLoraExperts) {
    checkGradients(with({"router.kind=soft_moe", "router.slots=2", "router.k=1",
                         "model.expert_kind=lora", "model.lora_rank=2"}));
}

// Baselines (ROUTING.md §9) have no router parameters: this checks the experts under their
// equal-share weights, with drops.
TEST(Gradients, BaselineRoutersWithDrops) {
    checkGradients(with({"stream.kind=zipf", "router.kind=hash", "router.k=2",
                         "router.capacity_factor=0.75", "router.weight_norm=kept"}));
    checkGradients(with({"router.kind=random", "router.k=2", "router.capacity_factor=0.75"}));
    checkGradients(with({"router.kind=rre", "router.groups=3", "router.k=2",
                         "router.capacity_factor=0.75"}));
}

}  // namespace
}  // namespace moe

namespace moe {
namespace {

// After an add_experts event the layer has more router columns and experts; with one old and
// one new expert removed, the masked columns must carry no gradient and the rest stay exact.
void growAndRemove(Layer& layer) {
    Rng eventRng(5);
    layer.addExperts(2, ColumnInit::Default, eventRng);
    ExpertStates states(8, ExpertState::Live);
    states[1] = ExpertState::Removed;
    states[7] = ExpertState::Removed;
    layer.setExpertStates(states);
}

TEST(Gradients, TokenChoiceAfterAddExpertsWithRemovedExperts) {
    checkGradients(with({"router.k=2", "loss.aux=0.1", "loss.z=0.01", "loss.seq_aux=0.1",
                         "stream.seq_len=8"}),
                   growAndRemove);
}

TEST(Gradients, SigmoidAuxFreeAfterAddExperts) {
    checkGradients(with({"router.k=2", "router.scores=sigmoid", "router.capacity_factor=1"}),
                   growAndRemove);
}

}  // namespace
}  // namespace moe
