// SPDX-License-Identifier: MIT
#include "core/stream/text_corpus.h"

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

#include "core/util/assert.h"

namespace moe {
namespace {

namespace fs = std::filesystem;

bool isWordByte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

bool isSpace(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/// The line starting at `pos` (without its newline) and the position after it.
std::pair<std::string_view, size_t> lineAt(std::string_view text, size_t pos) {
    const size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) return {text.substr(pos), text.size()};
    return {text.substr(pos, end - pos), end + 1};
}

std::string_view trimmed(std::string_view line) {
    while (!line.empty() && isSpace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    while (!line.empty() && isSpace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
    return line;
}

tl::expected<std::string, std::string> readFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return tl::unexpected(fmt::format("{}: cannot read: {}", file.string(), std::strerror(errno)));
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return tl::unexpected(fmt::format("{}: read error", file.string()));
    return buffer.str();
}

bool isDomainFile(const fs::directory_entry& entry) {
    const std::string name = entry.path().filename().string();
    const std::string ext = entry.path().extension().string();
    return !name.empty() && name[0] != '.' && ext != ".dat" && ext != ".u8";
}

}  // namespace

std::vector<std::string> tokenizeText(std::string_view text) {
    std::vector<std::string> tokens;
    size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (isSpace(c)) {
            ++i;
            continue;
        }
        if (!isWordByte(c)) {
            tokens.emplace_back(1, static_cast<char>(c));
            ++i;
            continue;
        }
        std::string word;
        while (i < text.size()) {
            const auto b = static_cast<unsigned char>(text[i]);
            // An apostrophe between word bytes stays in the word ("don't", "o'clock").
            const bool innerApostrophe = b == '\'' && !word.empty() && i + 1 < text.size() &&
                                         isWordByte(static_cast<unsigned char>(text[i + 1]));
            if (!isWordByte(b) && !innerApostrophe) break;
            if (word.size() < kMaxTokenBytes)
                word += static_cast<char>(b >= 'A' && b <= 'Z' ? b - 'A' + 'a' : b);
            ++i;
        }
        tokens.push_back(std::move(word));
    }
    return tokens;
}

std::vector<std::string_view> splitRecords(std::string_view text) {
    bool percentFormat = false;
    for (size_t pos = 0; pos < text.size() && !percentFormat;) {
        auto [line, next] = lineAt(text, pos);
        percentFormat = trimmed(line) == "%";
        pos = next;
    }
    std::vector<std::string_view> records;
    size_t start = 0;
    auto close = [&](size_t end) {
        const std::string_view record = text.substr(start, end - start);
        // Every non-space byte is (part of) a token.
        if (!trimmed(record).empty()) records.push_back(record);
    };
    for (size_t pos = 0; pos < text.size();) {
        auto [line, next] = lineAt(text, pos);
        const std::string_view t = trimmed(line);
        if (percentFormat ? t == "%" : t.empty()) {
            close(pos);
            start = next;
        }
        pos = next;
    }
    if (start < text.size()) close(text.size());
    return records;
}

namespace {

/// The domain files of `path` in domain order, or what is wrong with it.
tl::expected<std::vector<fs::path>, std::string> domainFiles(const std::string& path) {
    std::error_code error;
    std::vector<fs::path> files;
    if (fs::is_directory(path, error)) {
        for (const auto& entry : fs::directory_iterator(path, error))
            if (isDomainFile(entry)) files.push_back(entry.path());
        if (error) return tl::unexpected(fmt::format("{}: cannot list: {}", path, error.message()));
        std::sort(files.begin(), files.end());
        if (files.empty())
            return tl::unexpected(fmt::format("{}: the folder holds no text file (each file is a "
                                              "domain)", path));
    } else if (fs::exists(path, error)) {
        files.push_back(path);
    } else {
        return tl::unexpected(fmt::format("{}: no such file or folder", path));
    }
    for (const fs::path& file : files)
        if (fs::is_directory(file, error))
            return tl::unexpected(fmt::format("{}: is a folder; a corpus folder holds text files "
                                              "only", file.string()));
    return files;
}

/// The records of one domain file, or what is wrong with it.
tl::expected<std::vector<std::string_view>, std::string> fileRecords(const fs::path& file,
                                                                     const std::string& text) {
    std::vector<std::string_view> records = splitRecords(text);
    if (records.empty())
        return tl::unexpected(fmt::format("{}: holds no word; every file of the corpus is a "
                                          "domain and needs text", file.string()));
    return records;
}

}  // namespace

std::optional<std::string> checkTextCorpus(const std::string& path) {
    auto files = domainFiles(path);
    if (!files) return files.error();
    for (const fs::path& file : *files) {
        auto text = readFile(file);
        if (!text) return text.error();
        if (auto records = fileRecords(file, *text); !records) return records.error();
    }
    return std::nullopt;
}

tl::expected<TextCorpus, std::string> loadTextCorpus(const std::string& path, int vocabCap) {
    MOELAB_ASSERT(vocabCap >= 2, "the vocabulary needs room for one word and <unk>");
    auto listed = domainFiles(path);
    if (!listed) return tl::unexpected(listed.error());
    const std::vector<fs::path>& files = *listed;

    TextCorpus corpus;
    std::vector<std::vector<std::string>> recordWords;
    std::vector<int32_t> recordDomain;
    std::unordered_map<std::string, int64_t> counts;
    for (size_t d = 0; d < files.size(); ++d) {
        auto text = readFile(files[d]);
        if (!text) return tl::unexpected(text.error());
        auto records = fileRecords(files[d], *text);
        if (!records) return tl::unexpected(records.error());
        corpus.domainNames.push_back(files[d].filename().string());
        for (std::string_view record : *records) {
            recordWords.push_back(tokenizeText(record));
            recordDomain.push_back(static_cast<int32_t>(d));
            for (const std::string& w : recordWords.back()) ++counts[w];
        }
    }

    std::vector<std::pair<std::string, int64_t>> ranked(counts.begin(), counts.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    const size_t kept = std::min(ranked.size(), static_cast<size_t>(vocabCap - 1));
    std::unordered_map<std::string, int32_t> ids;
    for (size_t i = 0; i < kept; ++i) {
        ids.emplace(ranked[i].first, static_cast<int32_t>(i));
        corpus.vocabulary.push_back(ranked[i].first);
    }
    corpus.vocabulary.emplace_back("<unk>");
    const int32_t unknown = corpus.unknownId();
    for (size_t r = 0; r < recordWords.size(); ++r) {
        TextRecord record;
        record.domain = recordDomain[r];
        record.tokens.reserve(recordWords[r].size());
        for (const std::string& w : recordWords[r]) {
            const auto it = ids.find(w);
            record.tokens.push_back(it == ids.end() ? unknown : it->second);
        }
        corpus.totalTokens += static_cast<int64_t>(record.tokens.size());
        corpus.records.push_back(std::move(record));
    }
    return corpus;
}

}  // namespace moe
