// SPDX-License-Identifier: MIT
#pragma once

#include <tl/expected.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moe {

/// Longest token kept whole, in bytes; longer words are cut to this length (so a corpus of
/// base64 or URLs cannot blow up the vocabulary with one-off giants).
inline constexpr size_t kMaxTokenBytes = 40;

/// The word-level tokenizer of `stream.kind = text`: lowercases ASCII letters; a token is a
/// maximal run of letters, digits, apostrophes inside a word, or bytes >= 0x80 (so UTF-8 words in
/// a user's file stay whole); every other non-space byte (punctuation, symbols, control bytes)
/// is a token of its own. Whitespace separates and is dropped.
std::vector<std::string> tokenizeText(std::string_view text);

/// Splits a file's text into records (the sequences of the stream): at lines that hold only "%"
/// (the fortune format), or, when there is no such line, at blank lines (paragraphs). Records
/// with no token are dropped.
std::vector<std::string_view> splitRecords(std::string_view text);

/// One record: its domain (the index of its file) and its token ids.
struct TextRecord {
    int32_t domain = 0;
    std::vector<int32_t> tokens;
};

/// A tokenized corpus: every record of every domain file, and the vocabulary.
struct TextCorpus {
    std::vector<std::string> domainNames;  ///< file names, in domain order
    /// id -> word, most frequent first (ties: byte order); the last entry is "<unk>", the id of
    /// every word beyond the vocabulary cap.
    std::vector<std::string> vocabulary;
    std::vector<TextRecord> records;      ///< file order, then order within the file
    int64_t totalTokens = 0;
    int32_t unknownId() const { return static_cast<int32_t>(vocabulary.size()) - 1; }
};

/// Reads `path`: one text file (one domain), or a folder whose regular files are the domains,
/// in name order (hidden files and fortune's .dat / .u8 companions skipped). The vocabulary keeps
/// the vocabCap - 1 most frequent words plus "<unk>". Errors name the path: missing, not readable,
/// a folder with no text file, an empty file (a domain needs text), no records at all.
/// Precondition: vocabCap >= 2.
tl::expected<TextCorpus, std::string> loadTextCorpus(const std::string& path, int vocabCap);

/// The checks of loadTextCorpus without tokenizing (for scenario validation): an error text, or
/// nothing when the corpus loads.
std::optional<std::string> checkTextCorpus(const std::string& path);

/// Where `stream.path` points when it is empty: Debian's fortunes package.
inline constexpr std::string_view kDefaultTextCorpus = "/usr/share/games/fortunes";

}  // namespace moe
