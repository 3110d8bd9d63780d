// SPDX-License-Identifier: MIT
#include "core/config/event_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <set>

namespace moe {
namespace {

constexpr std::string_view kPrefix = "event.";

std::string_view trim(std::string_view s) {
    constexpr std::string_view kBlanks = " \t\r\n";
    const size_t first = s.find_first_not_of(kBlanks);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(kBlanks) - first + 1);
}

template <typename T>
std::optional<T> parseNumber(std::string_view text) {
    T value{};
    const char* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (result.ec != std::errc() || result.ptr != end) return std::nullopt;
    if constexpr (std::is_floating_point_v<T>) {
        if (!std::isfinite(value)) return std::nullopt;
    }
    return value;
}

/// Comma-separated numbers; nullopt if any entry is not one (or the list is empty).
template <typename T>
std::optional<std::vector<T>> parseList(std::string_view text) {
    std::vector<T> values;
    if (trim(text).empty()) return std::nullopt;
    while (true) {
        const size_t comma = text.find(',');
        const auto value = parseNumber<T>(trim(text.substr(0, comma)));
        if (!value) return std::nullopt;
        values.push_back(*value);
        if (comma == std::string_view::npos) return values;
        text.remove_prefix(comma + 1);
    }
}

/// One key of an event section: how it is parsed, rendered and described.
struct EventKey {
    std::string_view key;
    std::string_view accepted;
    std::string_view help;
    /// Stores the value; returns why it cannot (the caller adds the accepted values).
    std::function<std::optional<std::string>(EventConfig&, std::string_view)> assign;
    /// The value as written in a scenario, or nullopt when the event does not set it.
    std::function<std::optional<std::string>(const EventConfig&)> render;
};

/// User text made safe for a one-line message (as options.cpp does): control and non-ASCII
/// bytes escaped, long text cut.
std::string shown(std::string_view text) {
    constexpr size_t kMaxShown = 48;
    std::string out;
    for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        out += c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c))
                                     : fmt::format("\\x{:02x}", c);
    }
    return text.size() > kMaxShown ? out + "..." : out;
}

std::optional<std::string> notA(std::string_view text, std::string_view what) {
    return fmt::format("'{}' is not {}", shown(text), what);
}

const std::vector<EventKey>& eventKeys() {
    static const std::vector<EventKey> keys = {
        {"at", "integer >= 0",
         "step before which the event applies (at = 0: before the first step); required",
         [](EventConfig& e, std::string_view t) -> std::optional<std::string> {
             const auto v = parseNumber<int64_t>(t);
             if (!v || *v < 0) return notA(t, "a step (integer >= 0)");
             e.at = *v;
             return std::nullopt;
         },
         [](const EventConfig& e) -> std::optional<std::string> {
             return fmt::format("{}", e.at);
         }},
        {"add_experts", "integer in [1, 1024]",
         "routed experts appended to the layer (ids E, E+1, ...), with their router columns, "
         "per-expert router state and optimiser moments (zero)",
         [](EventConfig& e, std::string_view t) -> std::optional<std::string> {
             const auto v = parseNumber<int>(t);
             if (!v || *v < 1 || *v > 1024) return notA(t, "an expert count in [1, 1024]");
             e.addExperts = *v;
             return std::nullopt;
         },
         [](const EventConfig& e) -> std::optional<std::string> {
             if (e.addExperts == 0) return std::nullopt;
             return fmt::format("{}", e.addExperts);
         }},
        {"init", "default | zero | copy_mean",
         "new router columns: default (drawn as at the start of training, from a random stream "
         "derived from seed and event name), zero, or copy_mean (mean of the columns of the "
         "experts not removed); the autoencoder gate always starts a fresh autoencoder (default)",
         [](EventConfig& e, std::string_view t) -> std::optional<std::string> {
             const auto v = parseEnum<ColumnInit>(t);
             if (!v) return notA(t, "a column initialisation");
             e.init = *v;
             return std::nullopt;
         },
         [](const EventConfig& e) -> std::optional<std::string> {
             if (e.init == ColumnInit::Default) return std::nullopt;
             return std::string(enumName(e.init));
         }},
        {"freeze_experts", "comma-separated expert ids | old",
         "experts whose parameters and router columns stop training (Lifelong-MoE); old = every "
         "expert that existed before this event's add_experts",
         [](EventConfig& e, std::string_view t) -> std::optional<std::string> {
             if (t == "old") {
                 e.freezeOld = true;
                 return std::nullopt;
             }
             const auto v = parseList<int>(t);
             if (!v) return notA(t, "a list of expert ids");
             e.freeze = *v;
             return std::nullopt;
         },
         [](const EventConfig& e) -> std::optional<std::string> {
             if (e.freezeOld) return std::string("old");
             if (e.freeze.empty()) return std::nullopt;
             return fmt::format("{}", fmt::join(e.freeze, ","));
         }},
        {"remove_experts", "comma-separated expert ids",
         "experts that no router picks again: their logits are masked to -inf and they are left "
         "out of selection; their ids stay (never reused) and their parameters stop changing",
         [](EventConfig& e, std::string_view t) -> std::optional<std::string> {
             const auto v = parseList<int>(t);
             if (!v) return notA(t, "a list of expert ids");
             e.remove = *v;
             return std::nullopt;
         },
         [](const EventConfig& e) -> std::optional<std::string> {
             if (e.remove.empty()) return std::nullopt;
             return fmt::format("{}", fmt::join(e.remove, ","));
         }},
        {"stream.mixture", "comma-separated weights >= 0, one per domain",
         "new domain distribution of the clusters stream from this step on (normalised; 0 = "
         "the domain is absent), e.g. 0,0,1 makes domain 2 the only one: domains arriving one "
         "after another are a mixture event each",
         [](EventConfig& e, std::string_view t) -> std::optional<std::string> {
             const auto v = parseList<double>(t);
             if (!v) return notA(t, "a list of weights");
             e.mixture = *v;
             return std::nullopt;
         },
         [](const EventConfig& e) -> std::optional<std::string> {
             if (e.mixture.empty()) return std::nullopt;
             return fmt::format("{}", fmt::join(e.mixture, ","));
         }},
        {"train.lr", "number > 0",
         "new learning rate from this step on (router.ae_lr scales with it)",
         [](EventConfig& e, std::string_view t) -> std::optional<std::string> {
             const auto v = parseNumber<double>(t);
             if (!v || !(*v > 0)) return notA(t, "a learning rate > 0");
             e.lr = *v;
             return std::nullopt;
         },
         [](const EventConfig& e) -> std::optional<std::string> {
             if (!e.lr) return std::nullopt;
             return fmt::format("{}", *e.lr);
         }},
    };
    return keys;
}

std::string keyList() {
    std::string out;
    for (const EventKey& k : eventKeys()) out += (out.empty() ? "" : ", ") + std::string(k.key);
    return out;
}

bool validName(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

bool hasAction(const EventConfig& e) {
    return e.addExperts > 0 || e.freezeOld || !e.freeze.empty() || !e.remove.empty() ||
           !e.mixture.empty() || e.lr.has_value();
}

}  // namespace

std::optional<std::pair<std::string, std::string>> splitEventOption(std::string_view option) {
    if (!option.starts_with(kPrefix)) return std::nullopt;
    option.remove_prefix(kPrefix.size());
    const size_t dot = option.find('.');
    if (dot == std::string_view::npos || dot + 1 >= option.size()) return std::nullopt;
    return std::pair{std::string(option.substr(0, dot)), std::string(option.substr(dot + 1))};
}

std::vector<EventConfig> parseEvents(const EventEntries& entries, std::vector<Issue>& issues) {
    std::vector<EventConfig> events;
    // Named references rather than structured bindings: clang 14 (the fuzz build) cannot
    // capture a structured binding in a lambda.
    for (const auto& named : entries) {
        const std::string& name = named.first;
        const auto& keys = named.second;
        EventConfig event;
        event.name = name;
        const auto issue = [&](const std::string& key, const EventEntry& where, std::string text) {
            issues.push_back({Issue::Severity::Error, where.file, where.line,
                              shown(fmt::format("event.{}.{}", name, key)), std::move(text)});
        };
        if (!validName(name)) {
            const EventEntry& first = keys.begin()->second;
            issue(keys.begin()->first, first,
                  fmt::format("event name '{}' is not accepted; accepted: letters, digits, '_' "
                              "and '-' ([event.NAME])",
                              shown(name)));
            continue;
        }
        bool ok = true;
        for (const auto& keyed : keys) {
            const std::string& key = keyed.first;
            const EventEntry& entry = keyed.second;
            const auto known = std::find_if(eventKeys().begin(), eventKeys().end(),
                                            [&](const EventKey& k) { return k.key == key; });
            if (known == eventKeys().end()) {
                issue(key, entry, fmt::format("unknown event key; accepted: {}", keyList()));
                ok = false;
                continue;
            }
            if (auto error = known->assign(event, entry.value)) {
                issue(key, entry, fmt::format("{}; accepted: {}", *error, known->accepted));
                ok = false;
            }
        }
        if (!ok) continue;
        const EventEntry& first = keys.begin()->second;
        if (!keys.contains("at")) {
            issue("at", first, "missing; every event needs at = STEP (accepted: integer >= 0)");
            continue;
        }
        if (!hasAction(event)) {
            issue("at", keys.at("at"),
                  fmt::format("the event has no action; accepted: {}", keyList()));
            continue;
        }
        events.push_back(std::move(event));
    }
    std::stable_sort(events.begin(), events.end(), [](const EventConfig& a, const EventConfig& b) {
        return a.at != b.at ? a.at < b.at : a.name < b.name;
    });
    return events;
}

std::vector<std::pair<std::string, std::string>> checkEvents(const ScenarioConfig& c) {
    std::vector<std::pair<std::string, std::string>> problems;
    const auto add = [&](const EventConfig& e, std::string_view key, std::string message) {
        problems.emplace_back(fmt::format("event.{}.{}", e.name, key), std::move(message));
    };
    const RouterKind kind = c.router.kind;
    const bool expertEvents = kind == RouterKind::TokenChoice || kind == RouterKind::Autoencoder;
    int experts = c.model.experts;
    std::set<int> removed;
    for (const EventConfig& e : c.events) {
        const bool changesExperts =
            e.addExperts > 0 || e.freezeOld || !e.freeze.empty() || !e.remove.empty();
        const std::string_view actionKey = e.addExperts > 0    ? "add_experts"
                                           : !e.remove.empty() ? "remove_experts"
                                                               : "freeze_experts";
        if (changesExperts && !expertEvents) {
            add(e, actionKey,
                fmt::format("is not available with router.kind = {}; accepted router.kind: "
                            "token_choice | autoencoder",
                            enumName(kind)));
            continue;
        }
        if (changesExperts && c.model.nullExperts > 0) {
            add(e, actionKey,
                "needs model.null_experts = 0 (null experts are the router's last columns, so "
                "added experts would change their ids)");
            continue;
        }
        if ((e.addExperts > 0 || !e.remove.empty()) && c.router.groups > 1) {
            add(e, actionKey,
                fmt::format("needs router.groups = 1 (group-limited routing splits a fixed "
                            "number of experts into equal groups; router.groups is {})",
                            c.router.groups));
            continue;
        }
        if (e.addExperts > 0 && kind == RouterKind::Autoencoder && e.init != ColumnInit::Default) {
            add(e, "init",
                fmt::format("'{}' is not available with router.kind = autoencoder: a new expert "
                            "starts with a fresh autoencoder (ROUTING.md §8); accepted: default",
                            enumName(e.init)));
        }
        experts += e.addExperts;
        const auto checkIds = [&](std::string_view key, const std::vector<int>& ids) {
            for (const int id : ids) {
                if (id < 0 || id >= experts) {
                    add(e, key,
                        fmt::format("expert {} does not exist at step {}; accepted: ids 0..{} "
                                    "(model.experts plus earlier add_experts)",
                                    id, e.at, experts - 1));
                    return false;
                }
            }
            return true;
        };
        checkIds("freeze_experts", e.freeze);
        if (checkIds("remove_experts", e.remove)) {
            for (const int id : e.remove) {
                if (!removed.insert(id).second) {
                    add(e, "remove_experts",
                        fmt::format("expert {} is already removed at step {}", id, e.at));
                }
            }
            const int live = experts - static_cast<int>(removed.size());
            if (live < 1) {
                add(e, "remove_experts", "removes every expert; at least one must stay");
            } else if (c.router.k > live) {
                add(e, "remove_experts",
                    fmt::format("leaves {} experts, fewer than router.k = {}; accepted: remove "
                                "at most {} experts in all",
                                live, c.router.k, experts - c.router.k));
            }
        }
        if (!e.mixture.empty()) {
            double sum = 0;
            bool negative = false;
            for (const double w : e.mixture) {
                sum += w;
                negative = negative || w < 0;
            }
            if (c.stream.kind != StreamKind::Clusters) {
                add(e, "stream.mixture",
                    fmt::format("needs stream.kind = clusters (stream.kind is {})",
                                enumName(c.stream.kind)));
            } else if (static_cast<int>(e.mixture.size()) != c.stream.domains) {
                add(e, "stream.mixture",
                    fmt::format("has {} weights; accepted: one weight >= 0 per domain "
                                "(stream.domains = {})",
                                e.mixture.size(), c.stream.domains));
            } else if (negative || !(sum > 0)) {
                add(e, "stream.mixture",
                    "accepted: weights >= 0 with a positive sum, one per domain");
            } else if (!c.stream.driftAt.empty()) {
                add(e, "stream.mixture",
                    "cannot be combined with stream.drift_at, which re-draws the domain "
                    "frequencies; accepted: stream.drift_at empty");
            }
        }
    }
    return problems;
}

std::string renderEvents(const std::vector<EventConfig>& events) {
    std::string out;
    for (const EventConfig& e : events) {
        out += fmt::format("\n[event.{}]\n", e.name);
        for (const EventKey& k : eventKeys())
            if (const auto value = k.render(e)) out += fmt::format("{} = {}\n", k.key, *value);
    }
    return out;
}

std::string describeEvent(const EventConfig& e) {
    std::string out;
    for (const EventKey& k : eventKeys()) {
        if (k.key == "at") continue;
        if (const auto value = k.render(e))
            out += fmt::format("{}{} = {}", out.empty() ? "" : "; ", k.key, *value);
    }
    return out;
}

std::vector<OptionInfo> eventKeyCatalog() {
    std::vector<OptionInfo> catalog;
    for (const EventKey& k : eventKeys()) {
        catalog.push_back({fmt::format("event.NAME.{}", k.key), "event.NAME",
                           k.key == "init" ? "default" : "", std::string(k.help),
                           std::string(k.accepted)});
    }
    return catalog;
}

}  // namespace moe
