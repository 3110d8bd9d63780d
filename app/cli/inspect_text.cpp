// SPDX-License-Identifier: MIT
#include "app/cli/inspect_text.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "app/cli/exit_codes.h"
#include "core/io/snapshot_reader.h"
#include "core/io/trace_reader.h"
#include "core/io/trace_text.h"

namespace moe::app {
namespace {

/// Each token's first-choice expert in a snapshot: column 0 in selection order, or for expert
/// choice (one column per expert) the kept column with the largest weight; -1 if none.
std::vector<int32_t> firstChoices(const io::TraceSnapshot& s, bool columnPerExpert) {
    const int k = s.nTokens > 0 ? static_cast<int>(s.choice.size()) / s.nTokens : 0;
    std::vector<int32_t> first(static_cast<size_t>(s.nTokens), -1);
    for (int t = 0; t < s.nTokens; ++t) {
        const size_t row = static_cast<size_t>(t) * static_cast<size_t>(k);
        if (!columnPerExpert) {
            if (k > 0) first[static_cast<size_t>(t)] = s.choice[row];
            continue;
        }
        int32_t best = -1;
        for (int j = 0; j < k; ++j) {
            const size_t i = row + static_cast<size_t>(j);
            if (s.kept[i] != 0 && (best < 0 || s.weight[i] > s.weight[row + static_cast<size_t>(best)]))
                best = j;
        }
        first[static_cast<size_t>(t)] = best;
    }
    return first;
}

std::string wordOf(const io::TraceText& text, int32_t id) {
    if (id >= 0 && static_cast<size_t>(id) < text.vocabulary.size()) return text.vocabulary[static_cast<size_t>(id)];
    return fmt::format("#{}", id);
}

std::string domainOf(const io::TraceText& text, int32_t d) {
    if (d >= 0 && static_cast<size_t>(d) < text.domainNames.size()) return text.domainNames[static_cast<size_t>(d)];
    return fmt::format("domain {}", d);
}

/// The `n` largest entries of `counts` by count (ties: smaller key), as "key share%" items.
template <typename Name>
std::string top(const std::map<int32_t, int64_t>& counts, int64_t total, int n, Name name) {
    std::vector<std::pair<int32_t, int64_t>> items(counts.begin(), counts.end());
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::string out;
    for (int i = 0; i < n && i < static_cast<int>(items.size()); ++i) {
        if (!out.empty()) out += ", ";
        out += fmt::format("{} {:.0f}%", name(items[static_cast<size_t>(i)].first),
                           100.0 * static_cast<double>(items[static_cast<size_t>(i)].second) /
                               static_cast<double>(total));
    }
    return out;
}

struct Opened {
    io::TraceHeader header;
    io::TraceText text;
    std::vector<int64_t> steps;
};

/// Header, vocabulary and snapshot steps of a trace, or nullopt after printing why not.
std::optional<Opened> openSnapshots(const std::string& path, int layer) {
    auto header = io::readTraceHeader(path, layer);
    if (!header) {
        fmt::print(stderr, "moelab inspect: {}\n", header.error());
        return std::nullopt;
    }
    auto text = io::readTraceText(path);
    if (!text) {
        fmt::print(stderr, "moelab inspect: {}\n", text.error());
        return std::nullopt;
    }
    auto steps = io::readSnapshotSteps(path, layer);
    if (!steps) {
        fmt::print(stderr, "moelab inspect: {}\n", steps.error());
        return std::nullopt;
    }
    if (steps->empty()) {
        fmt::print(stderr, "moelab inspect: {} has no per-token snapshots in layer_{}; run with "
                           "trace.snapshot_every = N (and a router that decides per token)\n",
                   path, layer);
        return std::nullopt;
    }
    return Opened{std::move(*header), std::move(*text), std::move(*steps)};
}

/// A distinct 256-colour terminal colour per expert, cycling after 12.
int terminalColour(int32_t expert) {
    static constexpr int kPalette[] = {196, 33, 40, 208, 129, 51, 226, 201, 94, 27, 118, 160};
    return kPalette[static_cast<size_t>(expert) % std::size(kPalette)];
}

bool attachesLeft(const std::string& word) {
    return word.size() == 1 && std::string(".,;:!?)]}'\"").find(word[0]) != std::string::npos;
}

}  // namespace

int printExpertVocabulary(const std::string& path, int layer, int topWords) {
    auto opened = openSnapshots(path, layer);
    if (!opened) return kExitBadInput;
    const bool columnPerExpert = opened->header.routerKind == "expert_choice";
    const int experts = opened->header.nExperts;
    std::vector<std::map<int32_t, int64_t>> words(static_cast<size_t>(experts));
    std::vector<std::map<int32_t, int64_t>> domains(static_cast<size_t>(experts));
    std::vector<int64_t> received(static_cast<size_t>(experts), 0);
    int64_t total = 0;
    for (size_t i = 0; i < opened->steps.size(); ++i) {
        auto snapshot = io::readSnapshot(path, layer, static_cast<int64_t>(i));
        if (!snapshot) {
            fmt::print(stderr, "moelab inspect: {}\n", snapshot.error());
            return kExitBadInput;
        }
        const std::vector<int32_t> first = firstChoices(*snapshot, columnPerExpert);
        for (size_t t = 0; t < first.size(); ++t) {
            const int32_t e = first[t];
            if (e < 0 || e >= experts) continue;
            ++received[static_cast<size_t>(e)];
            ++total;
            if (!snapshot->tokenId.empty()) ++words[static_cast<size_t>(e)][snapshot->tokenId[t]];
            if (!snapshot->domain.empty()) ++domains[static_cast<size_t>(e)][snapshot->domain[t]];
        }
    }
    fmt::print("{}: layer_{}, first choices of {} tokens in {} snapshots (steps {}-{})\n", path,
               layer, total, opened->steps.size(), opened->steps.front(), opened->steps.back());
    fmt::print("{:>6} {:>8} {:>6}  {}\n", "expert", "tokens", "share", "top words | top domains");
    const io::TraceText& text = opened->text;
    for (int e = 0; e < experts; ++e) {
        const auto i = static_cast<size_t>(e);
        const double share = total > 0 ? 100.0 * static_cast<double>(received[i]) / static_cast<double>(total) : 0.0;
        fmt::print("{:>6} {:>8} {:>5.1f}%  {} | {}\n", e, received[i], share,
                   words[i].empty() ? std::string("-")
                                    : top(words[i], received[i], topWords, [&](int32_t id) { return wordOf(text, id); }),
                   domains[i].empty() ? std::string("-")
                                      : top(domains[i], received[i], 3, [&](int32_t d) { return domainOf(text, d); }));
    }
    return kExitOk;
}

int printRoutedText(const std::string& path, int layer, int64_t step, int tokens, bool colour) {
    auto opened = openSnapshots(path, layer);
    if (!opened) return kExitBadInput;
    const int64_t index = io::nearestSnapshot(opened->steps, step);
    auto snapshot = io::readSnapshot(path, layer, index);
    if (!snapshot) {
        fmt::print(stderr, "moelab inspect: {}\n", snapshot.error());
        return kExitBadInput;
    }
    if (snapshot->tokenId.empty()) {
        fmt::print(stderr, "moelab inspect: {}: the stream of this trace has no token ids "
                           "(stream.kind = text or zipf has them)\n", path);
        return kExitBadInput;
    }
    const std::vector<int32_t> first =
        firstChoices(*snapshot, opened->header.routerKind == "expert_choice");
    const io::TraceText& text = opened->text;
    const int shown = std::min(tokens, snapshot->nTokens);
    fmt::print("{}: layer_{}, snapshot of step {}, tokens 0-{} of {}, each tagged with its "
               "first-choice expert\n\n", path, layer, opened->steps[static_cast<size_t>(index)],
               shown - 1, snapshot->nTokens);
    std::string line;
    int32_t domain = -2;
    std::vector<bool> used(static_cast<size_t>(opened->header.nExperts), false);
    for (int t = 0; t < shown; ++t) {
        const auto i = static_cast<size_t>(t);
        if (!snapshot->domain.empty() && snapshot->domain[i] != domain) {
            domain = snapshot->domain[i];
            if (!line.empty()) fmt::print("{}\n", line);
            line.clear();
            fmt::print("[{}] ", domainOf(text, domain));
        }
        const std::string word = wordOf(text, snapshot->tokenId[i]);
        const int32_t e = first[i];
        if (e >= 0 && static_cast<size_t>(e) < used.size()) used[static_cast<size_t>(e)] = true;
        std::string piece = colour && e >= 0
                                ? fmt::format("\x1b[38;5;{}m{}\x1b[0m", terminalColour(e), word)
                                : fmt::format("{}[{}]", word, e >= 0 ? std::to_string(e) : "-");
        if (!line.empty() && !(attachesLeft(word))) line += ' ';
        line += piece;
    }
    fmt::print("{}\n", line);
    if (colour) {
        std::string legend = "\nexperts:";
        for (size_t e = 0; e < used.size(); ++e)
            if (used[e])
                legend += fmt::format(" \x1b[38;5;{}m{}\x1b[0m", terminalColour(static_cast<int32_t>(e)), e);
        fmt::print("{}\n", legend);
    }
    return kExitOk;
}

}  // namespace moe::app
