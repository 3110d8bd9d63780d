// SPDX-License-Identifier: MIT
// Whole training runs: determinism, NaN detection and the behaviour the engine must show.
#include "core/sim/simulation.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/util/parallel.h"
#include "test_config.h"

namespace moe {
namespace {

using testing::configWith;

std::vector<StepStats> runSteps(const ScenarioConfig& cfg, int steps) {
    Simulation sim(cfg);
    std::vector<StepStats> out;
    for (int i = 0; i < steps; ++i) out.push_back(sim.step());
    return out;
}

bool bitEqual(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void expectIdentical(const std::vector<StepStats>& a, const std::vector<StepStats>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_TRUE(bitEqual(a[i].taskLoss, b[i].taskLoss)) << "step " << i;
        EXPECT_TRUE(bitEqual(a[i].auxLoss, b[i].auxLoss)) << "step " << i;
        EXPECT_TRUE(bitEqual(a[i].loadCv, b[i].loadCv)) << "step " << i;
        EXPECT_TRUE(bitEqual(a[i].routerEntropy, b[i].routerEntropy)) << "step " << i;
        EXPECT_EQ(a[i].demand, b[i].demand) << "step " << i;
        EXPECT_EQ(a[i].importance, b[i].importance) << "step " << i;
    }
}

TEST(Simulation, SameSeedSameRunBitForBit) {
    const ScenarioConfig cfg = configWith({"train.tokens=256", "router.noise=gaussian"});
    expectIdentical(runSteps(cfg, 20), runSteps(cfg, 20));
}

TEST(Simulation, OneAndTwoThreadsGiveTheSameRun) {
    // 2500 tokens span three fixed chunks, so the chunked products really split.
    const ScenarioConfig one = configWith({"train.tokens=2500", "train.threads=1", "loss.seq_aux=0.01",
                                           "stream.seq_len=100", "router.kind=noisy_topk",
                                           "loss.load=0.01", "loss.importance=0.01"});
    const ScenarioConfig two = configWith({"train.tokens=2500", "train.threads=2", "loss.seq_aux=0.01",
                                           "stream.seq_len=100", "router.kind=noisy_topk",
                                           "loss.load=0.01", "loss.importance=0.01"});
    const auto a = runSteps(one, 8);
    const auto b = runSteps(two, 8);
    setThreadCount(0);
    expectIdentical(a, b);
}

TEST(Simulation, DifferentSeedsDiffer) {
    const auto a = runSteps(configWith({"train.tokens=128", "seed=1"}), 3);
    const auto b = runSteps(configWith({"train.tokens=128", "seed=2"}), 3);
    EXPECT_FALSE(bitEqual(a[2].taskLoss, b[2].taskLoss));
}

TEST(Simulation, TrainingLowersTheTaskLoss) {
    const auto s = runSteps(configWith({"train.tokens=256", "train.lr=0.003"}), 300);
    double early = 0, late = 0;
    for (int i = 0; i < 20; ++i) {
        early += s[static_cast<size_t>(i)].taskLoss;
        late += s[s.size() - 1 - static_cast<size_t>(i)].taskLoss;
    }
    EXPECT_LT(late, 0.5 * early);
}

TEST(Simulation, DivergenceIsReportedWithStepAndTensor) {
    Simulation sim(configWith({"train.tokens=64", "train.optimizer=sgd", "train.lr=1e30"}));
    try {
        for (int i = 0; i < 50; ++i) sim.step();
        FAIL() << "a learning rate of 1e30 must diverge";
    } catch (const NonFiniteError& e) {
        EXPECT_GE(e.step(), 0);
        EXPECT_LT(e.step(), 50);
        EXPECT_FALSE(e.tensor().empty());
        EXPECT_NE(std::string(e.what()).find("step"), std::string::npos);
    }
}

/// Mean of a metric over the last n steps.
template <typename F>
double tailMean(const std::vector<StepStats>& s, size_t n, F metric) {
    double sum = 0;
    for (size_t i = s.size() - n; i < s.size(); ++i) sum += metric(s[i]);
    return sum / static_cast<double>(n);
}

// ROUTING.md §5 / Switch Transformer: without a balancing loss top-1 routing on a skewed stream
// concentrates on few experts; the Switch aux loss at 1e-2 keeps the load spread.
TEST(Behaviour, AuxLossPreventsCollapseOfTop1Routing) {
    const std::vector<std::string> base = {"router.k=1", "train.tokens=512", "train.lr=0.003",
                                           "loss.z=0", "router.capacity_factor=0"};
    auto noAux = base;
    noAux.push_back("loss.aux=0");
    auto aux = base;
    aux.push_back("loss.aux=0.01");
    const auto a = runSteps(configWith(noAux), 400);
    const auto b = runSteps(configWith(aux), 400);
    const double cvNoAux = tailMean(a, 50, [](const StepStats& s) { return s.loadCv; });
    const double cvAux = tailMean(b, 50, [](const StepStats& s) { return s.loadCv; });
    const double deadNoAux = tailMean(a, 50, [](const StepStats& s) { return s.deadExperts; });
    const double deadAux = tailMean(b, 50, [](const StepStats& s) { return s.deadExperts; });
    RecordProperty("load_cv_no_aux", std::to_string(cvNoAux));
    RecordProperty("load_cv_aux", std::to_string(cvAux));
    EXPECT_GT(cvNoAux, 1.5 * cvAux) << "no aux " << cvNoAux << " aux " << cvAux;
    EXPECT_GT(deadNoAux, deadAux) << "no aux " << deadNoAux << " aux " << deadAux;
}

TEST(Behaviour, DropFractionFallsAsCapacityFactorRises) {
    double previous = 2.0;
    for (const char* cf : {"0.5", "1.0", "1.5", "2.0"}) {
        const auto s = runSteps(configWith({"train.tokens=512", std::string("router.capacity_factor=") + cf}), 100);
        const double drop = tailMean(s, 50, [](const StepStats& x) { return x.dropFraction; });
        EXPECT_LT(drop, previous) << "capacity factor " << cf;
        previous = drop;
    }
}

// ROUTING.md §3: expert-choice experts never overflow, so nothing is dropped and the load is
// even by construction, while on a skewed stream some tokens interest no expert.
TEST(Behaviour, ExpertChoiceNeverDropsYetLeavesSomeTokensUnpicked) {
    const auto s = runSteps(configWith({"router.kind=expert_choice", "stream.zipf=1.2",
                                        "train.tokens=512", "train.lr=0.003", "seed=3"}),
                            150);
    double tokenDrop = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        ASSERT_EQ(s[i].dropFraction, 0.0) << "step " << i;
        ASSERT_EQ(s[i].loadCv, 0.0) << "step " << i;
        ASSERT_EQ(s[i].demand, s[i].load) << "step " << i;
        tokenDrop += s[i].tokenDropFraction;
    }
    tokenDrop /= static_cast<double>(s.size());
    RecordProperty("mean_token_drop_fraction", std::to_string(tokenDrop));
    EXPECT_GT(tokenDrop, 0.01);
}

}  // namespace
}  // namespace moe
