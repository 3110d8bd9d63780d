// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace moe {

/// Each option enum has a name table: the spelling used in scenario files, on the command line
/// and in traces. parseEnum/enumName convert; acceptedNames lists the spellings for errors.
template <typename E>
struct EnumNames;  // specialised below: static constexpr std::array<std::pair<E, std::string_view>, N> table

template <typename E>
std::optional<E> parseEnum(std::string_view text) {
    for (const auto& [value, name] : EnumNames<E>::table)
        if (name == text) return value;
    return std::nullopt;
}

template <typename E>
std::string_view enumName(E value) {
    for (const auto& [v, name] : EnumNames<E>::table)
        if (v == value) return name;
    return "?";
}

/// "a | b | c", for error messages and help texts.
template <typename E>
std::string acceptedNames() {
    std::string out;
    for (const auto& [v, name] : EnumNames<E>::table) {
        if (!out.empty()) out += " | ";
        out += name;
    }
    return out;
}

#define MOELAB_ENUM_NAMES(Type, ...)                                                  \
    template <>                                                                       \
    struct EnumNames<Type> {                                                          \
        static constexpr std::pair<Type, std::string_view> entries[] = {__VA_ARGS__}; \
        static constexpr auto table = std::to_array(entries);                         \
    }

enum class StreamKind { Clusters, Zipf, Dumped, Text };
MOELAB_ENUM_NAMES(StreamKind, {StreamKind::Clusters, "clusters"}, {StreamKind::Zipf, "zipf"},
                  {StreamKind::Dumped, "dumped"}, {StreamKind::Text, "text"});

enum class ExpertKind { Ffn, Linear, Lora };
MOELAB_ENUM_NAMES(ExpertKind, {ExpertKind::Ffn, "ffn"}, {ExpertKind::Linear, "linear"},
                  {ExpertKind::Lora, "lora"});

enum class RouterKind { TokenChoice, NoisyTopK, ExpertChoice, SoftMoe, Autoencoder, Hash, Random, Rre };
MOELAB_ENUM_NAMES(RouterKind, {RouterKind::TokenChoice, "token_choice"},
                  {RouterKind::NoisyTopK, "noisy_topk"}, {RouterKind::ExpertChoice, "expert_choice"},
                  {RouterKind::SoftMoe, "soft_moe"}, {RouterKind::Autoencoder, "autoencoder"},
                  {RouterKind::Hash, "hash"}, {RouterKind::Random, "random"}, {RouterKind::Rre, "rre"});

enum class Priority { Position, Token, Score };
MOELAB_ENUM_NAMES(Priority, {Priority::Position, "position"}, {Priority::Token, "token"},
                  {Priority::Score, "score"});

enum class WeightNorm { Auto, None, TopK, Kept };
MOELAB_ENUM_NAMES(WeightNorm, {WeightNorm::Auto, "auto"}, {WeightNorm::None, "none"},
                  {WeightNorm::TopK, "topk"}, {WeightNorm::Kept, "kept"});

enum class ScoreFunc { Softmax, Sigmoid };
MOELAB_ENUM_NAMES(ScoreFunc, {ScoreFunc::Softmax, "softmax"}, {ScoreFunc::Sigmoid, "sigmoid"});

enum class SecondExpert { All, Sampling };
MOELAB_ENUM_NAMES(SecondExpert, {SecondExpert::All, "all"}, {SecondExpert::Sampling, "sampling"});

enum class NoiseKind { None, Jitter, Gaussian, Gumbel };
MOELAB_ENUM_NAMES(NoiseKind, {NoiseKind::None, "none"}, {NoiseKind::Jitter, "jitter"},
                  {NoiseKind::Gaussian, "gaussian"}, {NoiseKind::Gumbel, "gumbel"});

enum class Precision { Fp32, Bf16, Fp16 };
MOELAB_ENUM_NAMES(Precision, {Precision::Fp32, "fp32"}, {Precision::Bf16, "bf16"},
                  {Precision::Fp16, "fp16"});

enum class Balance { None, AuxFree };
MOELAB_ENUM_NAMES(Balance, {Balance::None, "none"}, {Balance::AuxFree, "aux_free"});

enum class Optimizer { Adam, Sgd };
MOELAB_ENUM_NAMES(Optimizer, {Optimizer::Adam, "adam"}, {Optimizer::Sgd, "sgd"});

enum class Objective { Cooperative, Competitive };
MOELAB_ENUM_NAMES(Objective, {Objective::Cooperative, "cooperative"},
                  {Objective::Competitive, "competitive"});

enum class HashKind { Modulo, Random };
MOELAB_ENUM_NAMES(HashKind, {HashKind::Modulo, "modulo"}, {HashKind::Random, "random"});

enum class Activation { Sigmoid, Relu };
MOELAB_ENUM_NAMES(Activation, {Activation::Sigmoid, "sigmoid"}, {Activation::Relu, "relu"});

/// How an add_experts event initialises the new router columns (core/sim/lifelong_events.h).
enum class ColumnInit { Default, Zero, CopyMean };
MOELAB_ENUM_NAMES(ColumnInit, {ColumnInit::Default, "default"}, {ColumnInit::Zero, "zero"},
                  {ColumnInit::CopyMean, "copy_mean"});

#undef MOELAB_ENUM_NAMES

}  // namespace moe
