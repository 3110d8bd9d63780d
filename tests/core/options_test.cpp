// SPDX-License-Identifier: MIT
#include "core/config/options.h"

#include <boost/program_options/options_description.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace moe {
namespace {

namespace fs = std::filesystem;

std::string describe(const std::vector<Issue>& issues) {
    std::string out;
    for (const Issue& issue : issues) out += issue.format() + "\n";
    return out;
}

ScenarioConfig parseOk(std::string_view ini, const std::vector<std::string>& overrides = {}) {
    auto result = parseScenarioText(ini, "test.ini", overrides);
    EXPECT_TRUE(result.has_value()) << describe(result.error());
    return result ? *result : ScenarioConfig{};
}

std::vector<Issue> parseFail(std::string_view ini, const std::vector<std::string>& overrides = {}) {
    auto result = parseScenarioText(ini, "test.ini", overrides);
    EXPECT_FALSE(result.has_value()) << "expected issues, got a valid scenario";
    return result ? std::vector<Issue>{} : result.error();
}

/// The first issue about `key`, or nullptr.
const Issue* findIssue(const std::vector<Issue>& issues, std::string_view key) {
    const auto it = std::find_if(issues.begin(), issues.end(),
                                 [&](const Issue& issue) { return issue.key == key; });
    return it == issues.end() ? nullptr : &*it;
}

void expectSameScenario(const ScenarioConfig& a, const ScenarioConfig& b) {
    EXPECT_EQ(a.seed, b.seed);
    EXPECT_EQ(a.stream.kind, b.stream.kind);
    EXPECT_EQ(a.stream.domains, b.stream.domains);
    EXPECT_EQ(a.stream.zipf, b.stream.zipf);
    EXPECT_EQ(a.stream.vocab, b.stream.vocab);
    EXPECT_EQ(a.stream.separation, b.stream.separation);
    EXPECT_EQ(a.stream.spread, b.stream.spread);
    EXPECT_EQ(a.stream.driftAt, b.stream.driftAt);
    EXPECT_EQ(a.stream.seqLen, b.stream.seqLen);
    EXPECT_EQ(a.stream.path, b.stream.path);
    EXPECT_EQ(a.model.width, b.model.width);
    EXPECT_EQ(a.model.experts, b.model.experts);
    EXPECT_EQ(a.model.hidden, b.model.hidden);
    EXPECT_EQ(a.model.out, b.model.out);
    EXPECT_EQ(a.model.expertKind, b.model.expertKind);
    EXPECT_EQ(a.model.sharedExperts, b.model.sharedExperts);
    EXPECT_EQ(a.model.nullExperts, b.model.nullExperts);
    EXPECT_EQ(a.model.teacherHidden, b.model.teacherHidden);
    EXPECT_EQ(a.router.kind, b.router.kind);
    EXPECT_EQ(a.router.k, b.router.k);
    EXPECT_EQ(a.router.capacityFactor, b.router.capacityFactor);
    EXPECT_EQ(a.router.minCapacity, b.router.minCapacity);
    EXPECT_EQ(a.router.priority, b.router.priority);
    EXPECT_EQ(a.router.weightNorm, b.router.weightNorm);
    EXPECT_EQ(a.router.weightScale, b.router.weightScale);
    EXPECT_EQ(a.router.scores, b.router.scores);
    EXPECT_EQ(a.router.secondExpert, b.router.secondExpert);
    EXPECT_EQ(a.router.noise, b.router.noise);
    EXPECT_EQ(a.router.jitterEps, b.router.jitterEps);
    EXPECT_EQ(a.router.noiseStd, b.router.noiseStd);
    EXPECT_EQ(a.router.precision, b.router.precision);
    EXPECT_EQ(a.router.slots, b.router.slots);
    EXPECT_EQ(a.router.balance, b.router.balance);
    EXPECT_EQ(a.router.biasRate, b.router.biasRate);
    EXPECT_EQ(a.router.temperature, b.router.temperature);
    EXPECT_EQ(a.router.groups, b.router.groups);
    EXPECT_EQ(a.router.topkGroup, b.router.topkGroup);
    EXPECT_EQ(a.loss.aux, b.loss.aux);
    EXPECT_EQ(a.loss.auxFirstChoice, b.loss.auxFirstChoice);
    EXPECT_EQ(a.loss.z, b.loss.z);
    EXPECT_EQ(a.loss.importance, b.loss.importance);
    EXPECT_EQ(a.loss.load, b.loss.load);
    EXPECT_EQ(a.loss.seqAux, b.loss.seqAux);
    EXPECT_EQ(a.train.steps, b.train.steps);
    EXPECT_EQ(a.train.tokens, b.train.tokens);
    EXPECT_EQ(a.train.lr, b.train.lr);
    EXPECT_EQ(a.train.optimizer, b.train.optimizer);
    EXPECT_EQ(a.train.beta1, b.train.beta1);
    EXPECT_EQ(a.train.beta2, b.train.beta2);
    EXPECT_EQ(a.train.adamEps, b.train.adamEps);
    EXPECT_EQ(a.train.threads, b.train.threads);
    EXPECT_EQ(a.trace.every, b.trace.every);
    EXPECT_EQ(a.trace.snapshotEvery, b.trace.snapshotEvery);
    EXPECT_EQ(a.trace.flushEvery, b.trace.flushEvery);
    EXPECT_EQ(a.trace.compression, b.trace.compression);
}

/// Gives each test its own folder under the system temp directory.
class OptionsFiles : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
        m_dir = fs::temp_directory_path() /
                fmt::format("moelab_options_{}_{}", test->name(), static_cast<long>(getpid()));
        fs::remove_all(m_dir);
        fs::create_directories(m_dir);
    }
    void TearDown() override {
        std::error_code error;
        fs::remove_all(m_dir, error);
    }

    std::string write(const std::string& name, std::string_view text) const {
        const fs::path path = m_dir / name;
        std::ofstream out(path, std::ios::binary);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        return path.string();
    }

    fs::path m_dir;
};

TEST(Options, DefaultsLoadWithoutFile) {
    const auto result = loadScenario("", {});
    ASSERT_TRUE(result.has_value()) << describe(result.error());
    const ScenarioConfig& c = *result;
    EXPECT_EQ(c.seed, 1u);
    EXPECT_EQ(c.stream.kind, StreamKind::Clusters);
    EXPECT_EQ(c.stream.domains, 8);
    EXPECT_EQ(c.stream.zipf, 1.0);
    EXPECT_EQ(c.stream.vocab, 1000);
    EXPECT_EQ(c.stream.separation, 4.0);
    EXPECT_EQ(c.stream.spread, 1.0);
    EXPECT_TRUE(c.stream.driftAt.empty());
    EXPECT_EQ(c.stream.seqLen, 0);
    EXPECT_EQ(c.stream.path, "");
    EXPECT_EQ(c.model.width, 32);
    EXPECT_EQ(c.model.experts, 16);
    EXPECT_EQ(c.model.hidden, 64);
    EXPECT_EQ(c.model.out, 0);
    EXPECT_EQ(c.model.expertKind, ExpertKind::Ffn);
    EXPECT_EQ(c.model.sharedExperts, 0);
    EXPECT_EQ(c.model.nullExperts, 0);
    EXPECT_EQ(c.model.teacherHidden, 32);
    EXPECT_EQ(c.router.kind, RouterKind::TokenChoice);
    EXPECT_EQ(c.router.k, 2);
    EXPECT_FALSE(c.router.capacityFactor.has_value());  // auto
    EXPECT_EQ(c.router.effectiveCapacityFactor(), 1.0);
    EXPECT_EQ(c.router.minCapacity, 0);
    EXPECT_EQ(c.router.priority, Priority::Position);
    EXPECT_EQ(c.router.weightNorm, WeightNorm::Auto);
    EXPECT_EQ(c.router.effectiveWeightNorm(), WeightNorm::TopK);
    EXPECT_EQ(c.router.weightScale, 1.0);
    EXPECT_EQ(c.router.scores, ScoreFunc::Softmax);
    EXPECT_EQ(c.router.secondExpert, SecondExpert::All);
    EXPECT_EQ(c.router.noise, NoiseKind::None);
    EXPECT_EQ(c.router.jitterEps, 0.01);
    EXPECT_EQ(c.router.noiseStd, 1.0);
    EXPECT_EQ(c.router.precision, Precision::Fp32);
    EXPECT_EQ(c.router.slots, 1);
    EXPECT_EQ(c.router.balance, Balance::None);
    EXPECT_EQ(c.router.biasRate, 0.001);
    EXPECT_EQ(c.router.temperature, 2.0);
    EXPECT_EQ(c.router.groups, 1);
    EXPECT_EQ(c.router.topkGroup, 1);
    EXPECT_EQ(c.loss.aux, 0.01);
    EXPECT_FALSE(c.loss.auxFirstChoice);
    EXPECT_EQ(c.loss.z, 0.001);
    EXPECT_EQ(c.loss.importance, 0.0);
    EXPECT_EQ(c.loss.load, 0.0);
    EXPECT_EQ(c.loss.seqAux, 0.0);
    EXPECT_EQ(c.train.steps, 2000);
    EXPECT_EQ(c.train.tokens, 1024);
    EXPECT_EQ(c.train.lr, 0.001);
    EXPECT_EQ(c.train.optimizer, Optimizer::Adam);
    EXPECT_EQ(c.train.beta1, 0.9);
    EXPECT_EQ(c.train.beta2, 0.999);
    EXPECT_EQ(c.train.adamEps, 1e-8);
    EXPECT_EQ(c.train.threads, 0);
    EXPECT_EQ(c.trace.every, 1);
    EXPECT_EQ(c.trace.snapshotEvery, 0);
    EXPECT_EQ(c.trace.flushEvery, 100);
    EXPECT_EQ(c.trace.compression, 4);
    EXPECT_EQ(c.sourceName, "");
    EXPECT_EQ(c.scenarioText, renderScenarioIni(c));
    EXPECT_TRUE(validateScenario(c).empty()) << describe(validateScenario(c));
}

TEST_F(OptionsFiles, IniValuesSectionsAndComments) {
    const std::string path = write("a.ini",
                                   "# a scenario\n"
                                   "seed = 7\n"
                                   "; a semicolon comment\n"
                                   "[stream]\n"
                                   "kind = zipf   # trailing comment\n"
                                   "drift_at = 500, 1000\n"
                                   "\n"
                                   "  [router]  \n"
                                   "k = 1\r\n"
                                   "capacity_factor = 1.25 ; inline comment\n"
                                   "priority=score\n"
                                   "[loss]\n"
                                   "aux_first_choice = true\n"
                                   "[model]\n"
                                   "experts = 4\n");
    const auto result = loadScenario(path, {});
    ASSERT_TRUE(result.has_value()) << describe(result.error());
    EXPECT_EQ(result->seed, 7u);
    EXPECT_EQ(result->stream.kind, StreamKind::Zipf);
    EXPECT_EQ(result->stream.driftAt, (std::vector<int64_t>{500, 1000}));
    EXPECT_EQ(result->router.k, 1);
    EXPECT_EQ(result->router.effectiveWeightNorm(), WeightNorm::None);
    EXPECT_EQ(result->router.capacityFactor, 1.25);
    EXPECT_EQ(result->router.priority, Priority::Score);
    EXPECT_TRUE(result->loss.auxFirstChoice);
    EXPECT_EQ(result->model.experts, 4);
    EXPECT_EQ(result->model.width, 32);  // untouched options keep their defaults
    EXPECT_EQ(result->sourceName, path);
    EXPECT_NE(result->scenarioText.find("[router]\nkind = token_choice\nk = 1\n"),
              std::string::npos)
        << result->scenarioText;
}

TEST_F(OptionsFiles, CommandLineOverridesFile) {
    const std::string path = write("a.ini",
                                   "[router]\nk = 1\n[model]\nexperts = 8\nwidth = 8\n"
                                   "[train]\nsteps = 10\n");
    const auto result = loadScenario(
        path, {"--router.k=3", "model.width=16", "--train.steps", "50", "--seed", "-"});
    ASSERT_FALSE(result.has_value());  // seed "-" is bad, and blamed on the command line
    ASSERT_EQ(result.error().size(), 1u) << describe(result.error());
    EXPECT_EQ(result.error()[0].format(), "command line: seed: '-' is not a non-negative integer");

    const auto ok = loadScenario(path, {"--router.k=3", "model.width=16", "--train.steps", "50"});
    ASSERT_TRUE(ok.has_value()) << describe(ok.error());
    EXPECT_EQ(ok->router.k, 3);
    EXPECT_EQ(ok->model.width, 16);
    EXPECT_EQ(ok->train.steps, 50);
    EXPECT_EQ(ok->model.experts, 8);  // from the file
}

TEST(Options, CommandLineSpellings) {
    EXPECT_EQ(parseOk("", {"--router.k", "1"}).router.k, 1);
    EXPECT_EQ(parseOk("", {"router.k=1"}).router.k, 1);
    EXPECT_EQ(parseOk("", {"router.k", "1"}).router.k, 1);
    EXPECT_EQ(parseOk("", {"--stream.zipf", "-0"}).stream.zipf, 0.0);  // a value may start with '-'
    // The last of two settings wins, so scripts can append to a user's arguments.
    EXPECT_EQ(parseOk("", {"--router.k=1", "--router.k=3"}).router.k, 3);
    // An empty value clears a list set in the file.
    EXPECT_TRUE(parseOk("[stream]\ndrift_at = 5\n", {"--stream.drift_at="}).stream.driftAt.empty());
    EXPECT_TRUE(
        parseOk("[stream]\ndrift_at = 5\n", {"--stream.drift_at", ""}).stream.driftAt.empty());

    const auto missing = parseFail("", {"--router.k"});
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0].format(), "command line: router.k: missing value; write --router.k=VALUE");

    const auto nameless = parseFail("", {"=5"});
    ASSERT_EQ(nameless.size(), 1u);
    EXPECT_NE(nameless[0].message.find("does not name an option"), std::string::npos);

    // No prefix guessing: an abbreviation is an unknown option, not router.capacity_factor.
    const auto guessed = parseFail("", {"--router.capacity=2"});
    ASSERT_NE(findIssue(guessed, "router.capacity"), nullptr) << describe(guessed);
    EXPECT_NE(findIssue(guessed, "router.capacity")->message.find("router.capacity_factor"),
              std::string::npos);
}

TEST(Options, UnknownKeyNamesFileLineKeyAndSuggestion) {
    const auto issues = parseFail("seed = 2\n[router]\nkk = 2\n");
    ASSERT_EQ(issues.size(), 1u) << describe(issues);
    EXPECT_EQ(issues[0].file, "test.ini");
    EXPECT_EQ(issues[0].line, 3);
    EXPECT_EQ(issues[0].key, "router.kk");
    EXPECT_EQ(issues[0].format(),
              "test.ini:3: router.kk: unknown option; did you mean router.k? "
              "(moelab help options lists them all)");

    // A key in the wrong section points to the section that has it.
    const auto wrongSection = parseFail("[model]\nk = 1\n");
    ASSERT_EQ(wrongSection.size(), 1u) << describe(wrongSection);
    EXPECT_NE(wrongSection[0].message.find("did you mean router.k?"), std::string::npos);

    // Every unknown key is reported at once, each on its line; no suggestion for nonsense.
    const auto several = parseFail("[router]\nkk = 1\n[nonsense]\nzzzzzzzz = 1\n");
    ASSERT_EQ(several.size(), 2u) << describe(several);
    EXPECT_EQ(several[1].line, 4);
    EXPECT_EQ(several[1].key, "nonsense.zzzzzzzz");
    EXPECT_EQ(several[1].message.find("did you mean"), std::string::npos);

    // Bad values are reported in the same pass as unknown keys.
    const auto mixed = parseFail("[router]\nkk = 1\nk = two\n", {"--router.priority=fifo"});
    ASSERT_EQ(mixed.size(), 3u) << describe(mixed);
    EXPECT_EQ(mixed[1].format(), "test.ini:3: router.k: 'two' is not an integer");
    EXPECT_EQ(mixed[2].key, "router.priority");

    const auto commandLine = parseFail("", {"--router.kidn=hash"});
    ASSERT_EQ(commandLine.size(), 1u);
    EXPECT_EQ(commandLine[0].format(),
              "command line: router.kidn: unknown option; did you mean router.kind? "
              "(moelab help options lists them all)");
}

TEST(Options, BadNumbers) {
    const auto word = parseFail("[router]\nk = two\n");
    ASSERT_EQ(word.size(), 1u) << describe(word);
    EXPECT_EQ(word[0].format(), "test.ini:2: router.k: 'two' is not an integer");

    const auto fraction = parseFail("[router]\nk = 2.5\n");
    ASSERT_EQ(fraction.size(), 1u);
    EXPECT_EQ(fraction[0].message, "'2.5' is not an integer");

    const auto huge = parseFail("[model]\nexperts = 99999999999\n");
    ASSERT_EQ(huge.size(), 1u);
    EXPECT_EQ(huge[0].message, "'99999999999' is out of range (-2147483648..2147483647)");

    const auto empty = parseFail("[model]\nexperts =\n");
    ASSERT_EQ(empty.size(), 1u);
    EXPECT_EQ(empty[0].message, "'' is not an integer");

    const auto notNumber = parseFail("[train]\nlr = fast\n");
    ASSERT_EQ(notNumber.size(), 1u);
    EXPECT_EQ(notNumber[0].format(), "test.ini:2: train.lr: 'fast' is not a number");

    const auto infinite = parseFail("", {"--train.lr=inf"});
    ASSERT_EQ(infinite.size(), 1u);
    EXPECT_EQ(infinite[0].message, "'inf' is not a finite number");

    const auto flag = parseFail("[loss]\naux_first_choice = maybe\n");
    ASSERT_EQ(flag.size(), 1u);
    EXPECT_EQ(flag[0].message, "'maybe' is not one of true | false");

    const auto drift = parseFail("[stream]\ndrift_at = 500,,1000\n");
    ASSERT_EQ(drift.size(), 1u);
    EXPECT_EQ(drift[0].key, "stream.drift_at");
    EXPECT_NE(drift[0].message.find("entry '' of a comma-separated step list"), std::string::npos);
}

TEST(Options, BadEnumListsAcceptedNames) {
    const auto issues = parseFail("", {"--router.priority=fifo"});
    ASSERT_EQ(issues.size(), 1u) << describe(issues);
    EXPECT_EQ(issues[0].format(),
              "command line: router.priority: 'fifo' is not one of position | token | score");

    const auto inFile = parseFail("[router]\n\nkind = switch\n");
    ASSERT_EQ(inFile.size(), 1u);
    EXPECT_EQ(inFile[0].format(),
              "test.ini:3: router.kind: 'switch' is not one of " + acceptedNames<RouterKind>());
}

TEST(Options, TextValuesMustSurviveAScenarioFile) {
    const auto issues = parseFail("", {"--stream.path=data#1.h5"});
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].key, "stream.path");
    EXPECT_NE(issues[0].message.find("cannot be stored in a scenario file"), std::string::npos);
    EXPECT_EQ(parseOk("[stream]\npath = dumps/run 1.h5\n").stream.path, "dumps/run 1.h5");
}

struct RuleCase {
    std::vector<std::string> overrides;
    std::string key;
    std::string fragment;  ///< part of the message that says what is accepted or why
};

// One failing case per validation rule; each must name its key and say what is accepted.
TEST(Options, EveryValidationRuleNamesItsKey) {
    const std::vector<RuleCase> cases = {
        {{"model.experts=0"}, "model.experts", "accepted: integer >= 1"},
        {{"model.width=0"}, "model.width", "accepted: integer >= 1"},
        {{"model.hidden=0"}, "model.hidden", "accepted: integer >= 1"},
        {{"model.out=-1"}, "model.out", "accepted: integer >= 0"},
        {{"model.teacher_hidden=0"}, "model.teacher_hidden", "accepted: integer >= 1"},
        {{"router.k=0"}, "router.k", "accepted: integer >= 1"},
        {{"router.k=17"}, "router.k", "exceeds the experts a token can choose (16)"},
        {{"router.capacity_factor=-0.5"}, "router.capacity_factor", "accepted: auto | number >= 0"},
        {{"router.min_capacity=-1"}, "router.min_capacity", "accepted: integer >= 0"},
        {{"router.weight_scale=0"}, "router.weight_scale", "accepted: number > 0"},
        {{"router.jitter_eps=1"}, "router.jitter_eps", "accepted: number in [0, 1)"},
        {{"router.jitter_eps=-0.1"}, "router.jitter_eps", "accepted: number in [0, 1)"},
        {{"router.noise_std=-1"}, "router.noise_std", "accepted: number >= 0"},
        {{"router.temperature=0"}, "router.temperature", "accepted: number > 0"},
        {{"router.slots=0"}, "router.slots", "accepted: integer >= 1"},
        {{"router.bias_rate=-1"}, "router.bias_rate", "accepted: number >= 0"},
        {{"router.groups=0"}, "router.groups", "accepted: integer >= 1"},
        {{"router.groups=3"}, "router.groups", "not a multiple of 3"},
        {{"router.topk_group=0"}, "router.topk_group", "accepted: integer >= 1"},
        {{"router.groups=4", "router.topk_group=5"}, "router.topk_group", "exceeds router.groups"},
        {{"router.groups=4", "router.topk_group=1", "router.k=5"},
         "router.k",
         "4 experts eligible"},
        {{"router.second_expert=sampling", "router.k=1"}, "router.second_expert", "router.k = 2"},
        {{"loss.aux=-1"}, "loss.aux", "accepted: number >= 0"},
        {{"loss.z=-1"}, "loss.z", "accepted: number >= 0"},
        {{"loss.importance=-1"}, "loss.importance", "accepted: number >= 0"},
        {{"loss.load=-1"}, "loss.load", "accepted: number >= 0"},
        {{"loss.seq_aux=-1"}, "loss.seq_aux", "accepted: number >= 0"},
        {{"loss.importance=0.1"}, "loss.importance", "noisy_topk"},
        {{"loss.load=0.1"}, "loss.load", "noisy_topk"},
        {{"router.kind=noisy_topk", "router.noise=jitter"}, "router.noise", "must be none"},
        {{"train.steps=-1"}, "train.steps", "accepted: integer >= 0"},
        {{"train.tokens=0"}, "train.tokens", "accepted: integer >= 1"},
        {{"train.lr=0"}, "train.lr", "accepted: number > 0"},
        {{"train.beta1=1"}, "train.beta1", "accepted: number in [0, 1)"},
        {{"train.beta1=-0.1"}, "train.beta1", "accepted: number in [0, 1)"},
        {{"train.beta2=1"}, "train.beta2", "accepted: number in [0, 1)"},
        {{"train.adam_eps=0"}, "train.adam_eps", "accepted: number > 0"},
        {{"train.threads=-1"}, "train.threads", "accepted: integer >= 0"},
        {{"trace.every=0"}, "trace.every", "accepted: integer >= 1"},
        {{"trace.flush_every=0"}, "trace.flush_every", "accepted: integer >= 1"},
        {{"trace.compression=10"}, "trace.compression", "accepted: integer in [0, 9]"},
        {{"trace.compression=-1"}, "trace.compression", "accepted: integer in [0, 9]"},
        {{"trace.snapshot_every=-1"}, "trace.snapshot_every", "accepted: integer >= 0"},
        {{"stream.domains=0"}, "stream.domains", "accepted: integer >= 1"},
        {{"stream.vocab=0"}, "stream.vocab", "accepted: integer >= 1"},
        {{"stream.zipf=-1"}, "stream.zipf", "accepted: number >= 0"},
        {{"stream.separation=-1"}, "stream.separation", "accepted: number >= 0"},
        {{"stream.spread=-1"}, "stream.spread", "accepted: number >= 0"},
        {{"stream.seq_len=-1"}, "stream.seq_len", "accepted: integer >= 0"},
        {{"stream.seq_len=3"}, "stream.seq_len", "not a multiple of 3"},
        {{"stream.drift_at=100,-5"}, "stream.drift_at", "step -5 is negative"},
        {{"stream.drift_at=100,x"}, "stream.drift_at", "entry 'x'"},
        {{"router.kind=soft_moe", "loss.objective=competitive"}, "loss.objective",
         "router.kind = soft_moe"},
        {{"router.kind=soft_moe", "router.noise=jitter"}, "router.noise", "none | gaussian"},
        {{"stream.kind=dumped"}, "stream.path", "is empty; stream.kind = dumped reads"},
        {{"model.experts=2", "model.null_experts=2", "router.k=5"}, "router.k",
         "model.experts + model.null_experts"},
        {{"train.tokens=2000000000"}, "train.tokens", "above the 16 GiB limit"},
        {{"model.experts=100000", "model.hidden=100000"}, "model.experts", "GiB"},
        {{"model.experts=1000000000"}, "model.experts", "above the 16 GiB limit"},
        {{"model.width=10000000"}, "train.tokens", "d = 10000000"},
        {{"stream.kind=zipf", "stream.vocab=2000000000"}, "stream.vocab", "V = 2000000000"},
        // Every size at its largest: the estimate must not overflow (UBSan checks the ints).
        {{"model.experts=2147483647", "model.null_experts=2147483647", "model.width=2147483647",
          "model.hidden=2147483647", "train.tokens=2147483647", "router.k=2147483647"},
         "model.experts", "GiB"},
    };
    for (const RuleCase& rule : cases) {
        SCOPED_TRACE(fmt::format("{}", fmt::join(rule.overrides, " ")));
        const auto issues = parseFail("", rule.overrides);
        const Issue* issue = findIssue(issues, rule.key);
        ASSERT_NE(issue, nullptr) << describe(issues);
        EXPECT_NE(issue->message.find(rule.fragment), std::string::npos) << issue->format();
        EXPECT_NE(issue->format().find(rule.key), std::string::npos);
        // Every case sets its key or a key it depends on on the command line, or blames the file.
        EXPECT_TRUE(issue->file == "command line" || issue->file == "test.ini") << issue->format();
    }
}

TEST(Options, ValidCombinationsPass) {
    parseOk("", {"router.kind=noisy_topk", "loss.importance=0.1", "loss.load=0.1"});
    parseOk("", {"router.groups=4", "router.topk_group=2", "router.k=8"});
    parseOk("", {"router.second_expert=sampling", "router.k=2"});
    parseOk("", {"stream.seq_len=256", "loss.seq_aux=0.001"});
    parseOk("", {"router.k=16", "router.capacity_factor=0", "router.noise=gumbel"});
    parseOk("", {"router.kind=expert_choice", "router.noise=jitter", "loss.z=0.01"});
}

TEST(Options, ValidationIssuesPointAtWhereTheKeyWasSet) {
    const auto inFile = parseFail("[model]\nexperts = 4\n[router]\n\nk = 5\n");
    ASSERT_EQ(inFile.size(), 1u) << describe(inFile);
    EXPECT_EQ(inFile[0].format(),
              "test.ini:5: router.k: 5 exceeds the experts a token can choose (4); accepted: "
              "integer 1..model.experts + model.null_experts");

    const auto defaulted = parseFail("[model]\nexperts = 1\n");
    ASSERT_EQ(defaulted.size(), 1u) << describe(defaulted);
    EXPECT_EQ(defaulted[0].file, "test.ini");
    EXPECT_EQ(defaulted[0].line, 0);  // k was not written anywhere: blame the file

    ScenarioConfig config = parseOk("");
    config.sourceName = "x.ini";
    config.router.capacityFactor = -1.0;
    config.train.lr = 0;
    const std::vector<Issue> direct = validateScenario(config);
    ASSERT_EQ(direct.size(), 2u) << describe(direct);
    EXPECT_EQ(direct[0].format(),
              "x.ini: router.capacity_factor: -1 is out of range; accepted: auto | number >= 0");
    EXPECT_EQ(direct[1].key, "train.lr");
}

TEST(Options, RenderParseRoundTrip) {
    const ScenarioConfig defaults = parseOk("");
    expectSameScenario(parseOk(renderScenarioIni(defaults)), defaults);

    const std::vector<std::vector<std::string>> variants = {
        {"seed=18446744073709551615",
         "stream.kind=zipf",
         "stream.domains=5",
         "stream.zipf=0.30000000000000004",
         "stream.vocab=77",
         "stream.separation=3.141592653589793",
         "stream.spread=1e-300",
         "stream.drift_at=3,9000000000",
         "stream.seq_len=128",
         "stream.path=dumps/run 1.h5",
         "model.width=24",
         "model.experts=12",
         "model.hidden=48",
         "model.out=7",
         "model.expert_kind=linear",
         "model.teacher_hidden=5",
         "router.kind=noisy_topk",
         "router.k=3",
         "router.capacity_factor=1.1",
         "router.min_capacity=4",
         "router.priority=token",
         "router.weight_norm=kept",
         "router.weight_scale=2.5",
         "router.scores=sigmoid",
         "router.jitter_eps=0.125",
         "router.noise_std=0.3",
         "router.precision=bf16",
         "router.slots=3",
         "router.balance=aux_free",
         "router.bias_rate=0.0001",
         "router.temperature=0.7",
         "router.groups=4",
         "router.topk_group=3",
         "loss.aux=0.02",
         "loss.aux_first_choice=true",
         "loss.z=0",
         "loss.importance=0.1",
         "loss.load=0.2",
         "loss.seq_aux=1e-4",
         "train.steps=3",
         "train.tokens=256",
         "train.lr=0.1",
         "train.optimizer=sgd",
         "train.beta1=0.5",
         "train.beta2=0.99",
         "train.adam_eps=1e-12",
         "train.threads=2",
         "trace.every=5",
         "trace.snapshot_every=100",
         "trace.flush_every=7",
         "trace.compression=9"},
        {"router.second_expert=sampling", "router.noise=gumbel", "router.weight_norm=none",
         "router.precision=fp16", "router.priority=score"},
    };
    for (const auto& overrides : variants) {
        const ScenarioConfig original = parseOk("", overrides);
        const std::string text = renderScenarioIni(original);
        SCOPED_TRACE(text);
        EXPECT_EQ(original.scenarioText, text);
        const ScenarioConfig reparsed = parseOk(text);
        expectSameScenario(reparsed, original);
        EXPECT_EQ(renderScenarioIni(reparsed), text);
    }
    const ScenarioConfig tricky = parseOk("", variants[0]);
    EXPECT_EQ(tricky.seed, std::numeric_limits<uint64_t>::max());
    EXPECT_EQ(tricky.stream.zipf, 0.1 + 0.2);
    EXPECT_NE(tricky.scenarioText.find("zipf = 0.30000000000000004\n"), std::string::npos);

    // Options this version refuses are still rendered from their fields.
    ScenarioConfig future = defaults;
    future.model.sharedExperts = 2;
    future.model.nullExperts = 3;
    future.model.expertKind = ExpertKind::Lora;
    future.router.kind = RouterKind::Rre;
    future.stream.kind = StreamKind::Dumped;
    const std::string futureText = renderScenarioIni(future);
    for (const char* line : {"shared_experts = 2\n", "null_experts = 3\n", "expert_kind = lora\n",
                             "kind = rre\n", "kind = dumped\n"}) {
        EXPECT_NE(futureText.find(line), std::string::npos) << line;
    }
}

TEST(Options, RenderedIniHasEveryOptionInItsSection) {
    const std::string text = renderScenarioIni(parseOk(""));
    EXPECT_TRUE(text.starts_with("seed = 1\n")) << text;
    const std::string lines = "\n" + text;  // every line, the first included, follows a '\n'
    for (const OptionInfo& info : optionCatalog()) {
        const std::string key =
            info.section.empty() ? info.name : info.name.substr(info.section.size() + 1);
        const size_t header = info.section.empty() ? 0 : lines.find("\n[" + info.section + "]\n");
        ASSERT_NE(header, std::string::npos) << info.section;
        EXPECT_NE(lines.find("\n" + key + " =", header), std::string::npos) << info.name;
    }
}

TEST_F(OptionsFiles, MissingOrUnsuitableFile) {
    const std::string missing = (m_dir / "nope.ini").string();
    const auto result = loadScenario(missing, {});
    ASSERT_FALSE(result.has_value());
    ASSERT_EQ(result.error().size(), 1u);
    EXPECT_EQ(result.error()[0].format(), missing + ": scenario file not found");

    const auto directory = loadScenario(m_dir.string(), {});
    ASSERT_FALSE(directory.has_value());
    EXPECT_NE(directory.error()[0].message.find("is a directory"), std::string::npos);
}

TEST(Options, DuplicateKeyIsAClearError) {
    const auto issues = parseFail("[router]\nk = 1\nk = 3\n");
    ASSERT_EQ(issues.size(), 1u) << describe(issues);
    EXPECT_EQ(issues[0].format(),
              "test.ini:3: router.k: set twice (first on line 2); give each option once");

    const auto apart = parseFail("[router]\nk = 1\n[model]\nwidth = 8\n[router]\nk = 2\n");
    ASSERT_EQ(apart.size(), 1u) << describe(apart);
    EXPECT_EQ(apart[0].line, 6);
}

TEST(Options, SyntaxErrorsAreAllReported) {
    const auto issues = parseFail("[router]\nk 2\n[]\nwidth\n");
    ASSERT_EQ(issues.size(), 3u) << describe(issues);
    EXPECT_EQ(issues[0].format(),
              "test.ini:2: 'k 2' is neither 'key = value' nor a [section] header");
    EXPECT_EQ(issues[1].format(), "test.ini:3: empty section name '[]'");
    EXPECT_EQ(issues[2].line, 4);
}

/// A message a terminal can show on one line.
void expectShortPrintable(const std::vector<Issue>& issues) {
    ASSERT_FALSE(issues.empty());
    for (const Issue& issue : issues) {
        const std::string text = issue.format();
        EXPECT_LT(text.size(), 400u) << text.substr(0, 400);
        EXPECT_TRUE(std::all_of(text.begin(), text.end(), [](char c) {
            return c >= 0x20 && c < 0x7f;
        })) << text;
    }
}

TEST_F(OptionsFiles, LongLinesAndBinaryGarbageGiveIssues) {
    const std::string longValue = "[router]\nk = " + std::string(1 << 20, '9') + "\n";
    const auto value = loadScenario(write("long_value.ini", longValue), {});
    ASSERT_FALSE(value.has_value());
    expectShortPrintable(value.error());
    EXPECT_EQ(value.error()[0].key, "router.k");
    EXPECT_EQ(value.error()[0].line, 2);

    const auto line = loadScenario(write("long_line.ini", std::string(1 << 20, 'x')), {});
    ASSERT_FALSE(line.has_value());
    expectShortPrintable(line.error());

    const auto key = loadScenario(write("long_key.ini", std::string(1 << 20, 'y') + " = 1\n"), {});
    ASSERT_FALSE(key.has_value());
    expectShortPrintable(key.error());

    std::mt19937 bytes(7);
    for (int attempt = 0; attempt < 20; ++attempt) {
        std::string garbage(4096, '\0');
        for (char& c : garbage) c = static_cast<char>(bytes() & 0xffu);
        if (attempt % 2 == 1) garbage += "\n[router]\nk\x01 = \x02\xff\n";
        const auto result = loadScenario(write("garbage.ini", garbage), {});
        ASSERT_FALSE(result.has_value());
        expectShortPrintable(result.error());
    }

    const auto nul = parseFail(std::string_view("[router]\nk = 1\0\n", 16));
    ASSERT_FALSE(nul.empty());
    expectShortPrintable(nul);
}

TEST(Options, CatalogComesFromTheTable) {
    const std::vector<OptionInfo> catalog = optionCatalog();
    EXPECT_EQ(catalog.size(), scenarioOptions().options().size());
    // The names scripts rely on (INTERFACES.md).
    for (const char* name : {"seed",
                             "stream.kind",
                             "stream.domains",
                             "stream.zipf",
                             "stream.path",
                             "model.width",
                             "model.experts",
                             "model.hidden",
                             "model.expert_kind",
                             "model.shared_experts",
                             "model.null_experts",
                             "router.kind",
                             "router.k",
                             "router.capacity_factor",
                             "router.min_capacity",
                             "router.priority",
                             "router.weight_norm",
                             "router.weight_scale",
                             "router.scores",
                             "router.second_expert",
                             "router.noise",
                             "router.precision",
                             "router.slots",
                             "router.balance",
                             "router.bias_rate",
                             "router.temperature",
                             "loss.aux",
                             "loss.aux_first_choice",
                             "loss.z",
                             "loss.importance",
                             "loss.load",
                             "loss.seq_aux",
                             "train.steps",
                             "train.tokens",
                             "train.lr",
                             "train.optimizer",
                             "trace.every",
                             "trace.snapshot_every"}) {
        const auto it = std::find_if(catalog.begin(), catalog.end(),
                                     [&](const OptionInfo& info) { return info.name == name; });
        ASSERT_NE(it, catalog.end()) << name;
        EXPECT_FALSE(it->help.empty()) << name;
        EXPECT_FALSE(it->accepted.empty()) << name;
    }
    const auto priority = std::find_if(catalog.begin(), catalog.end(), [](const OptionInfo& info) {
        return info.name == "router.priority";
    });
    EXPECT_EQ(priority->section, "router");
    EXPECT_EQ(priority->defaultText, "position");
    EXPECT_EQ(priority->accepted, "position | token | score");
    EXPECT_EQ(catalog.front().name, "seed");
    EXPECT_EQ(catalog.front().section, "");

    const std::string help = formatOptionsHelp();
    EXPECT_NE(help.find("[router]\n  router.kind = token_choice"), std::string::npos) << help;
    EXPECT_NE(help.find("DeepSeek-V3 n_group"), std::string::npos);
    EXPECT_NE(help.find("router.capacity_factor = auto    (auto | number >= 0)"), std::string::npos);
    for (const OptionInfo& info : catalog) {
        EXPECT_NE(help.find("  " + info.name + " = "), std::string::npos) << info.name;
    }
}

TEST(Options, IssueFormatLeavesOutUnknownParts) {
    EXPECT_EQ((Issue{Issue::Severity::Error, "a.ini", 12, "router.k", "bad"}).format(),
              "a.ini:12: router.k: bad");
    EXPECT_EQ((Issue{Issue::Severity::Error, "a.ini", 0, "router.k", "bad"}).format(),
              "a.ini: router.k: bad");
    EXPECT_EQ((Issue{Issue::Severity::Error, "", 0, "router.k", "bad"}).format(), "router.k: bad");
    EXPECT_EQ((Issue{Issue::Severity::Error, "", 3, "", "bad"}).format(), "line 3: bad");
    EXPECT_EQ((Issue{Issue::Severity::Warning, "a.ini", 2, "", "odd"}).format(),
              "a.ini:2: warning: odd");
}

}  // namespace
}  // namespace moe
