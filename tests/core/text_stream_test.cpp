// SPDX-License-Identifier: MIT
// stream.kind = text: tokenizer, record splitting, corpus loading and its errors, the stream's
// hidden states against a plain-loop reference, and vocabulary specialization by hand.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/config/options.h"
#include "core/metrics/step_metrics.h"
#include "core/stream/text_corpus.h"
#include "core/stream/text_stream.h"

namespace moe {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> words(std::string_view text) { return tokenizeText(text); }

TEST(Tokenizer, LowercasesWordsAndKeepsPunctuationAsTokens) {
    EXPECT_EQ(words("Hello, World!"), (std::vector<std::string>{"hello", ",", "world", "!"}));
    EXPECT_EQ(words("don't  stop\t'quoted'"),
              (std::vector<std::string>{"don't", "stop", "'", "quoted", "'"}));
    EXPECT_EQ(words("C3PO + R2D2 = 42"), (std::vector<std::string>{"c3po", "+", "r2d2", "=", "42"}));
}

TEST(Tokenizer, HandlesTrickyText) {
    EXPECT_TRUE(words("").empty());
    EXPECT_TRUE(words(" \n\n\t \r\n").empty());
    EXPECT_EQ(words("...?!"), (std::vector<std::string>{".", ".", ".", "?", "!"}));
    // A very long word is cut to kMaxTokenBytes.
    const std::vector<std::string> longWord = words(std::string(500, 'x') + " y");
    ASSERT_EQ(longWord.size(), 2u);
    EXPECT_EQ(longWord[0], std::string(kMaxTokenBytes, 'x'));
    // UTF-8 (and any byte >= 0x80) stays inside words; uppercase ASCII around it is lowered.
    EXPECT_EQ(words("Caf\xc3\xa9 na\xc3\xafve \xff\xfe"),
              (std::vector<std::string>{"caf\xc3\xa9", "na\xc3\xafve", "\xff\xfe"}));
    // Control bytes are tokens of their own rather than lost or crashing.
    EXPECT_EQ(words(std::string("a\x01" "b", 3)), (std::vector<std::string>{"a", "\x01", "b"}));
}

TEST(Records, SplitAtPercentLinesOrElseAtBlankLines) {
    const auto fortunes = splitRecords("one\ntwo\n%\nthree\n%\n%\n  \n%\nfour");
    ASSERT_EQ(fortunes.size(), 3u);
    EXPECT_EQ(words(fortunes[0]), (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(words(fortunes[2]), (std::vector<std::string>{"four"}));
    const auto paragraphs = splitRecords("a b\nc\n\n\n  \nd\n");
    ASSERT_EQ(paragraphs.size(), 2u);
    EXPECT_EQ(words(paragraphs[1]), (std::vector<std::string>{"d"}));
}

class CorpusFolder : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("moelab_text_" + std::to_string(::getpid()) + "_" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }
    void write(const std::string& name, const std::string& text) {
        std::ofstream(dir / name, std::ios::binary) << text;
    }
    fs::path dir;
};

TEST_F(CorpusFolder, FilesAreDomainsAndTheVocabularyIsRankedByFrequency) {
    write("b_cats", "the cat\n%\nthe cat sat\n");
    write("a_dogs", "the dog, the dog!\n");
    write("a_dogs.dat", "binary index that must be skipped");
    write(".hidden", "skipped too");
    const auto corpus = loadTextCorpus(dir.string(), 4);
    ASSERT_TRUE(corpus) << corpus.error();
    EXPECT_EQ(corpus->domainNames, (std::vector<std::string>{"a_dogs", "b_cats"}));
    // Counts: the 4, cat 2, dog 2, then "," "!" "sat" once. Cap 4 = 3 words + <unk>; ties in
    // byte order (cat before dog).
    EXPECT_EQ(corpus->vocabulary, (std::vector<std::string>{"the", "cat", "dog", "<unk>"}));
    ASSERT_EQ(corpus->records.size(), 3u);
    EXPECT_EQ(corpus->records[0].domain, 0);
    EXPECT_EQ(corpus->records[0].tokens, (std::vector<int32_t>{0, 2, 3, 0, 2, 3}));
    EXPECT_EQ(corpus->records[2].tokens, (std::vector<int32_t>{0, 1, 3}));
    EXPECT_EQ(corpus->totalTokens, 11);
}

TEST_F(CorpusFolder, EmptyOrUnreadableFilesAreNamedErrors) {
    write("good", "some words\n");
    write("empty", " \n\n");
    auto corpus = loadTextCorpus(dir.string(), 100);
    ASSERT_FALSE(corpus);
    EXPECT_NE(corpus.error().find("empty"), std::string::npos) << corpus.error();
    EXPECT_NE(corpus.error().find("holds no word"), std::string::npos) << corpus.error();
    EXPECT_EQ(checkTextCorpus(dir.string()), corpus.error());
    fs::remove(dir / "empty");
    // A dangling link cannot be read (root reads any mode bits, so a link stands in for an
    // unreadable file).
    fs::create_symlink(dir / "gone", dir / "broken");
    corpus = loadTextCorpus(dir.string(), 100);
    ASSERT_FALSE(corpus);
    EXPECT_NE(corpus.error().find("broken"), std::string::npos) << corpus.error();
    EXPECT_NE(corpus.error().find("cannot read"), std::string::npos) << corpus.error();
    fs::remove(dir / "broken");
    fs::remove(dir / "good");
    EXPECT_NE(loadTextCorpus(dir.string(), 100).error().find("no text file"), std::string::npos);
    EXPECT_NE(loadTextCorpus((dir / "nope").string(), 100).error().find("no such"), std::string::npos);
}

TEST_F(CorpusFolder, StreamStatesMixTheDecayedContextOfTheRecord) {
    write("only", "a b c d\n");
    const auto defaults = loadScenario("", {"stream.kind=text", "stream.path=" + dir.string()});
    ASSERT_TRUE(defaults);
    StreamConfig cfg = defaults->stream;
    cfg.context = 0.5;
    cfg.contextWindow = 2;
    cfg.contextDecay = 0.5;
    cfg.spread = 0;
    auto corpus = loadTextCorpus(dir.string(), 10);
    ASSERT_TRUE(corpus);
    TextStream stream(cfg, *corpus, 3, 6, Rng(1), Rng(2));
    const TokenBatch b = stream.next(0);
    const Matrix& e = stream.embeddings();
    // Record "a b c d" then the record again (one record per epoch): ids of a, b, c, d.
    ASSERT_EQ(b.tokenId.size(), 6u);
    EXPECT_EQ(b.tokenId[0], b.tokenId[4]);
    auto row = [&](int t) { return e.row(b.tokenId[static_cast<size_t>(t)]); };
    EXPECT_TRUE(b.x.row(0).isApprox(row(0)));  // no previous token
    // t = 2: previous tokens weighted 0.5 (t-1) and 0.25 (t-2), normalised.
    const RowVector context2 = (0.5f * row(1) + 0.25f * row(0)) / 0.75f;
    EXPECT_TRUE(b.x.row(2).isApprox(0.5f * row(2) + 0.5f * context2, 1e-5f));
    // t = 4 starts the record again: no context from the previous record.
    EXPECT_TRUE(b.x.row(4).isApprox(row(4)));
    EXPECT_EQ(b.domain, std::vector<int32_t>(6, 0));
}

TEST(VocabularySpecialization, MatchesAHandCount) {
    // Word 7 five times: experts 1,1,1,2,3 -> 3 of 5 to its top expert. Word 9 five times, all
    // to expert 0 -> 5 of 5. Word 4 twice (below the minimum count of 5): ignored.
    const std::vector<int32_t> ids = {7, 7, 7, 7, 7, 9, 9, 9, 9, 9, 4, 4};
    const std::vector<int32_t> first = {1, 1, 1, 2, 3, 0, 0, 0, 0, 0, 5, 6};
    EXPECT_DOUBLE_EQ(vocabularySpecialization(ids, first, 5), 8.0 / 10.0);
    EXPECT_TRUE(std::isnan(vocabularySpecialization({1, 2}, {0, 0}, 5)));
    // Tokens no expert picked (-1) do not count.
    EXPECT_DOUBLE_EQ(vocabularySpecialization({3, 3, 3}, {2, -1, 2}, 2), 1.0);
}

}  // namespace
}  // namespace moe
