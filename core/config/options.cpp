// SPDX-License-Identifier: MIT
#include "core/config/options.h"

#include "core/config/event_options.h"

#include "core/stream/dumped_stream.h"
#include "core/stream/stream_factory.h"
#include "core/stream/text_corpus.h"
#include "core/util/assert.h"

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <boost/program_options/variables_map.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <type_traits>
#include <utility>

namespace po = boost::program_options;

namespace moe {
namespace {

constexpr const char* kCommandLine = "command line";
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------
// Text helpers

/// User text made safe for a one-line message: control and non-ASCII bytes escaped, long text
/// cut, so that a binary or huge scenario file still gives a readable issue.
std::string printable(std::string_view text) {
    constexpr size_t kMaxShown = 48;
    std::string out;
    for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("\\x{:02x}", c);
        }
    }
    if (text.size() > kMaxShown) out += "...";
    return out;
}

std::string inQuotes(std::string_view text) {
    std::string out = "'" + printable(text) + "'";
    if (text.size() > 48) out += fmt::format(" ({} bytes)", text.size());
    return out;
}

/// Boost's config parser trims exactly these characters; the INI scan must agree with it.
std::string_view trimBlanks(std::string_view s) {
    constexpr std::string_view kBlanks = " \t\r\n";
    const size_t first = s.find_first_not_of(kBlanks);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(kBlanks) - first + 1);
}

/// "router.k" -> {"router", "k"}; "seed" -> {"", "seed"}.
std::pair<std::string_view, std::string_view> splitName(std::string_view name) {
    const size_t dot = name.find('.');
    if (dot == std::string_view::npos) return {{}, name};
    return {name.substr(0, dot), name.substr(dot + 1)};
}

size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<size_t> previous(b.size() + 1);
    std::vector<size_t> current(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

// ---------------------------------------------------------------------------------------------
// Codecs: text <-> field value, one per field type. Every error names the offending text.

template <typename T>
struct Codec;

template <typename T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) struct Codec<T> {
    static std::string kind() { return std::is_signed_v<T> ? "integer" : "integer >= 0"; }

    static tl::expected<T, std::string> parse(std::string_view text) {
        T value{};
        const char* end = text.data() + text.size();
        const auto result = std::from_chars(text.data(), end, value);
        if (result.ec == std::errc::result_out_of_range) {
            return tl::make_unexpected(fmt::format("{} is out of range ({}..{})", inQuotes(text),
                                                   std::numeric_limits<T>::min(),
                                                   std::numeric_limits<T>::max()));
        }
        if (result.ec != std::errc() || result.ptr != end) {
            return tl::make_unexpected(
                fmt::format("{} is not {}", inQuotes(text),
                            std::is_signed_v<T> ? "an integer" : "a non-negative integer"));
        }
        return value;
    }

    static std::string format(T value) { return fmt::format("{}", value); }
};

template <>
struct Codec<double> {
    static std::string kind() { return "number"; }

    static tl::expected<double, std::string> parse(std::string_view text) {
        double value = 0;
        const char* end = text.data() + text.size();
        const auto result = std::from_chars(text.data(), end, value);
        if (result.ec == std::errc::result_out_of_range) {
            return tl::make_unexpected(
                fmt::format("{} is out of the range of a double", inQuotes(text)));
        }
        if (result.ec != std::errc() || result.ptr != end) {
            return tl::make_unexpected(fmt::format("{} is not a number", inQuotes(text)));
        }
        if (!std::isfinite(value)) {
            return tl::make_unexpected(fmt::format("{} is not a finite number", inQuotes(text)));
        }
        return value;
    }

    // fmt's "{}" is the shortest text that parses back to the same double.
    static std::string format(double value) { return fmt::format("{}", value); }
};

template <>
struct Codec<bool> {
    static std::string kind() { return "true | false"; }

    static tl::expected<bool, std::string> parse(std::string_view text) {
        if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
        if (text == "false" || text == "no" || text == "off" || text == "0") return false;
        return tl::make_unexpected(fmt::format("{} is not one of true | false", inQuotes(text)));
    }

    static std::string format(bool value) { return value ? "true" : "false"; }
};

template <typename E>
requires std::is_enum_v<E>
struct Codec<E> {
    static std::string kind() { return acceptedNames<E>(); }

    static tl::expected<E, std::string> parse(std::string_view text) {
        if (const std::optional<E> value = parseEnum<E>(text)) return *value;
        return tl::make_unexpected(
            fmt::format("{} is not one of {}", inQuotes(text), acceptedNames<E>()));
    }

    static std::string format(E value) { return std::string(enumName(value)); }
};

template <>
struct Codec<std::string> {
    static std::string kind() { return "text"; }

    // A value must survive being written to a scenario file and read back, where '#' and ';'
    // start comments and surrounding blanks are trimmed.
    static tl::expected<std::string, std::string> parse(std::string_view text) {
        const bool control = std::any_of(text.begin(), text.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u < 0x20 || u == 0x7f;
        });
        if (control || text.find_first_of("#;") != std::string_view::npos) {
            return tl::make_unexpected(fmt::format(
                "{} cannot be stored in a scenario file: '#', ';' and control characters are "
                "not allowed",
                inQuotes(text)));
        }
        if (trimBlanks(text).size() != text.size()) {
            return tl::make_unexpected(
                fmt::format("{} has leading or trailing blanks", inQuotes(text)));
        }
        return std::string(text);
    }

    static std::string format(const std::string& value) { return value; }
};

/// A number, or "auto" for a default that depends on other options.
template <>
struct Codec<std::optional<double>> {
    static std::string kind() { return "auto | number"; }

    static tl::expected<std::optional<double>, std::string> parse(std::string_view text) {
        if (text == "auto") return std::optional<double>();
        auto value = Codec<double>::parse(text);
        if (!value) return tl::make_unexpected(value.error() + " (nor auto)");
        return std::optional<double>(*value);
    }

    static std::string format(const std::optional<double>& value) {
        return value ? Codec<double>::format(*value) : "auto";
    }
};

template <>
struct Codec<std::vector<int64_t>> {
    static std::string kind() { return "comma-separated steps"; }

    static tl::expected<std::vector<int64_t>, std::string> parse(std::string_view text) {
        std::vector<int64_t> steps;
        if (trimBlanks(text).empty()) return steps;
        while (true) {
            const size_t comma = text.find(',');
            const std::string_view entry = trimBlanks(text.substr(0, comma));
            const auto step = Codec<int64_t>::parse(entry);
            if (!step) {
                return tl::make_unexpected(fmt::format(
                    "entry {} of a comma-separated step list is not an integer", inQuotes(entry)));
            }
            steps.push_back(*step);
            if (comma == std::string_view::npos) return steps;
            text.remove_prefix(comma + 1);
        }
    }

    static std::string format(const std::vector<int64_t>& steps) {
        return fmt::format("{}", fmt::join(steps, ","));
    }
};

// ---------------------------------------------------------------------------------------------
// The option table

/// Bounds of a numeric option, checked by validateScenario and shown in the accepted text.
struct Range {
    double lo = -kInf;
    double hi = kInf;
    bool loOpen = false;
    bool hiOpen = false;

    bool contains(double x) const {
        if (std::isnan(x)) return true;  // an "auto" value
        return (loOpen ? x > lo : x >= lo) && (hiOpen ? x < hi : x <= hi);
    }

    std::string describe() const {
        const bool hasLo = std::isfinite(lo);
        const bool hasHi = std::isfinite(hi);
        if (hasLo && hasHi) {
            return fmt::format("in {}{}, {}{}", loOpen ? '(' : '[', lo, hi, hiOpen ? ')' : ']');
        }
        if (hasLo) return fmt::format("{} {}", loOpen ? ">" : ">=", lo);
        if (hasHi) return fmt::format("{} {}", hiOpen ? "<" : "<=", hi);
        return {};
    }
};

constexpr Range kUnbounded{};
constexpr Range atLeast(double lo) {
    return {lo, kInf, false, false};
}
constexpr Range above(double lo) {
    return {lo, kInf, true, false};
}
constexpr Range closed(double lo, double hi) {
    return {lo, hi, false, false};
}
constexpr Range halfOpen(double lo, double hi) {
    return {lo, hi, false, true};
}

/// Binds an option to the ScenarioConfig member it fills.
struct Field {
    std::string kind;  ///< what the codec accepts: "integer", "number", enum names, ...
    std::function<std::optional<std::string>(ScenarioConfig&, std::string_view)> assign;
    std::function<std::string(const ScenarioConfig&)> render;
    /// The value as a number for range checks; empty for non-numeric fields.
    std::function<double(const ScenarioConfig&)> number;
};

/// `access` is a generic lambda returning the member, so one accessor serves const and mutable.
template <typename T, typename Access>
Field makeField(Access access) {
    Field field;
    field.kind = Codec<T>::kind();
    field.assign = [access](ScenarioConfig& config,
                            std::string_view text) -> std::optional<std::string> {
        auto value = Codec<T>::parse(text);
        if (!value) return std::move(value.error());
        access(config) = std::move(*value);
        return std::nullopt;
    };
    field.render = [access](const ScenarioConfig& config) {
        return Codec<T>::format(access(config));
    };
    if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
        field.number = [access](const ScenarioConfig& config) {
            return static_cast<double>(access(config));
        };
    } else if constexpr (std::is_same_v<T, std::optional<double>>) {
        // "auto" always lies inside the range: check only explicit values.
        field.number = [access](const ScenarioConfig& config) {
            return access(config).value_or(std::numeric_limits<double>::quiet_NaN());
        };
    }
    return field;
}

template <typename T>
Field field(T ScenarioConfig::*member) {
    return makeField<T>([member](auto& config) -> auto& { return config.*member; });
}

template <typename S, typename T>
Field field(S ScenarioConfig::*section, T S::*member) {
    return makeField<T>(
        [ section, member ](auto& config) -> auto& { return (config.*section).*member; });
}

/// The semantic of every scenario option. Boost sees a string option with a default; the
/// extra members bind it to its ScenarioConfig field and range, so that the declarations in
/// buildOptions() are the only list of options: parsing, rendering, range checks and the
/// catalog all walk them. Values stay strings inside Boost so that conversion errors can name
/// the file, the line and the accepted values instead of Boost's generic "invalid argument".
class ScenarioValue final : public po::typed_value<std::string> {
public:
    ScenarioValue(Field field, std::string defaultText, Range range)
        : po::typed_value<std::string>(nullptr),
          m_field(std::move(field)),
          m_defaultText(std::move(defaultText)),
          m_range(range) {
        MOELAB_ASSERT(m_field.number || (!std::isfinite(range.lo) && !std::isfinite(range.hi)),
                      "a range needs a numeric option");
        default_value(m_defaultText, m_defaultText);
    }

    /// Parses `text` into the field; returns the reason if it cannot.
    std::optional<std::string> assign(ScenarioConfig& config, std::string_view text) const {
        return m_field.assign(config, text);
    }
    std::string render(const ScenarioConfig& config) const { return m_field.render(config); }
    bool inRange(const ScenarioConfig& config) const {
        return !m_field.number || m_range.contains(m_field.number(config));
    }
    std::string accepted() const {
        const std::string range = m_range.describe();
        return range.empty() ? m_field.kind : m_field.kind + " " + range;
    }
    const std::string& defaultText() const { return m_defaultText; }

private:
    Field m_field;
    std::string m_defaultText;
    Range m_range;
};

class OptionAdder {
public:
    explicit OptionAdder(po::options_description& options) : m_options(options) {}

    void operator()(const char* name, Field field, const char* defaultText, const char* help) {
        (*this)(name, std::move(field), defaultText, kUnbounded, help);
    }
    void operator()(const char* name, Field field, const char* defaultText, Range range,
                    const char* help) {
        // options_description takes ownership of the semantic.
        m_options.add_options()(name, new ScenarioValue(std::move(field), defaultText, range),
                                help);
    }

private:
    po::options_description& m_options;
};

po::options_description buildOptions() {
    using S = ScenarioConfig;
    po::options_description options("Scenario options");
    OptionAdder add(options);

    // Options without a section come first: in an INI file they must precede every [section].
    add("seed", field(&S::seed), "1",
        "master seed; every random stream (data, initialisation, routing noise) derives from it");

    add("stream.kind", field(&S::stream, &StreamConfig::kind), "clusters",
        "token source: clusters (Gaussian domains, each with a teacher MLP), zipf (Zipf-"
        "distributed token ids), dumped (tokens read from stream.path), text (the words of a "
        "real corpus, stream.path; docs/text-stream.md)");
    add("stream.domains", field(&S::stream, &StreamConfig::domains), "8", atLeast(1),
        "domains K (clusters) or teacher buckets (zipf): the structure experts can specialise on");
    add("stream.zipf", field(&S::stream, &StreamConfig::zipf), "1.0", atLeast(0),
        "Zipf exponent: of domain frequencies for clusters (0 = uniform), of token ids for zipf");
    add("stream.vocab", field(&S::stream, &StreamConfig::vocab), "1000", atLeast(1),
        "vocabulary size V of the zipf stream; for text, the cap on the vocabulary (the V - 1 "
        "most frequent words and <unk>)");
    add("stream.separation", field(&S::stream, &StreamConfig::separation), "4.0", atLeast(0),
        "norm of each cluster centre; larger makes the domains easier to tell apart");
    add("stream.spread", field(&S::stream, &StreamConfig::spread), "1.0", atLeast(0),
        "expected norm of a token's offset from its cluster centre");
    add("stream.drift_at", field(&S::stream, &StreamConfig::driftAt), "",
        "steps where the domain mixture is re-drawn (distribution shift), e.g. 500,1000");
    add("stream.seq_len", field(&S::stream, &StreamConfig::seqLen), "0", atLeast(0),
        "tokens per sequence for sequence-wise losses such as loss.seq_aux (0 = whole batch)");
    add("stream.path", field(&S::stream, &StreamConfig::path), "",
        "HDF5 file of dumped tokens for stream.kind = dumped: /tokens [N, d] float32|float16, "
        "optional /domain [N] (each label gets its own teacher; without it every token uses "
        "teacher 0, one fixed random MLP) and /token_id [N]; see docs/dumped-stream.md. For "
        "stream.kind = text: a text file, or a folder whose files are the domains (empty: "
        "Debian's fortunes, /usr/share/games/fortunes)");
    add("stream.shuffle", field(&S::stream, &StreamConfig::shuffle), "false",
        "dumped stream: read blocks of train.tokens rows in a seeded random order, a new order "
        "each pass over the file (false: file order, wrapping around at the end)");
    add("stream.context", field(&S::stream, &StreamConfig::context), "0", closed(0, 1),
        "text: weight a of the causal context in each hidden state, h = (1 - a) e_t + a c_t "
        "(0 = each token's own embedding only)");
    add("stream.context_window", field(&S::stream, &StreamConfig::contextWindow), "8", atLeast(1),
        "text: previous tokens of the record averaged into the context c_t");
    add("stream.context_decay", field(&S::stream, &StreamConfig::contextDecay), "0.7",
        Range{0, 1, true, false}, "text: weight decay^j of the j-th previous token in the context");

    add("model.width", field(&S::model, &ModelConfig::width), "32", atLeast(1),
        "model width d (token dimension)");
    add("model.experts", field(&S::model, &ModelConfig::experts), "16", atLeast(1),
        "routed experts E");
    add("model.hidden", field(&S::model, &ModelConfig::hidden), "64", atLeast(1),
        "hidden width h of each expert");
    add("model.out", field(&S::model, &ModelConfig::out), "0", atLeast(0),
        "output width d_out (0 = model.width)");
    add("model.expert_kind", field(&S::model, &ModelConfig::expertKind), "ffn",
        "expert network: ffn (two-layer MLP), linear (one matrix), lora (low-rank adapter)");
    add("model.shared_experts", field(&S::model, &ModelConfig::sharedExperts), "0", atLeast(0),
        "always-on shared experts added with weight 1 (DeepSeekMoE)");
    add("model.null_experts", field(&S::model, &ModelConfig::nullExperts), "0", atLeast(0),
        "zero-output experts that let a token skip computation; they count in E for routing");
    add("model.lora_rank", field(&S::model, &ModelConfig::loraRank), "4", atLeast(1),
        "rank r of each expert's adapters on the frozen shared base FFN (expert_kind = lora)");
    add("model.teacher_hidden", field(&S::model, &ModelConfig::teacherHidden), "32", atLeast(1),
        "hidden width of each domain's teacher MLP, which defines the regression target");

    add("router.kind", field(&S::router, &RouterConfig::kind), "token_choice",
        "routing algorithm: token_choice (Switch/GShard/Mixtral top-k), noisy_topk (Shazeer 2017), "
        "expert_choice (Zhou 2022), soft_moe (Puigcerver 2023), autoencoder (Expert Gate), "
        "hash (Hash Layers), random, rre (PanGu-Sigma random routed experts)");
    add("router.k", field(&S::router, &RouterConfig::k), "2", atLeast(1),
        "experts chosen per token, top-k (Switch 1, GShard and Mixtral 2); at most model.experts + model.null_experts; ignored by expert_choice");
    add("router.capacity_factor", field(&S::router, &RouterConfig::capacityFactor), "auto",
        atLeast(0),
        "expert capacity: C = ceil(capacity_factor * k * T / E) for token choice (GShard, "
        "Switch), ceil(capacity_factor * T / E) for expert choice; 0 = dropless; auto = 1 for "
        "token choice, 2 for expert choice (Zhou et al. 2022)");
    add("router.min_capacity", field(&S::router, &RouterConfig::minCapacity), "0", atLeast(0),
        "lower bound on the expert capacity (DeepSpeed min_capacity)");
    add("router.priority", field(&S::router, &RouterConfig::priority), "position",
        "capacity fill order: position (GShard, choice-major), token (DeepSpeed drop_policy "
        "position), score (V-MoE Batch Prioritized Routing)");
    add("router.weight_norm", field(&S::router, &RouterConfig::weightNorm), "auto",
        "combine weights: none (Switch), topk (Mixtral, DeepSeek-V3), kept (DeepSpeed, over the "
        "choices that survive capacity); auto = none for k = 1, topk for k > 1");
    add("router.weight_scale", field(&S::router, &RouterConfig::weightScale), "1.0", above(0),
        "multiplier on the combine weights (DeepSeek-V3 routed_scaling_factor)");
    add("router.scores", field(&S::router, &RouterConfig::scores), "softmax",
        "gate scores: softmax over experts, or sigmoid (DeepSeek-V3)");
    add("router.second_expert", field(&S::router, &RouterConfig::secondExpert), "all",
        "GShard second-expert policy for k = 2: all, or sampling (kept when 2 * w2 > U[0,1))");
    add("router.noise", field(&S::router, &RouterConfig::noise), "none",
        "training noise: none, jitter (Switch input jitter), gaussian (on logits), gumbel "
        "(DeepSpeed RSample)");
    add("router.jitter_eps", field(&S::router, &RouterConfig::jitterEps), "0.01", halfOpen(0, 1),
        "Switch jitter: router input multiplied by U(1 - eps, 1 + eps)");
    add("router.noise_std", field(&S::router, &RouterConfig::noiseStd), "1.0", atLeast(0),
        "sigma of the gaussian logit noise");
    add("router.precision", field(&S::router, &RouterConfig::precision), "fp32",
        "logits and scores rounded to this precision (fp32 = no rounding), for low-precision "
        "router studies");
    add("router.slots", field(&S::router, &RouterConfig::slots), "1", atLeast(1),
        "slots per expert P (Soft MoE)");
    add("router.balance", field(&S::router, &RouterConfig::balance), "none",
        "selection-bias balancing: none, or aux_free (DeepSeek-V3 auxiliary-loss-free)");
    add("router.bias_rate", field(&S::router, &RouterConfig::biasRate), "0.001", atLeast(0),
        "bias update speed gamma of aux_free balancing (DeepSeek-V3)");
    add("router.temperature", field(&S::router, &RouterConfig::temperature), "2.0", above(0),
        "temperature t of the Expert Gate softmax over reconstruction errors");
    add("router.groups", field(&S::router, &RouterConfig::groups), "1", atLeast(1),
        "expert groups for group-limited routing (DeepSeek-V3 n_group; 1 = no limit)");
    add("router.topk_group", field(&S::router, &RouterConfig::topkGroup), "1", atLeast(1),
        "groups eligible per token (DeepSeek-V3 topk_group)");

    add("router.hash", field(&S::router, &RouterConfig::hash), "modulo",
        "hash router: expert = token_id mod E, or a fixed random hash of the id (Roller et al. "
        "2021)");
    add("router.normalize", field(&S::router, &RouterConfig::normalize), "true",
        "soft MoE: l2-normalise token rows and Phi columns before the logits (Puigcerver et al. "
        "2023, appendix)");
    add("router.ae_hidden", field(&S::router, &RouterConfig::aeHidden), "16", atLeast(1),
        "autoencoder gate: hidden width of each expert's autoencoder (Aljundi et al. 2017)");
    add("router.ae_lr", field(&S::router, &RouterConfig::aeLr), "0.01", above(0),
        "autoencoder gate: learning rate of the autoencoders (their own, not train.lr)");
    add("router.ae_activation", field(&S::router, &RouterConfig::aeActivation), "sigmoid",
        "autoencoder gate: hidden activation (sigmoid in the paper)");

    add("loss.aux", field(&S::loss, &LossConfig::aux), "0.01", atLeast(0),
        "Switch load-balancing loss E * sum_i f_i P_i, coefficient (0 = off)");
    add("loss.aux_first_choice", field(&S::loss, &LossConfig::auxFirstChoice), "false",
        "aux loss f_i from first choices only (GShard, DeepSpeed top-2)");
    add("loss.z", field(&S::loss, &LossConfig::z), "0.001", atLeast(0),
        "router z-loss coefficient (ST-MoE)");
    add("loss.importance", field(&S::loss, &LossConfig::importance), "0", atLeast(0),
        "importance loss CV(importance)^2 coefficient (Shazeer 2017; noisy_topk only)");
    add("loss.load", field(&S::loss, &LossConfig::load), "0", atLeast(0),
        "load loss CV(load)^2 coefficient, smooth load estimator (Shazeer 2017; noisy_topk only)");
    add("loss.seq_aux", field(&S::loss, &LossConfig::seqAux), "0", atLeast(0),
        "sequence-wise balance loss alpha (DeepSeek-V3), over stream.seq_len tokens");

    add("loss.objective", field(&S::loss, &LossConfig::objective), "cooperative",
        "task objective: cooperative mean squared error of the mixture, or competitive "
        "-log sum_i g_i exp(-err_i) (Jacobs et al. 1991)");

    add("train.steps", field(&S::train, &TrainConfig::steps), "2000", atLeast(0), "training steps");
    add("train.tokens", field(&S::train, &TrainConfig::tokens), "1024", atLeast(1),
        "tokens T per step: one routing group, over which capacity and balance are computed");
    add("train.lr", field(&S::train, &TrainConfig::lr), "0.001", above(0), "learning rate");
    add("train.optimizer", field(&S::train, &TrainConfig::optimizer), "adam",
        "optimizer for experts and router");
    add("train.beta1", field(&S::train, &TrainConfig::beta1), "0.9", halfOpen(0, 1), "Adam beta1");
    add("train.beta2", field(&S::train, &TrainConfig::beta2), "0.999", halfOpen(0, 1),
        "Adam beta2");
    add("train.adam_eps", field(&S::train, &TrainConfig::adamEps), "1e-8", above(0),
        "Adam epsilon");
    add("train.threads", field(&S::train, &TrainConfig::threads), "0", atLeast(0),
        "worker threads (0 = all cores); results do not depend on it");

    add("trace.every", field(&S::trace, &TraceConfig::every), "1", atLeast(1),
        "record the step metrics every N steps");
    add("trace.snapshot_every", field(&S::trace, &TraceConfig::snapshotEvery), "0", atLeast(0),
        "record per-token snapshots (choices, weights) every N steps; 0 = off (they are large)");
    add("trace.flush_every", field(&S::trace, &TraceConfig::flushEvery), "100", atLeast(1),
        "flush the trace at least every N recorded steps, so a killed run keeps its data");
    add("trace.compression", field(&S::trace, &TraceConfig::compression), "4", closed(0, 9),
        "gzip level of the trace datasets (0 = none, 9 = smallest)");

    add("metrics.probe_every", field(&S::metrics, &MetricsConfig::probeEvery), "0", atLeast(0),
        "every N steps, the task loss on a fixed held-out probe set of each domain (forgetting; "
        "needs stream.kind = clusters); not trained on and drawn from its own random stream, so "
        "it does not change the run; 0 = off");
    add("metrics.probe_tokens", field(&S::metrics, &MetricsConfig::probeTokens), "256",
        closed(1, 65536), "tokens in each domain's probe set");
    return options;
}

const ScenarioValue& scenarioValue(const po::option_description& option) {
    const auto* value = dynamic_cast<const ScenarioValue*>(option.semantic().get());
    MOELAB_ASSERT(value != nullptr, option.long_name() + " is not declared through OptionAdder");
    return *value;
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// Where an explicitly given option came from, for locating issues about it.
struct Origin {
    std::string file;
    int line = 0;
};
using Origins = std::map<std::string, Origin>;

/// A key that is close to `key`: the only option with the same key in another section
/// (`k` under [model] -> router.k), else the only option `key` abbreviates, else the nearest
/// name by edit distance if that is small.
std::optional<std::string> closestOption(std::string_view key) {
    // Longer keys are not typos, and the distance is quadratic in the length.
    constexpr size_t kMaxCompared = 64;
    if (key.size() > kMaxCompared) return std::nullopt;
    const std::string_view leaf = key.substr(key.rfind('.') + 1);
    std::vector<std::string> sameLeaf;
    std::vector<std::string> extensions;
    std::string nearest;
    size_t nearestDistance = std::numeric_limits<size_t>::max();
    for (const auto& option : scenarioOptions().options()) {
        const std::string& name = option->long_name();
        if (splitName(name).second == leaf) sameLeaf.push_back(name);
        if (std::string_view(name).starts_with(key)) extensions.push_back(name);
        const size_t distance = editDistance(key, name);
        if (distance < nearestDistance) {
            nearestDistance = distance;
            nearest = name;
        }
    }
    if (sameLeaf.size() == 1) return sameLeaf.front();
    if (extensions.size() == 1) return extensions.front();
    if (nearestDistance <= std::max<size_t>(2, key.size() / 4)) return nearest;
    return std::nullopt;
}

Issue unknownOption(std::string_view key, std::string file, int line) {
    std::string message = "unknown option";
    if (const auto suggestion = closestOption(key)) {
        message += fmt::format("; did you mean {}?", *suggestion);
    }
    message += " (moelab help options lists them all)";
    return Issue{Issue::Severity::Error, std::move(file), line, printable(key), message};
}

/// The INI text as Boost's config parser will read it, and the line of each `name = value`.
/// Boost reports no line numbers, so this scan follows its rules exactly (a line is blank, a
/// `[section]` header or `name = value`; '#' starts a comment; " \t\r\n" trimmed) and its
/// k-th option line is the line of Boost's k-th parsed option. It also rewrites ';' comments,
/// which Boost does not know, as '#' comments, and reports the lines Boost would stop at (or,
/// for "[]", read past the end of a string), so that Boost only ever sees well-formed text
/// and every syntax error is reported at once.
struct IniScan {
    std::string text;
    std::vector<int> optionLines;
    std::vector<Issue> issues;
};

IniScan scanIni(std::string_view text, const std::string& file) {
    IniScan scan;
    // A UTF-8 byte-order mark, as some editors write, would otherwise join the first key.
    constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
    if (text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
    scan.text.reserve(text.size() + 1);
    int lineNumber = 0;
    while (!text.empty()) {
        const size_t newline = text.find('\n');
        std::string line(text.substr(0, newline));
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        ++lineNumber;

        size_t comment = line.find('#');
        // ';' starts a comment at the start of a line or after a blank, as in Python's
        // configparser, so that a ';' inside a value is left alone.
        for (size_t i = 0; i < line.size() && i < comment; ++i) {
            if (line[i] == ';' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
                line[i] = '#';
                comment = i;
            }
        }
        scan.text += line;
        scan.text += '\n';

        const std::string_view content = trimBlanks(std::string_view(line).substr(0, comment));
        if (content.empty()) continue;
        if (content.front() == '[' && content.back() == ']') {
            if (content.size() == 2) {
                scan.issues.push_back(
                    {Issue::Severity::Error, file, lineNumber, "", "empty section name '[]'"});
            }
            continue;
        }
        if (content.find('=') != std::string_view::npos) {
            scan.optionLines.push_back(lineNumber);
            continue;
        }
        scan.issues.push_back(
            {Issue::Severity::Error, file, lineNumber, "",
             fmt::format("{} is neither 'key = value' nor a [section] header", inQuotes(content))});
    }
    return scan;
}

/// The options set in the INI text, with unknown and repeated keys reported in `issues`.
po::parsed_options parseIni(std::string_view text, const std::string& file,
                            std::vector<Issue>& issues, Origins& origins, EventEntries& events) {
    const po::options_description& options = scenarioOptions();
    po::parsed_options kept(&options);
    IniScan scan = scanIni(text, file);
    if (!scan.issues.empty()) {
        issues.insert(issues.end(), scan.issues.begin(), scan.issues.end());
        return kept;
    }
    std::istringstream in(scan.text);
    // Unknown keys are let through and reported here, so that all of them are reported at once
    // rather than only the first (Boost throws on the first with allow_unregistered = false).
    const po::parsed_options parsed = po::parse_config_file(in, options, true);
    MOELAB_ASSERT(parsed.options.size() == scan.optionLines.size(),
                  "the INI scan disagrees with Boost's config parser");
    for (size_t i = 0; i < parsed.options.size(); ++i) {
        const po::option& option = parsed.options[i];
        const int line = scan.optionLines[i];
        if (const auto event = splitEventOption(option.string_key);
            option.unregistered && event) {
            const auto [entry, inserted] = events[event->first].try_emplace(
                event->second,
                EventEntry{option.value.empty() ? std::string() : option.value.front(), file, line});
            if (!inserted) {
                issues.push_back({Issue::Severity::Error, file, line, option.string_key,
                                  fmt::format("set twice (first on line {}); give each key once",
                                              entry->second.line)});
            }
            continue;
        }
        if (option.unregistered) {
            issues.push_back(unknownOption(option.string_key, file, line));
            continue;
        }
        const auto [first, inserted] = origins.try_emplace(option.string_key, Origin{file, line});
        if (!inserted) {
            issues.push_back({Issue::Severity::Error, file, line, option.string_key,
                              fmt::format("set twice (first on line {}); give each option once",
                                          first->second.line)});
            continue;
        }
        kept.options.push_back(option);
    }
    return kept;
}

/// The options set on the command line. Every accepted spelling ("--router.k=2", "router.k=2",
/// "--router.k" "2") is rewritten to the long form before Boost parses it; unknown keys are
/// reported here with a suggestion. A key given twice takes its last value, so that a script
/// can append settings to a user's arguments.
po::parsed_options parseOverrides(const std::vector<std::string>& tokens,
                                  std::vector<Issue>& issues, Origins& origins,
                                  EventEntries& events) {
    const po::options_description& options = scenarioOptions();
    std::vector<std::string> args;
    // The value of option `name` in `token` ("--name=value"), or else the next token (then
    // consumed, i advances); nothing after reporting a missing value.
    const auto takeValue = [&](size_t& i, const std::string& name, size_t equals,
                               const std::string& token) -> std::optional<std::string> {
        if (equals != std::string::npos) return token.substr(equals + 1);
        if (i + 1 < tokens.size()) return tokens[++i];
        issues.push_back({Issue::Severity::Error, kCommandLine, 0, name,
                          fmt::format("missing value; write --{}=VALUE", name)});
        return std::nullopt;
    };
    for (size_t i = 0; i < tokens.size(); ++i) {
        const std::string& token = tokens[i];
        const size_t start = std::min(token.find_first_not_of('-'), token.size());
        const size_t equals = token.find('=', start);
        const std::string name = token.substr(start, equals - start);
        if (name.empty()) {
            issues.push_back({Issue::Severity::Error, kCommandLine, 0, "",
                              fmt::format("{} does not name an option; write --section.key=value",
                                          inQuotes(token))});
            continue;
        }
        // --event.NAME.key=value sets (or replaces) a key of an event section.
        if (const auto event = splitEventOption(name)) {
            const auto value = takeValue(i, name, equals, token);
            if (value) events[event->first][event->second] = EventEntry{*value, kCommandLine, 0};
            continue;
        }
        if (options.find_nothrow(name, false) == nullptr) {
            issues.push_back(unknownOption(name, kCommandLine, 0));
            if (equals == std::string::npos) ++i;  // skip its value
            continue;
        }
        const auto taken = takeValue(i, name, equals, token);
        if (!taken) continue;
        std::string value = *taken;
        // Boost rejects "--name=" (empty adjacent value) but takes an empty next token.
        if (value.empty()) {
            args.push_back("--" + name);
            args.emplace_back();
        } else {
            args.push_back("--" + name + "=" + value);
        }
    }

    // Long options only, and no guessing: "--router.ca" must not silently mean
    // router.capacity_factor.
    namespace style = po::command_line_style;
    const po::parsed_options parsed =
        po::command_line_parser(args)
            .options(options)
            .style(style::allow_long | style::long_allow_adjacent | style::long_allow_next)
            .run();
    po::parsed_options kept(&options);
    std::map<std::string, size_t> index;
    for (const po::option& option : parsed.options) {
        origins[option.string_key] = Origin{kCommandLine, 0};
        const auto [position, inserted] = index.try_emplace(option.string_key, kept.options.size());
        if (inserted) {
            kept.options.push_back(option);
        } else {
            kept.options[position->second] = option;
        }
    }
    return kept;
}

tl::expected<ScenarioConfig, std::vector<Issue>> parseScenario(
    std::string_view iniText, const std::string& file, const std::vector<std::string>& overrides) {
    std::vector<Issue> issues;
    Origins origins;
    EventEntries eventEntries;
    const po::parsed_options ini = parseIni(iniText, file, issues, origins, eventEntries);
    const po::parsed_options commandLine =
        parseOverrides(overrides, issues, origins, eventEntries);

    // Unknown and repeated keys are already left out, so the values that were understood can
    // still be checked: one pass reports bad keys and bad values together.
    // Boost keeps the first value stored for an option, so the command line goes first to win
    // over the file; store() then fills every option left unset with its default.
    po::variables_map values;
    po::store(commandLine, values);
    po::store(ini, values);

    // Issues about a key point at where it was set; a default is blamed on the file as a whole.
    const auto locate = [&](std::string key, std::string message) {
        Issue issue{Issue::Severity::Error, file, 0, std::move(key), std::move(message)};
        if (const auto it = origins.find(issue.key); it != origins.end()) {
            issue.file = it->second.file;
            issue.line = it->second.line;
        }
        return issue;
    };

    ScenarioConfig config{};
    for (const auto& option : scenarioOptions().options()) {
        const std::string& name = option->long_name();
        if (auto error = scenarioValue(*option).assign(config, values[name].as<std::string>())) {
            issues.push_back(locate(name, std::move(*error)));
        }
    }
    config.events = parseEvents(eventEntries, issues);
    for (const auto& [name, keys] : eventEntries)
        for (const auto& [key, entry] : keys)
            origins["event." + name + "." + key] = Origin{entry.file, entry.line};
    // Combination rules on a partly parsed scenario would report noise.
    if (!issues.empty()) return tl::make_unexpected(std::move(issues));

    config.sourceName = file;
    for (Issue& issue : validateScenario(config)) {
        issues.push_back(locate(std::move(issue.key), std::move(issue.message)));
    }
    if (!issues.empty()) return tl::make_unexpected(std::move(issues));
    config.scenarioText = renderScenarioIni(config);
    return config;
}

// ---------------------------------------------------------------------------------------------
// Validation

/// Collects issues about one config, blamed on its source file.
class Problems {
public:
    explicit Problems(std::string file) : m_file(std::move(file)) {}

    void add(std::string key, std::string message) {
        m_issues.push_back({Issue::Severity::Error, m_file, 0, std::move(key), std::move(message)});
    }
    std::vector<Issue> take() { return std::move(m_issues); }

private:
    std::string m_file;
    std::vector<Issue> m_issues;
};

/// Rules that involve more than one option. Each rule runs only when the options it reads are
/// individually in range, so one mistake is reported once.
void checkCombinations(const ScenarioConfig& c, Problems& problems) {
    const RouterConfig& r = c.router;
    // Null experts are routed like the others (ROUTING.md §7): they count in E for routing.
    // In 64 bits: both counts may be near INT_MAX in a scenario that checkMemory refuses.
    const int64_t experts = int64_t{c.model.experts} + std::max(0, c.model.nullExperts);
    if (experts >= 1 && r.k > experts) {
        problems.add("router.k",
                     fmt::format("{} exceeds the experts a token can choose ({}); accepted: integer "
                                 "1..model.experts + model.null_experts",
                                 r.k, experts));
    }
    const bool groupsDivide = experts >= 1 && r.groups >= 1 && experts % r.groups == 0;
    if (experts >= 1 && r.groups >= 1 && !groupsDivide) {
        problems.add("router.groups",
                     fmt::format("model.experts ({}) is not a multiple of {}; DeepSeek-V3 "
                                 "group-limited routing splits the experts into equal groups",
                                 experts, r.groups));
    }
    if (r.groups >= 1 && r.topkGroup > r.groups) {
        problems.add("router.topk_group",
                     fmt::format("{} exceeds router.groups ({}); accepted: integer "
                                 "1..router.groups",
                                 r.topkGroup, r.groups));
    } else if (r.groups > 1 && groupsDivide && r.topkGroup >= 1 && r.k >= 1 && r.k <= experts &&
               r.kind != RouterKind::Rre) {
        const int64_t eligible = r.topkGroup * (experts / r.groups);
        if (r.k > eligible) {
            problems.add("router.k",
                         fmt::format("{} exceeds the {} experts eligible in router.topk_group = "
                                     "{} groups of {}; accepted: integer 1..{}",
                                     r.k, eligible, r.topkGroup, experts / r.groups, eligible));
        }
    }
    if (r.secondExpert == SecondExpert::Sampling && r.k != 2) {
        problems.add("router.second_expert",
                     fmt::format("sampling is GShard's policy for the second of two experts and "
                                 "needs router.k = 2 (router.k is {})",
                                 r.k));
    }
    // Random Routed Experts draw all k experts inside the token's group (PanGu-Sigma).
    if (r.kind == RouterKind::Rre && groupsDivide && r.k >= 1 && r.k <= experts &&
        r.k > experts / r.groups) {
        problems.add("router.k",
                     fmt::format("{} exceeds the {} experts of one of router.groups = {} groups; "
                                 "router.kind = rre picks all k inside the token's group "
                                 "(accepted: integer 1..{})",
                                 r.k, experts / r.groups, r.groups, experts / r.groups));
    }
    // Hash routing reads token ids and RRE domain labels: the clusters stream has no ids, a
    // dumped file has each only if it stores /token_id or /domain (an unreadable file is
    // reported by checkDumpedFile).
    const bool needsLabels = r.kind == RouterKind::Hash || r.kind == RouterKind::Rre;
    tl::expected<DumpedTokensInfo, std::string> dumped = tl::make_unexpected(std::string());
    if (needsLabels && c.stream.kind == StreamKind::Dumped && !c.stream.path.empty())
        dumped = DumpedStream::inspect(c.stream.path);
    if (r.kind == RouterKind::Hash && c.stream.kind == StreamKind::Clusters) {
        problems.add("router.kind",
                     fmt::format("hash routes by token id, which stream.kind = {} does not "
                                 "provide; accepted stream.kind: zipf | text | dumped (with /token_id)",
                                 enumName(c.stream.kind)));
    }
    if (needsLabels && dumped) {
        const bool hash = r.kind == RouterKind::Hash;
        if (hash ? !dumped->hasTokenId : !dumped->hasDomain) {
            problems.add("router.kind",
                         fmt::format("{} needs {} per token, but {} has no {} dataset; accepted "
                                     "stream.kind: {}",
                                     enumName(r.kind), hash ? "token ids" : "domain labels",
                                     c.stream.path, hash ? "/token_id" : "/domain",
                                     hash ? "zipf" : "clusters | zipf"));
        }
    }
    // The Expert Gate and the baselines have no logits to perturb and no second-expert draw.
    const bool fixedGate = r.kind == RouterKind::Autoencoder || r.kind == RouterKind::Hash ||
                           r.kind == RouterKind::Random || r.kind == RouterKind::Rre;
    if (fixedGate && r.noise != NoiseKind::None) {
        problems.add("router.noise", fmt::format("'{}' must be none with router.kind = {}, which "
                                                 "has no logits to perturb",
                                                 enumName(r.noise), enumName(r.kind)));
    }
    if (fixedGate && r.secondExpert == SecondExpert::Sampling) {
        problems.add("router.second_expert",
                     fmt::format("'sampling' must be all with router.kind = {}, which keeps "
                                 "every choice",
                                 enumName(r.kind)));
    }
    if (fixedGate && r.balance == Balance::AuxFree) {
        problems.add("router.balance",
                     fmt::format("'aux_free' must be none with router.kind = {}, which has "
                                 "no selection bias",
                                 enumName(r.kind)));
    }
    // Soft MoE (ROUTING.md §4) mixes every token into every slot: a token has no expert choices
    // to score on their own, bias or sample, and the router has no input jitter (vmoe offers
    // Gaussian noise on the logits only).
    if (r.kind == RouterKind::SoftMoe) {
        if (c.loss.objective == Objective::Competitive) {
            problems.add("loss.objective",
                         "'competitive' needs each expert's own prediction for a token, which "
                         "router.kind = soft_moe does not have (every slot mixes all tokens); "
                         "accepted: cooperative");
        }
        if (r.noise == NoiseKind::Jitter || r.noise == NoiseKind::Gumbel) {
            problems.add("router.noise", fmt::format("'{}' is not available with router.kind = "
                                                     "soft_moe; accepted: none | gaussian",
                                                     enumName(r.noise)));
        }
        if (r.balance == Balance::AuxFree) {
            problems.add("router.balance", "'aux_free' must be none with router.kind = soft_moe, "
                                           "which has no selection to bias");
        }
    }
    const bool noisyTopK = r.kind == RouterKind::NoisyTopK;
    if (c.loss.importance > 0 && !noisyTopK) {
        problems.add("loss.importance",
                     fmt::format("the importance loss needs router.kind = noisy_topk "
                                 "(router.kind is {})",
                                 enumName(r.kind)));
    }
    if (c.loss.load > 0 && !noisyTopK) {
        problems.add("loss.load", fmt::format("the load loss needs the noise of router.kind = "
                                              "noisy_topk (router.kind is {})",
                                              enumName(r.kind)));
    }
    if (noisyTopK && r.noise != NoiseKind::None) {
        problems.add("router.noise",
                     fmt::format("'{}' must be none with router.kind = noisy_topk, which adds its "
                                 "own learned noise",
                                 enumName(r.noise)));
    }
    const int seqLen = c.stream.seqLen;
    if (seqLen > 0 && c.train.tokens >= 1 && c.train.tokens % seqLen != 0) {
        problems.add("stream.seq_len",
                     fmt::format("train.tokens ({}) is not a multiple of {}; sequences must tile "
                                 "the batch (accepted: 0 or a divisor of train.tokens)",
                                 c.train.tokens, seqLen));
    }
    for (const int64_t step : c.stream.driftAt) {
        if (step < 0) {
            problems.add(
                "stream.drift_at",
                fmt::format("step {} is negative; accepted: comma-separated steps >= 0", step));
        }
    }
}

/// The probe sets draw tokens of a given domain, which only the clusters stream can do.
void checkMetrics(const ScenarioConfig& c, Problems& problems) {
    if (c.metrics.probeEvery > 0 && c.stream.kind != StreamKind::Clusters) {
        problems.add("metrics.probe_every",
                     fmt::format("probes need tokens of a chosen domain, which stream.kind = {} "
                                 "cannot draw; accepted: 0, or stream.kind = clusters",
                                 enumName(c.stream.kind)));
    }
}

/// Variants the table already names but this version cannot run yet. Refusing them here, rather
/// than leaving them out of the table, keeps one vocabulary for scenario files and traces; each
/// rule goes away when its variant lands.
void checkAvailable(const ScenarioConfig& /*c*/, Problems& /*problems*/) {
    // Nothing to refuse: every variant the table names runs in this version (expert_choice, the
    // last one, landed with core/routing/expert_choice_router.h).
}

/// A dumped stream's file is checked here from its header (shapes and dtypes, no values), so a
/// wrong file stops `moelab run` before any set-up, with the other scenario issues.
void checkDumpedFile(const ScenarioConfig& c, Problems& problems) {
    if (c.stream.kind != StreamKind::Dumped) return;
    if (c.stream.path.empty()) {
        problems.add("stream.path", "is empty; stream.kind = dumped reads its tokens from this "
                                    "HDF5 file (/tokens [N, d], see docs/dumped-stream.md)");
        return;
    }
    const auto info = DumpedStream::inspect(c.stream.path);
    if (!info) {
        problems.add("stream.path", info.error());
    } else if (c.model.width >= 1 && info->width != c.model.width) {
        problems.add("stream.path",
                     fmt::format("{}: dataset /tokens has width d = {} (shape [{}, {}]) but "
                                 "model.width = {}; set model.width = {} or dump tokens of width {}",
                                 c.stream.path, info->width, info->rows, info->width,
                                 c.model.width, info->width, c.model.width));
    }
}

/// A text corpus is read once here (no tokenizing), so a missing folder, an unreadable or empty
/// file stops `moelab run` before any set-up.
void checkTextCorpusPath(const ScenarioConfig& c, Problems& problems) {
    if (c.stream.kind != StreamKind::Text) return;
    if (c.stream.vocab < 2)
        problems.add("stream.vocab", "must be >= 2 for stream.kind = text (one word and <unk>)");
    if (auto error = checkTextCorpus(textCorpusPath(c.stream)))
        problems.add("stream.path", *error + (c.stream.path.empty()
                                                   ? " (the default corpus: install Debian's "
                                                     "fortunes package, or set stream.path)"
                                                   : ""));
}

/// Refuses sizes that cannot run before anything is allocated, instead of failing deep inside
/// Eigen after minutes of set-up. The estimate counts the largest per-step matrices and the
/// parameters in fp32; it is a guard against typos (an extra zero), not an exact budget.
void checkMemory(const ScenarioConfig& c, Problems& problems) {
    const ModelConfig& m = c.model;
    if (c.train.tokens < 1 || m.experts < 1 || m.width < 1 || m.hidden < 1 || m.out < 0 ||
        m.teacherHidden < 1 || c.stream.domains < 1 || c.router.k < 1 || c.stream.vocab < 1) {
        return;  // already reported as out of range
    }
    // Every size is an int below 2^31 and the estimate is computed in double: the largest
    // product (about 2^96) is far inside double's range, so no size can overflow it.
    constexpr double kLimitBytes = 16.0 * 1024 * 1024 * 1024;
    const double tokens = c.train.tokens;
    const double experts = maxExperts(c.events, m.experts);
    const double columns = experts + std::max(0, m.nullExperts);      // router outputs
    const double allExperts = experts + std::max(0, m.sharedExperts);  // expert parameters
    const double width = m.width;
    const double hidden = m.hidden;
    const double out = m.out == 0 ? width : m.out;
    const double teacherHidden = m.teacherHidden;
    // Expert buffers hold every kept assignment, T * k slots padded by the capacity factor, but
    // never more than every token in every expert.
    const double slots =
        std::min(tokens * c.router.k * std::max(1.0, c.router.effectiveCapacityFactor()), tokens * columns);
    // Input [T, d], output and target [T, d_out], logits, scores and their gradients [T, E],
    // expert input, hidden and output per slot.
    const double activations =
        tokens * (width + 2 * out + 4 * columns) + slots * (width + hidden + out);
    // Experts [E, d, h] + [E, h, d_out], router [d, E], one teacher MLP per domain.
    const double parameters = allExperts * (width * hidden + hidden * out) + width * columns +
                              c.stream.domains * (width * teacherHidden + teacherHidden * out);
    // The zipf stream's embedding table [V, d] and its rank tables.
    const double vocabulary =
        c.stream.kind == StreamKind::Zipf ? c.stream.vocab * (width + 3.0) : 0.0;
    // 4 bytes each; activations twice (values, gradients), parameters four times (values,
    // gradients, Adam m and v).
    const double activationBytes = 4.0 * 2.0 * activations;
    const double parameterBytes = 4.0 * 4.0 * parameters;
    const double vocabularyBytes = 4.0 * vocabulary;
    const double bytes = activationBytes + parameterBytes + vocabularyBytes;
    if (bytes <= kLimitBytes) return;
    const char* key = vocabularyBytes > std::max(activationBytes, parameterBytes) ? "stream.vocab"
                      : activationBytes > parameterBytes                         ? "train.tokens"
                                                                                 : "model.experts";
    problems.add(key, fmt::format("this scenario needs about {:.1f} GiB for its per-step matrices, "
                                  "parameters and tables (T = {}, E = {}, d = {}, h = {}{}), above "
                                  "the 16 GiB limit; reduce train.tokens, model.experts, "
                                  "model.width or model.hidden{}",
                                  bytes / (1024.0 * 1024.0 * 1024.0), c.train.tokens, m.experts,
                                  m.width, m.hidden,
                                  vocabulary > 0 ? fmt::format(", V = {}", c.stream.vocab) : "",
                                  vocabulary > 0 ? " or stream.vocab" : ""));
}

/// Word-wraps `text` to `width` columns, each line starting with `indent`.
std::string wrap(std::string_view text, std::string_view indent, size_t width) {
    std::string out;
    size_t column = 0;
    while (!text.empty()) {
        const size_t space = text.find(' ');
        const std::string_view word = text.substr(0, space);
        text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
        if (word.empty()) continue;
        if (column > 0 && column + 1 + word.size() > width) {
            out += '\n';
            column = 0;
        }
        if (column == 0) {
            out += indent;
            column = indent.size();
        } else {
            out += ' ';
            ++column;
        }
        out += word;
        column += word.size();
    }
    return out + '\n';
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public API

const po::options_description& scenarioOptions() {
    static const po::options_description options = buildOptions();
    return options;
}

std::vector<OptionInfo> optionCatalog() {
    std::vector<OptionInfo> catalog;
    for (const auto& option : scenarioOptions().options()) {
        const ScenarioValue& value = scenarioValue(*option);
        const std::string& name = option->long_name();
        catalog.push_back({name, std::string(splitName(name).first), value.defaultText(),
                           option->description(), value.accepted()});
    }
    return catalog;
}

std::string formatOptionsHelp() {
    std::string out =
        "Scenario options. In a scenario file write `key = value` under its [section];\n"
        "on the command line write --section.key=value, which overrides the file.\n";
    std::optional<std::string> section;
    for (const OptionInfo& info : optionCatalog()) {
        if (info.section != section) {
            section = info.section;
            out += info.section.empty() ? "\nTop level (before any [section])\n"
                                        : fmt::format("\n[{}]\n", info.section);
        }
        out += fmt::format("  {} = {}    ({})\n", info.name,
                           info.defaultText.empty() ? "(empty)" : info.defaultText, info.accepted);
        out += wrap(info.help, "      ", 100);
    }
    out += "\n[event.NAME]  lifelong-learning events: any NAME of letters, digits, '_' and '-'; "
           "several\nsections allowed; actions apply before step `at`, in the order listed "
           "(docs/lifelong.md).\nOn the command line: --event.NAME.key=value.\n";
    for (const OptionInfo& info : eventKeyCatalog()) {
        out += fmt::format("  {}    ({})\n", info.name, info.accepted);
        out += wrap(info.help, "      ", 100);
    }
    return out;
}

tl::expected<ScenarioConfig, std::vector<Issue>> parseScenarioText(
    std::string_view iniText, std::string_view sourceName,
    const std::vector<std::string>& overrides) {
    const std::string file(sourceName);
    // Boost reports problems by throwing; parseScenario turns the expected ones into issues
    // first, and anything else still becomes an issue instead of escaping to the caller.
    try {
        return parseScenario(iniText, file, overrides);
    } catch (const std::exception& e) {
        return tl::make_unexpected(std::vector<Issue>{
            {Issue::Severity::Error, file, 0, "", fmt::format("cannot parse: {}", e.what())}});
    }
}

tl::expected<ScenarioConfig, std::vector<Issue>> loadScenario(
    const std::string& iniPath, const std::vector<std::string>& overrides) {
    if (iniPath.empty()) return parseScenarioText({}, {}, overrides);

    // A scenario is a short text file; anything far bigger is a wrong path, not a scenario.
    constexpr std::uintmax_t kMaxBytes = 16 * 1024 * 1024;
    const auto fail = [&](std::string message) {
        return tl::make_unexpected(
            std::vector<Issue>{{Issue::Severity::Error, iniPath, 0, "", std::move(message)}});
    };
    std::error_code error;
    const std::filesystem::file_status status = std::filesystem::status(iniPath, error);
    if (!std::filesystem::exists(status)) return fail("scenario file not found");
    if (std::filesystem::is_directory(status)) return fail("is a directory, not a scenario file");
    const std::uintmax_t size = std::filesystem::file_size(iniPath, error);
    if (!error && size > kMaxBytes) {
        return fail(fmt::format("is {} bytes; a scenario file is a short text file (at most {})",
                                size, kMaxBytes));
    }
    std::ifstream in(iniPath, std::ios::binary);
    if (!in) return fail("cannot be opened for reading");
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) return fail("cannot be read");
    return parseScenarioText(text, iniPath, overrides);
}

std::vector<Issue> validateScenario(const ScenarioConfig& config) {
    Problems problems(config.sourceName);
    for (const auto& option : scenarioOptions().options()) {
        const ScenarioValue& value = scenarioValue(*option);
        if (!value.inRange(config)) {
            problems.add(option->long_name(), fmt::format("{} is out of range; accepted: {}",
                                                          value.render(config), value.accepted()));
        }
    }
    checkCombinations(config, problems);
    checkMetrics(config, problems);
    for (auto& [key, message] : checkEvents(config)) problems.add(std::move(key), std::move(message));
    checkAvailable(config, problems);
    checkDumpedFile(config, problems);
    checkTextCorpusPath(config, problems);
    checkMemory(config, problems);
    return problems.take();
}

std::string renderScenarioIni(const ScenarioConfig& config) {
    std::string out;
    std::string_view section;
    for (const auto& option : scenarioOptions().options()) {
        const auto [optionSection, key] = splitName(option->long_name());
        if (optionSection != section) {
            MOELAB_ASSERT(!optionSection.empty(), "options without a section must come first");
            out += fmt::format("{}[{}]\n", out.empty() ? "" : "\n", optionSection);
            section = optionSection;
        }
        const std::string value = scenarioValue(*option).render(config);
        out += value.empty() ? fmt::format("{} =\n", key) : fmt::format("{} = {}\n", key, value);
    }
    return out + renderEvents(config.events);
}

}  // namespace moe
