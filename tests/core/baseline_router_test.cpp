// SPDX-License-Identifier: MIT
// Baseline routers of ROUTING.md §9 (hash, random, RRE): their choices, uniform weights,
// capacity, and the scenario rules that keep them to streams with the labels they need.
#include "core/routing/baseline_routers.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_config.h"

namespace moe {
namespace {

using testing::configWith;

Matrix tokens(int n) { return Matrix::Zero(n, 3); }

/// Kept assignments per expert.
std::vector<int64_t> keptPerExpert(const RoutingDecision& d) {
    std::vector<int64_t> count(static_cast<size_t>(d.nExperts), 0);
    for (int t = 0; t < d.nTokens; ++t)
        for (int j = 0; j < d.k; ++j)
            if (d.kept(t, j)) ++count[static_cast<size_t>(d.choice(t, j))];
    return count;
}

void expectDistinctChoices(const RoutingDecision& d) {
    for (int t = 0; t < d.nTokens; ++t) {
        std::set<int32_t> seen;
        for (int j = 0; j < d.k; ++j) {
            ASSERT_GE(d.choice(t, j), 0);
            ASSERT_LT(d.choice(t, j), d.nExperts);
            seen.insert(d.choice(t, j));
        }
        ASSERT_EQ(seen.size(), static_cast<size_t>(d.k)) << "token " << t;
    }
}

/// Without drops, each token's weights add up to weight_scale (equal shares).
void expectWeightsSumToScale(const RoutingDecision& d, double scale) {
    for (int t = 0; t < d.nTokens; ++t) {
        double sum = 0;
        for (int j = 0; j < d.k; ++j) {
            ASSERT_TRUE(d.kept(t, j));
            EXPECT_NEAR(d.weight(t, j), scale / d.k, 1e-6);
            sum += d.weight(t, j);
        }
        EXPECT_NEAR(sum, scale, 1e-5);
    }
}

TEST(HashRouter, ModuloIsTheIdModE) {
    ScenarioConfig cfg = configWith({"stream.kind=zipf", "model.experts=7", "router.kind=hash",
                                     "router.k=1", "router.capacity_factor=0"});
    Rng init(1);
    const auto router = makeRouter(cfg.router, cfg.loss, 3, 7, init);
    std::vector<int32_t> ids = {0, 1, 6, 7, 13, 14, 700, 123456};
    RouteContext ctx;
    ctx.tokenId = &ids;
    const RoutingDecision& d = router->route(tokens(8), ctx);
    for (int t = 0; t < 8; ++t) EXPECT_EQ(d.choice(t, 0), ids[static_cast<size_t>(t)] % 7);
    expectWeightsSumToScale(d, 1.0);
    EXPECT_FLOAT_EQ(d.scores(0, 3), 1.0f / 7);
    EXPECT_FLOAT_EQ(d.probs(5, 6), 1.0f / 7);
}

TEST(HashRouter, RandomHashIsFixedAndIgnoresTheRoutingStream) {
    ScenarioConfig cfg = configWith({"stream.kind=zipf", "model.experts=8", "router.kind=hash",
                                     "router.hash=random", "router.k=2", "router.capacity_factor=0",
                                     "router.weight_scale=3"});
    Rng init(5);
    HashRouter router(cfg.router, 8, init);
    std::vector<int32_t> ids;
    for (int i = 0; i < 400; ++i) ids.push_back(i % 50);  // each id 8 times
    std::vector<int> first(50, -1);
    std::vector<int64_t> perExpert(8, 0);
    for (uint64_t seed : {1u, 2u, 3u}) {
        Rng routeRng(seed);
        RouteContext ctx;
        ctx.rng = &routeRng;
        ctx.training = true;
        ctx.tokenId = &ids;
        const RoutingDecision& d = router.route(tokens(400), ctx);
        expectDistinctChoices(d);
        expectWeightsSumToScale(d, 3.0);
        for (int t = 0; t < 400; ++t) {
            const int32_t id = ids[static_cast<size_t>(t)];
            const int h = router.expertOf(id);
            EXPECT_EQ(d.choice(t, 0), h);
            EXPECT_EQ(d.choice(t, 1), (h + 1) % 8);  // k > 1: the next experts in order
            int& seen = first[static_cast<size_t>(id)];
            if (seen < 0) seen = h;
            EXPECT_EQ(seen, h) << "id " << id;
        }
    }
    // A hash, not the identity: over 50 ids, not every expert is id mod 8.
    int modulo = 0;
    for (int id = 0; id < 50; ++id) modulo += first[static_cast<size_t>(id)] == id % 8;
    EXPECT_LT(modulo, 25);
    for (int id = 0; id < 50; ++id) ++perExpert[static_cast<size_t>(first[static_cast<size_t>(id)])];
    for (int64_t n : perExpert) EXPECT_GT(n, 0);
}

TEST(HashRouter, NeedsTokenIds) {
    ScenarioConfig cfg = configWith({"stream.kind=zipf", "router.kind=hash", "router.k=1"});
    Rng init(1);
    const auto router = makeRouter(cfg.router, cfg.loss, 3, cfg.model.experts, init);
    try {
        router->route(tokens(4), RouteContext{});
        FAIL() << "routed without token ids";
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("router.kind = hash"), std::string::npos) << what;
        EXPECT_NE(what.find("stream.kind = zipf"), std::string::npos) << what;
    }
}

TEST(HashRouter, CapacityIsRespected) {
    ScenarioConfig cfg = configWith({"stream.kind=zipf", "model.experts=4", "router.kind=hash",
                                     "router.k=1", "router.capacity_factor=1.0"});
    Rng init(1);
    HashRouter router(cfg.router, 4, init);
    std::vector<int32_t> ids = {0, 4, 8, 12, 16, 1, 2, 3};  // five tokens hash to expert 0
    RouteContext ctx;
    ctx.tokenId = &ids;
    const RoutingDecision& d = router.route(tokens(8), ctx);
    EXPECT_EQ(d.capacity, 2);
    for (int64_t n : keptPerExpert(d)) EXPECT_LE(n, 2);
    // Fill in token order: the first two of expert 0's tokens are kept, with weight 1.
    EXPECT_TRUE(d.kept(0, 0) && d.kept(1, 0));
    EXPECT_FALSE(d.kept(2, 0) || d.kept(3, 0) || d.kept(4, 0));
    EXPECT_EQ(d.weight(2, 0), 0.0f);
    EXPECT_FLOAT_EQ(d.weight(1, 0), 1.0f);
}

TEST(RandomRouter, DistinctAndRoughlyUniform) {
    ScenarioConfig cfg = configWith({"model.experts=8", "router.kind=random", "router.k=3",
                                     "router.capacity_factor=0"});
    RandomRouter router(cfg.router, 8);
    Rng routeRng(17);
    RouteContext ctx;
    ctx.rng = &routeRng;
    const int T = 8000;
    const RoutingDecision& d = router.route(tokens(T), ctx);
    expectDistinctChoices(d);
    expectWeightsSumToScale(d, 1.0);
    // Every expert expects T k / E = 3000 picks (std about 48); per choice rank, T / E = 1000.
    std::vector<std::vector<int>> byRank(3, std::vector<int>(8, 0));
    for (int t = 0; t < T; ++t)
        for (int j = 0; j < 3; ++j) ++byRank[static_cast<size_t>(j)][static_cast<size_t>(d.choice(t, j))];
    for (const auto& rank : byRank)
        for (int n : rank) EXPECT_NEAR(n, 1000, 120);
    for (int64_t n : keptPerExpert(d)) EXPECT_NEAR(static_cast<double>(n), 3000, 200);
    EXPECT_FLOAT_EQ(d.scores(0, 0), 1.0f / 8);
}

TEST(RandomRouter, IndependentPerCallAndCapacityRespected) {
    ScenarioConfig cfg = configWith({"model.experts=4", "router.kind=random", "router.k=2",
                                     "router.capacity_factor=0.5", "router.weight_norm=kept"});
    RandomRouter router(cfg.router, 4);
    Rng routeRng(3);
    RouteContext ctx;
    ctx.rng = &routeRng;
    const IndexMatrix first = router.route(tokens(64), ctx).choice;
    const RoutingDecision& d = router.route(tokens(64), ctx);
    EXPECT_FALSE(first == d.choice);
    EXPECT_EQ(d.capacity, 16);  // ceil(0.5 * 2 * 64 / 4)
    for (int64_t n : keptPerExpert(d)) EXPECT_LE(n, 16);
    // weight_norm = kept: a token with one choice left gets the whole weight_scale.
    for (int t = 0; t < 64; ++t) {
        const int kept = d.kept(t, 0) + d.kept(t, 1);
        for (int j = 0; j < 2; ++j) {
            if (d.kept(t, j)) {
                EXPECT_FLOAT_EQ(d.weight(t, j), 1.0f / static_cast<float>(kept));
            }
        }
    }
}

TEST(RreRouter, ExpertsOnlyInTheDomainsGroupUniformWithin) {
    ScenarioConfig cfg = configWith({"model.experts=12", "router.kind=rre", "router.groups=3",
                                     "router.k=2", "router.capacity_factor=0"});
    Rng init(1);
    const auto router = makeRouter(cfg.router, cfg.loss, 3, 12, init);
    const int T = 6000;
    std::vector<int32_t> domains;
    for (int t = 0; t < T; ++t) domains.push_back(t % 7);  // more domains than groups
    Rng routeRng(8);
    RouteContext ctx;
    ctx.rng = &routeRng;
    ctx.domain = &domains;
    const RoutingDecision& d = router->route(tokens(T), ctx);
    expectDistinctChoices(d);
    expectWeightsSumToScale(d, 1.0);
    std::vector<int> count(12, 0);
    for (int t = 0; t < T; ++t) {
        const int group = domains[static_cast<size_t>(t)] % 3;
        for (int j = 0; j < 2; ++j) {
            EXPECT_EQ(d.choice(t, j) / 4, group) << "token " << t;
            ++count[static_cast<size_t>(d.choice(t, j))];
        }
        for (int e = 0; e < 12; ++e)
            EXPECT_FLOAT_EQ(d.scores(t, e), e / 4 == group ? 0.25f : 0.0f);
    }
    // Group sizes in tokens: domains {0,3,6}, {1,4}, {2,5} of 7; each expert gets k / 4 of them.
    const double perDomain = T / 7.0;
    const double expected[3] = {3 * perDomain * 2 / 4, 2 * perDomain * 2 / 4, 2 * perDomain * 2 / 4};
    for (int e = 0; e < 12; ++e)
        EXPECT_NEAR(count[static_cast<size_t>(e)], expected[e / 4], 0.08 * expected[e / 4]) << e;
}

TEST(RreRouter, NeedsDomainsAndCapacityIsRespected) {
    ScenarioConfig cfg = configWith({"model.experts=8", "router.kind=rre", "router.groups=2",
                                     "router.k=1", "router.capacity_factor=1.0"});
    RreRouter router(cfg.router, 8);
    Rng routeRng(2);
    RouteContext ctx;
    ctx.rng = &routeRng;
    EXPECT_THROW(router.route(tokens(4), ctx), std::invalid_argument);
    std::vector<int32_t> domains(40, 0);  // everything to group 0: half the experts overflow
    ctx.domain = &domains;
    const RoutingDecision& d = router.route(tokens(40), ctx);
    EXPECT_EQ(d.capacity, 5);
    const auto kept = keptPerExpert(d);
    for (int e = 0; e < 8; ++e) EXPECT_LE(kept[static_cast<size_t>(e)], e < 4 ? 5 : 0);
}

TEST(BaselineRouters, NothingToTrain) {
    ScenarioConfig cfg = configWith({"model.experts=4", "router.kind=random", "router.k=1"});
    RandomRouter router(cfg.router, 4);
    EXPECT_TRUE(router.parameters().empty());
    const BalanceLosses l = router.losses();
    EXPECT_EQ(l.aux + l.z + l.importance + l.load + l.seqAux, 0.0);
}

/// The issue about `key` in a rejected scenario, or an empty string.
std::string issueAbout(const std::vector<std::string>& overrides, const std::string& key) {
    auto result = loadScenario("", overrides);
    if (result) return {};
    for (const auto& issue : result.error())
        if (issue.key == key) return issue.message;
    return {};
}

TEST(BaselineRouters, ScenarioRules) {
    // Hash routing needs token ids, which only the zipf stream has.
    const std::string hash = issueAbout({"router.kind=hash", "stream.kind=clusters"}, "router.kind");
    EXPECT_NE(hash.find("accepted stream.kind: zipf | text | dumped (with /token_id)"), std::string::npos)
        << hash;
    EXPECT_TRUE(loadScenario("", {"router.kind=hash", "stream.kind=zipf", "router.k=1"}));
    // RRE draws all k inside one group.
    const std::string rre = issueAbout({"router.kind=rre", "model.experts=8", "router.groups=4",
                                        "router.k=3"},
                                       "router.k");
    EXPECT_NE(rre.find("accepted: integer 1..2"), std::string::npos) << rre;
    EXPECT_TRUE(loadScenario("", {"router.kind=rre", "model.experts=8", "router.groups=4",
                                  "router.k=2"}));
    EXPECT_TRUE(loadScenario("", {"router.kind=random"}));
    EXPECT_TRUE(loadScenario("", {"router.kind=autoencoder"}));
    EXPECT_NE(issueAbout({"router.kind=random", "router.noise=gumbel"}, "router.noise"), "");
    EXPECT_NE(issueAbout({"router.kind=autoencoder", "router.balance=aux_free"}, "router.balance"),
              "");
}

}  // namespace
}  // namespace moe
