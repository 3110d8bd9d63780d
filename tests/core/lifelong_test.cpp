// SPDX-License-Identifier: MIT
// Lifelong-learning events: parsing and its errors, what add/freeze/remove do to the model and
// the optimiser, the trace's per-expert columns, probes and determinism across events.
#include "core/config/options.h"
#include "core/io/trace_reader.h"
#include "core/io/trace_writer.h"
#include "core/model/layer.h"
#include "core/sim/simulation.h"
#include "core/train/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace moe {
namespace {

constexpr const char* kBase = R"(seed = 3
[stream]
domains = 3
zipf = 0
[model]
width = 8
experts = 4
hidden = 8
[router]
k = 2
[train]
steps = 30
tokens = 64
threads = 1
)";

tl::expected<ScenarioConfig, std::vector<Issue>> parse(const std::string& events,
                                                       const std::vector<std::string>& cli = {}) {
    return parseScenarioText(std::string(kBase) + events, "s.ini", cli);
}

ScenarioConfig parsed(const std::string& events, const std::vector<std::string>& cli = {}) {
    auto result = parse(events, cli);
    if (!result) {
        std::string text;
        for (const Issue& issue : result.error()) text += issue.format() + "\n";
        ADD_FAILURE() << text;
        return {};
    }
    return *result;
}

/// The single issue of a rejected scenario (fails the test if there is not exactly one).
Issue onlyIssue(const std::string& events, const std::vector<std::string>& cli = {}) {
    auto result = parse(events, cli);
    EXPECT_FALSE(result.has_value());
    if (result) return {};
    EXPECT_EQ(result.error().size(), 1u);
    return result.error().front();
}

TEST(EventParsing, ReadsEveryActionSortedByStepThenName) {
    const ScenarioConfig c = parsed(R"(
[event.late]
at = 20
remove_experts = 1,4
train.lr = 0.01
[event.grow]
at = 5
add_experts = 2
init = copy_mean
freeze_experts = old
stream.mixture = 0,0,1
[event.also_grow]
at = 5
freeze_experts = 0,2
)");
    ASSERT_EQ(c.events.size(), 3u);
    EXPECT_EQ(c.events[0].name, "also_grow");
    EXPECT_EQ(c.events[0].freeze, (std::vector<int>{0, 2}));
    EXPECT_EQ(c.events[1].name, "grow");
    EXPECT_EQ(c.events[1].at, 5);
    EXPECT_EQ(c.events[1].addExperts, 2);
    EXPECT_EQ(c.events[1].init, ColumnInit::CopyMean);
    EXPECT_TRUE(c.events[1].freezeOld);
    EXPECT_EQ(c.events[1].mixture, (std::vector<double>{0, 0, 1}));
    EXPECT_EQ(c.events[2].remove, (std::vector<int>{1, 4}));
    EXPECT_EQ(c.events[2].lr, 0.01);
    EXPECT_EQ(maxExperts(c.events, c.model.experts), 6);

    // The rendered text (the trace's scenario attribute) parses back to the same events.
    auto again = parseScenarioText(c.scenarioText, "again.ini", {});
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->scenarioText, c.scenarioText);
    ASSERT_EQ(again->events.size(), 3u);
    EXPECT_EQ(again->events[1].mixture, c.events[1].mixture);
    EXPECT_NE(c.scenarioText.find("[event.grow]\nat = 5\nadd_experts = 2\ninit = copy_mean\n"),
              std::string::npos)
        << c.scenarioText;
}

TEST(EventParsing, CommandLineSetsAndReplacesEventKeys) {
    const ScenarioConfig c =
        parsed("[event.grow]\nat = 5\nadd_experts = 1\n",
               {"--event.grow.add_experts=3", "--event.new.at", "7", "event.new.train.lr=0.5"});
    ASSERT_EQ(c.events.size(), 2u);
    EXPECT_EQ(c.events[0].addExperts, 3);
    EXPECT_EQ(c.events[1].name, "new");
    EXPECT_EQ(c.events[1].at, 7);
    EXPECT_EQ(c.events[1].lr, 0.5);
}

TEST(EventParsing, ErrorsNameFileLineKeyAndAcceptedValues) {
    Issue i = onlyIssue("[event.grow]\nat = 5\nadd_expert = 1\n");
    EXPECT_EQ(i.file, "s.ini");
    EXPECT_EQ(i.line, 17);
    EXPECT_EQ(i.key, "event.grow.add_expert");
    EXPECT_NE(i.message.find("accepted: at, add_experts"), std::string::npos) << i.message;

    i = onlyIssue("[event.grow]\nat = -1\nadd_experts = 1\n");
    EXPECT_EQ(i.key, "event.grow.at");
    EXPECT_EQ(i.line, 16);
    EXPECT_NE(i.message.find("integer >= 0"), std::string::npos) << i.message;

    i = onlyIssue("[event.grow]\nadd_experts = 1\n");
    EXPECT_EQ(i.key, "event.grow.at");
    EXPECT_NE(i.message.find("missing"), std::string::npos);

    i = onlyIssue("[event.grow]\nat = 1\n");
    EXPECT_NE(i.message.find("no action"), std::string::npos);

    i = onlyIssue("[event.grow]\nat = 1\ninit = random\nadd_experts = 1\n");
    EXPECT_EQ(i.key, "event.grow.init");
    EXPECT_NE(i.message.find("default | zero | copy_mean"), std::string::npos);

    i = onlyIssue("[event.bad!name]\nat = 1\nadd_experts = 1\n");
    EXPECT_NE(i.message.find("letters, digits"), std::string::npos);

    i = onlyIssue("", {"--event.grow.add_experts=x", "--event.grow.at=2"});
    EXPECT_EQ(i.file, "command line");
    EXPECT_EQ(i.key, "event.grow.add_experts");
}

TEST(EventParsing, IdsCountEarlierAddsAndRemovalsKeepEnoughExperts) {
    // Expert 5 exists only after the add at step 5.
    Issue i = onlyIssue("[event.a]\nat = 1\nfreeze_experts = 5\n");
    EXPECT_EQ(i.key, "event.a.freeze_experts");
    EXPECT_EQ(i.line, 17);
    EXPECT_NE(i.message.find("ids 0..3"), std::string::npos) << i.message;
    parsed("[event.a]\nat = 1\nadd_experts = 2\n[event.b]\nat = 5\nfreeze_experts = 5\n");

    i = onlyIssue("[event.a]\nat = 1\nremove_experts = 0,1,2,3\n");
    EXPECT_NE(i.message.find("removes every expert"), std::string::npos) << i.message;
    i = onlyIssue("[event.a]\nat = 1\nremove_experts = 0,1,2\n");  // k = 2 > 1 live expert
    EXPECT_NE(i.message.find("router.k = 2"), std::string::npos) << i.message;
    i = onlyIssue("[event.a]\nat = 1\nremove_experts = 0\n[event.b]\nat = 2\nremove_experts = 0\n");
    EXPECT_NE(i.message.find("already removed"), std::string::npos);

    i = onlyIssue("[event.a]\nat = 1\nstream.mixture = 1,0\n");
    EXPECT_NE(i.message.find("stream.domains = 3"), std::string::npos) << i.message;
    i = onlyIssue("[event.a]\nat = 1\nadd_experts = 1\n", {"--router.kind=soft_moe"});
    EXPECT_NE(i.message.find("token_choice | autoencoder"), std::string::npos) << i.message;
    i = onlyIssue("[event.a]\nat = 1\nadd_experts = 1\ninit = zero\n",
                  {"--router.kind=autoencoder"});
    EXPECT_EQ(i.key, "event.a.init");
    EXPECT_NE(i.message.find("fresh autoencoder"), std::string::npos) << i.message;
    i = onlyIssue("[event.a]\nat = 1\ntrain.lr = 0\n");
    EXPECT_NE(i.message.find("number > 0"), std::string::npos) << i.message;
}

TEST(EventParsing, HelpListsTheEventKeys) {
    const std::string help = formatOptionsHelp();
    EXPECT_NE(help.find("event.NAME.add_experts"), std::string::npos);
    EXPECT_NE(help.find("event.NAME.stream.mixture"), std::string::npos);
    EXPECT_NE(help.find("metrics.probe_every"), std::string::npos);
}

std::map<std::string, Matrix> parameterValues(Layer& layer) {
    std::map<std::string, Matrix> values;
    for (const Parameter* p : layer.parameters()) values[p->name] = p->value;
    return values;
}

TEST(Events, AddExpertsKeepsOldParametersAndAppendsColumns) {
    for (const std::string kind : {"token_choice", "autoencoder"}) {
        const ScenarioConfig c = parsed("", {"--router.kind=" + kind});
        Rng init(1);
        const std::unique_ptr<Layer> layer = makeLayer(c, init);
        const std::map<std::string, Matrix> before = parameterValues(*layer);
        Rng eventRng(2);
        const bool tokenChoice = kind == "token_choice";
        layer->addExperts(2, tokenChoice ? ColumnInit::CopyMean : ColumnInit::Default, eventRng);
        const std::map<std::string, Matrix> after = parameterValues(*layer);
        EXPECT_EQ(after.size(), before.size() + 2 * (kind == "token_choice" ? 4 : 8)) << kind;
        for (const auto& [name, value] : before) {
            const Matrix& now = after.at(name);
            if (name == "router.w") {
                EXPECT_TRUE(now.leftCols(4) == value);
                // copy_mean: each new column is the mean of the old ones.
                const Vector mean = value.rowwise().mean();
                EXPECT_TRUE(now.col(4).isApprox(mean, 1e-6));
                EXPECT_TRUE(now.col(5) == now.col(4));
            } else {
                EXPECT_TRUE(now == value) << kind << " " << name;
            }
        }
        EXPECT_TRUE(after.contains("expert[5].w1")) << kind;
        if (!tokenChoice) {
            // A fresh autoencoder: drawn like the first ones (same shapes, not a copy).
            EXPECT_EQ(after.at("router.ae[5].enc_w").rows(),
                      before.at("router.ae[0].enc_w").rows());
            EXPECT_FALSE(after.at("router.ae[5].enc_w") == after.at("router.ae[4].enc_w"));
        }
    }
}

TEST(Optimizer, GrownParameterKeepsItsMomentsAndNewColumnsStartFromZero) {
    // One optimiser grows its parameter [2, 2] -> [2, 3] after a step; a reference never grows.
    // The old columns must follow the reference exactly, the new column a first Adam step
    // (zero moments) taken at step 2 of the bias correction.
    TrainConfig train = parsed("").train;
    train.lr = 0.01;
    Matrix start(2, 2);
    start << 0.5, -0.25, 1.0, 2.0;
    Parameter grown("w", start);
    Parameter reference("w", start);
    train::Optimizer growing(train, {&grown});
    train::Optimizer fixed(train, {&reference});
    Matrix g1(2, 2);
    g1 << 0.1, -0.2, 0.3, 0.05;
    grown.grad = g1;
    reference.grad = g1;
    growing.step();
    fixed.step();

    Matrix wider(2, 3);
    wider << grown.value, Matrix::Constant(2, 1, Scalar(0.75));
    grown = Parameter("w", wider);
    growing.setParameters({&grown});
    Matrix g2(2, 3);
    g2 << -0.4, 0.1, 0.2, 0.3, -0.05, -0.6;
    grown.grad = g2;
    reference.grad = g2.leftCols(2);
    growing.step();
    fixed.step();
    EXPECT_TRUE(grown.value.leftCols(2) == reference.value);
    const double b1 = train.beta1;
    const double b2 = train.beta2;
    for (int r = 0; r < 2; ++r) {
        const double g = g2(r, 2);
        const double m = (1 - b1) * g / (1 - b1 * b1);
        const double v = (1 - b2) * g * g / (1 - b2 * b2);
        const double expected = 0.75 - 0.01 * m / (std::sqrt(v) + train.adamEps);
        EXPECT_NEAR(grown.value(r, 2), expected, 1e-6);
    }
}

TEST(Events, ZeroColumnsAndRemovedNewExpertsLeaveRoutingUnchanged) {
    // Growing with zero columns and removing the new experts at once: the new logits are
    // masked, so the layer routes exactly as a layer that never grew.
    const ScenarioConfig plain = parsed("");
    const ScenarioConfig grown =
        parsed("[event.grow]\nat = 0\nadd_experts = 2\ninit = zero\nremove_experts = 4,5\n");
    Simulation a(plain);
    Simulation b(grown);
    for (int i = 0; i < 15; ++i) {
        const StepStats sa = a.step();
        const StepStats sb = b.step();
        EXPECT_NEAR(sa.taskLoss, sb.taskLoss, 1e-5 * (1 + sa.taskLoss)) << "step " << i;
        for (int e = 0; e < 4; ++e) EXPECT_EQ(sa.demand[e], sb.demand[e]) << "step " << i;
        EXPECT_EQ(sb.demand[4], 0.0);
        EXPECT_EQ(sb.demand[5], 0.0);
        EXPECT_EQ(sa.deadExperts, sb.deadExperts);
    }
}

TEST(Events, FrozenExpertsStayBitIdentical) {
    for (const std::string optimizer : {"adam", "sgd"}) {
        const ScenarioConfig c = parsed("[event.freeze]\nat = 5\nfreeze_experts = 0,2\n",
                                        {"--train.optimizer=" + optimizer, "--loss.aux=0.1"});
        Simulation sim(c);
        for (int i = 0; i < 5; ++i) sim.step();
        const std::map<std::string, Matrix> before = parameterValues(sim.layer());
        for (int i = 5; i < 30; ++i) sim.step();
        const std::map<std::string, Matrix> after = parameterValues(sim.layer());
        for (const std::string name : {"expert[0].w1", "expert[0].b2", "expert[2].w2"})
            EXPECT_TRUE(after.at(name) == before.at(name)) << optimizer << " " << name;
        EXPECT_FALSE(after.at("expert[1].w1") == before.at("expert[1].w1")) << optimizer;
        const Matrix& w0 = before.at("router.w");
        const Matrix& w1 = after.at("router.w");
        EXPECT_TRUE(w1.col(0) == w0.col(0)) << optimizer;
        EXPECT_TRUE(w1.col(2) == w0.col(2)) << optimizer;
        EXPECT_FALSE(w1.col(1) == w0.col(1)) << optimizer;
        EXPECT_EQ(sim.expertStates()[0], ExpertState::Frozen);
    }
}

TEST(Events, RemovedExpertsReceiveNoTokensAndDoNotCountAsDead) {
    for (const std::string kind : {"token_choice", "autoencoder"}) {
        const ScenarioConfig c = parsed(
            "[event.drop]\nat = 4\nremove_experts = 0,3\n",
            {"--router.kind=" + kind,
             "--router.balance=" + std::string(kind == "token_choice" ? "aux_free" : "none")});
        Simulation sim(c);
        for (int i = 0; i < 20; ++i) {
            const StepStats s = sim.step();
            ASSERT_EQ(s.expertState.size(), 4u);
            if (i < 4) {
                EXPECT_EQ(s.expertState[0], 1.0);
                continue;
            }
            EXPECT_EQ(s.expertState[0], 3.0);
            EXPECT_EQ(s.demand[0], 0.0) << kind << " step " << i;
            EXPECT_EQ(s.demand[3], 0.0) << kind << " step " << i;
            EXPECT_EQ(s.demand[1] + s.demand[2], 2.0 * 64) << kind;
            // Only the two routable experts count; neither is dead here.
            EXPECT_EQ(s.deadExperts, 0.0) << kind << " step " << i;
            EXPECT_TRUE(std::isfinite(s.loadCv));
        }
    }
}

TEST(Events, MixtureAndLearningRateEvents) {
    const ScenarioConfig c =
        parsed("[event.only2]\nat = 3\nstream.mixture = 0,0,1\ntrain.lr = 0.5\n");
    Simulation sim(c);
    for (int i = 0; i < 3; ++i) sim.step();
    sim.step();
    for (const int32_t d : sim.lastBatch().domain) EXPECT_EQ(d, 2);
}

std::vector<StepStats> runSteps(const ScenarioConfig& c, int steps) {
    Simulation sim(c);
    std::vector<StepStats> out;
    for (int i = 0; i < steps; ++i) out.push_back(sim.step());
    return out;
}

/// Equal bit for bit (NaN for experts not added yet included).
bool sameBits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

void expectSameRun(const std::vector<StepStats>& a, const std::vector<StepStats>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].taskLoss, b[i].taskLoss) << "step " << i;
        EXPECT_EQ(a[i].totalLoss, b[i].totalLoss) << "step " << i;
        EXPECT_TRUE(sameBits(a[i].demand, b[i].demand)) << "step " << i;
        EXPECT_TRUE(sameBits(a[i].importance, b[i].importance)) << "step " << i;
        EXPECT_TRUE(sameBits(a[i].expertState, b[i].expertState)) << "step " << i;
    }
}

const char* kAllEvents = R"(
[event.grow]
at = 6
add_experts = 2
freeze_experts = old
stream.mixture = 1,1,0
[event.shrink]
at = 14
remove_experts = 1
train.lr = 0.002
)";

TEST(Events, SameRunWithOneAndTwoThreadsAcrossEvents) {
    const auto one = runSteps(parsed(kAllEvents, {"--train.threads=1"}), 25);
    const auto two = runSteps(parsed(kAllEvents, {"--train.threads=2"}), 25);
    expectSameRun(one, two);
}

TEST(Probes, DoNotChangeTheTrainingRun) {
    const auto off = runSteps(parsed(kAllEvents), 25);
    const auto on = runSteps(parsed(kAllEvents, {"--metrics.probe_every=5"}), 25);
    expectSameRun(off, on);
    for (size_t i = 0; i < on.size(); ++i) {
        ASSERT_EQ(on[i].probeLoss.size(), 3u);
        for (const double loss : on[i].probeLoss) {
            if (i % 5 == 0)
                EXPECT_TRUE(std::isfinite(loss) && loss > 0) << "step " << i;
            else
                EXPECT_TRUE(std::isnan(loss)) << "step " << i;
        }
        for (const double loss : off[i].probeLoss) EXPECT_TRUE(std::isnan(loss));
    }
}

TEST(Probes, ProbeLossIsTheTaskLossOfTheCurrentParameters) {
    // Before any training the probe of each domain is the untrained layer's loss on it: two
    // simulations of the same seed agree, and probing twice in a row gives the same numbers.
    Simulation sim(parsed("", {"--metrics.probe_every=1"}));
    const std::vector<double> first = sim.probeLosses();
    const std::vector<double> second = sim.probeLosses();
    EXPECT_EQ(first, second);
    const StepStats s = sim.step();
    EXPECT_EQ(s.probeLoss, first);
}

TEST(EventTrace, PerExpertDatasetsHaveEveryExpertAndTheStateOfEach) {
    const ScenarioConfig c = parsed(kAllEvents, {"--metrics.probe_every=4"});
    Simulation sim(c);
    const std::string path =
        (std::filesystem::temp_directory_path() / "moelab_lifelong_trace.h5").string();
    {
        io::TraceMetadata meta;
        meta.moelabVersion = "test";
        meta.scenario = c.scenarioText;
        meta.nExperts = sim.traceExperts();
        meta.nDomains = sim.traceDomains();
        meta.events = "6\tgrow\tadd_experts = 2\n";
        io::TraceWriter writer(path, meta);
        for (int i = 0; i < 20; ++i) writer.append(0, sim.step());
        writer.close();
    }
    const auto data = io::readTrace(path);
    ASSERT_TRUE(data.has_value()) << data.error();
    EXPECT_EQ(data->schemaVersion, "1.2");
    EXPECT_EQ(data->nExperts, 6);
    EXPECT_EQ(data->events, "6\tgrow\tadd_experts = 2\n");
    const Eigen::MatrixXd& state = data->perExpert.at("expert_state");
    const Eigen::MatrixXd& demand = data->perExpert.at("demand");
    ASSERT_EQ(state.rows(), 20);
    ASSERT_EQ(state.cols(), 6);
    ASSERT_EQ(demand.cols(), 6);
    for (int row = 0; row < 20; ++row) {
        for (int e = 0; e < 6; ++e) {
            const int expected = e >= 4                ? (row < 6 ? 0 : 1)
                                 : e == 1 && row >= 14 ? 3
                                 : row >= 6            ? 2
                                                       : 1;
            EXPECT_EQ(state(row, e), static_cast<double>(expected)) << row << " " << e;
            // Experts not added yet are NaN; every other count is a number.
            EXPECT_EQ(std::isnan(demand(row, e)), expected == 0) << row << " " << e;
        }
    }
    const Eigen::MatrixXd& probe = data->perDomain.at("probe_loss");
    ASSERT_EQ(probe.cols(), 3);
    EXPECT_TRUE(std::isfinite(probe(4, 0)));
    EXPECT_TRUE(std::isnan(probe(5, 0)));
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace moe
