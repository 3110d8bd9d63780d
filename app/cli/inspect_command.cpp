// SPDX-License-Identifier: MIT
#include <fmt/format.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "app/cli/command_arguments.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/inspect_text.h"
#include "app/cli/run_summary.h"
#include "core/io/trace_reader.h"

#include <unistd.h>

namespace moe::app {
namespace {

struct InspectArguments {
    std::string trace;
    std::optional<int64_t> step;
    std::string metric;
    int layer = 0;
    bool csv = false;
    bool scenario = false;
    bool experts = false;
    std::optional<int64_t> textStep;
    int tokens = 120;
};

/// Parses the command line; returns false after printing an error.
bool parseArguments(const std::vector<std::string>& args, InspectArguments& a) {
    namespace po = boost::program_options;
    int64_t step = 0;
    po::options_description desc("inspect options");
    desc.add_options()("trace", po::value(&a.trace), "trace file")(
        "step", po::value(&step), "every metric at this step")(
        "metric", po::value(&a.metric), "one metric, per step")(
        "layer", po::value(&a.layer), "MoE layer (group layer_<l>)")(
        "csv", po::bool_switch(&a.csv), "CSV on stdout")(
        "scenario", po::bool_switch(&a.scenario), "print the scenario text that ran")(
        "experts", po::bool_switch(&a.experts), "per expert: top words and domains (snapshots)")(
        "text", po::value<int64_t>(), "the passage of the snapshot nearest to this step")(
        "tokens", po::value(&a.tokens), "tokens of the passage shown by --text");
    po::positional_options_description positional;
    positional.add("trace", 1);
    po::variables_map vm;
    if (!parseCommandArguments("inspect", args, desc, positional, vm)) return false;
    if (vm.count("step") != 0) a.step = step;
    if (vm.count("text") != 0) a.textStep = vm["text"].as<int64_t>();
    if (a.trace.empty()) {
        fmt::print(stderr, "moelab inspect: no trace given (moelab inspect TRACE.h5)\n");
        return false;
    }
    return true;
}

/// Which value of a metric is the worst one: the largest for drops, imbalance, collapse, dead
/// experts and losses; the smallest for entropies and specialization. Metrics that have no
/// better direction (capacity, picked-once/many and null fractions) have none.
enum class Worst { Max, Min, None };

Worst worstOf(const std::string& metric) {
    static const std::set<std::string> smallest = {"load_entropy", "router_entropy",
                                                   "specialization", "vocab_specialization"};
    static const std::set<std::string> largest = {
        "drop_fraction", "token_drop_fraction", "load_cv", "max_over_mean", "dead_experts",
        "collapse"};
    if (smallest.count(metric) != 0) return Worst::Min;
    if (largest.count(metric) != 0 || metric.find("loss") != std::string::npos) return Worst::Max;
    return Worst::None;
}

/// Shortest text that reads back to the same double: CSV stays exact.
std::string exact(double value) { return fmt::format("{}", value); }

/// For people: six significant digits.
std::string brief(double value) { return fmt::format("{:.6g}", value); }

/// The value of `key` in `[section]` of the stored scenario text, or "?" (a key a future
/// version dropped). The stored text is the INI that moelab itself rendered, one key per line.
std::string iniValue(const std::string& text, const std::string& section, const std::string& key) {
    std::istringstream lines(text);
    std::string line;
    std::string current;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.front() == '[') {
            current = line.substr(1, line.find(']') - 1);
            continue;
        }
        const size_t equals = line.find('=');
        if (current != section || equals == std::string::npos) continue;
        const auto trim = [](std::string s) {
            s.erase(0, s.find_first_not_of(" \t"));
            s.erase(s.find_last_not_of(" \t\r") + 1);
            return s;
        };
        if (trim(line.substr(0, equals)) == key) return trim(line.substr(equals + 1));
    }
    return "?";
}

std::vector<std::string> metricNames(const io::TraceData& data) {
    std::vector<std::string> names;
    for (const auto& [name, values] : data.scalars) names.push_back(name);
    for (const auto& [name, values] : data.perExpert) names.push_back(name);
    return names;
}

std::string joined(const std::vector<std::string>& items, const char* separator) {
    std::string text;
    for (const std::string& item : items) text += (text.empty() ? "" : separator) + item;
    return text;
}

std::string stepRange(const io::TraceData& data) {
    if (data.rows == 0) return "no steps recorded yet";
    return fmt::format("{} rows, steps {}-{}", data.rows, data.step.front(), data.step.back());
}

void printSummary(const std::string& path, const io::TraceData& data, int layer) {
    const std::string& ini = data.scenario;
    fmt::print("trace {}\n", path);
    fmt::print("  router {}, k={}, E={}, stream {}, seed {}\n", data.routerKind,
               iniValue(ini, "router", "k"), data.nExperts, iniValue(ini, "stream", "kind"),
               data.seed);
    fmt::print("  schema {}, written by moelab {}, created {}\n", data.schemaVersion,
               data.moelabVersion, data.created);
    fmt::print("  layer {} of {}: {}", layer, data.nLayers, stepRange(data));
    if (data.snapshots > 0) fmt::print(", {} per-token snapshots", data.snapshots);
    fmt::print("\n\n{:<22} {:>12} {:>12} {:>12}  {}\n", "metric", "first", "final", "worst",
               "(worst = max or min, at step)");
    for (const auto& [name, values] : data.scalars) {
        if (data.rows == 0) break;
        std::string worstText = "-";
        std::string where;
        const Worst worst = worstOf(name);
        std::optional<size_t> at;
        for (size_t i = 0; i < values.size() && worst != Worst::None; ++i) {
            if (std::isnan(values[i])) continue;
            if (!at || (worst == Worst::Max ? values[i] > values[*at] : values[i] < values[*at]))
                at = i;
        }
        if (at) {
            worstText = brief(values[*at]);
            where = fmt::format("({} at step {})", worst == Worst::Max ? "max" : "min",
                                data.step[*at]);
        }
        fmt::print("{:<22} {:>12} {:>12} {:>12}  {}\n", name, brief(values.front()),
                   brief(values.back()), worstText, where);
    }
    std::vector<std::string> perExpert;
    for (const auto& [name, matrix] : data.perExpert) perExpert.push_back(name);
    fmt::print("\nper expert [steps, {}]: {} (see --metric NAME)\n", data.nExperts,
               joined(perExpert, ", "));
    if (!data.events.empty()) {
        fmt::print("\nevents (step, name, actions):\n");
        std::string_view lines = data.events;
        while (!lines.empty()) {
            const size_t end = std::min(lines.find('\n'), lines.size());
            std::string line(lines.substr(0, end));
            std::replace(line.begin(), line.end(), '\t', ' ');
            fmt::print("  {}\n", line);
            lines.remove_prefix(std::min(end + 1, lines.size()));
        }
    }
    if (const auto probe = data.perDomain.find("probe_loss"); probe != data.perDomain.end()) {
        ProbeTracker probes;
        for (Eigen::Index row = 0; row < probe->second.rows(); ++row) {
            const Eigen::VectorXd values = probe->second.row(row).transpose();
            probes.add(data.step[static_cast<size_t>(row)],
                       std::vector<double>(values.data(), values.data() + values.size()));
        }
        const std::string table = formatProbes(probes);
        if (!table.empty()) fmt::print("\n{}", table);
    }
}

}  // namespace

int inspectCommand(const std::vector<std::string>& args) {
    InspectArguments a;
    if (!parseArguments(args, a)) return kExitBadInput;
    if (a.experts) return printExpertVocabulary(a.trace, a.layer, 6);
    if (a.textStep) {
        const bool colour = isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
        return printRoutedText(a.trace, a.layer, *a.textStep, std::max(a.tokens, 1), colour);
    }
    const auto loaded = io::readTrace(a.trace, a.layer);
    if (!loaded) {
        fmt::print(stderr, "moelab inspect: {}\n", loaded.error());
        return kExitBadInput;
    }
    const io::TraceData& data = *loaded;

    if (a.scenario) {
        fmt::print("{}", data.scenario);
        return kExitOk;
    }
    const bool scalarMetric = data.scalars.count(a.metric) != 0;
    if (!a.metric.empty() && !scalarMetric && data.perExpert.count(a.metric) == 0) {
        fmt::print(stderr, "moelab inspect: no metric '{}' in {}; available: {}\n", a.metric,
                   a.trace, joined(metricNames(data), ", "));
        return kExitBadInput;
    }
    std::optional<Eigen::Index> row;
    if (a.step) {
        const auto found = std::find(data.step.begin(), data.step.end(), *a.step);
        if (found == data.step.end()) {
            fmt::print(stderr, "moelab inspect: {} has no row for step {} ({})\n", a.trace,
                       *a.step, stepRange(data));
            return kExitBadInput;
        }
        row = static_cast<Eigen::Index>(found - data.step.begin());
    }
    const auto rowIndex = [&](Eigen::Index i) { return static_cast<size_t>(i); };
    const char* separator = a.csv ? "," : " ";
    const auto number = [&](double value) { return a.csv ? exact(value) : brief(value); };

    if (a.metric.empty() && !row) {
        if (!a.csv) {
            printSummary(a.trace, data, a.layer);
            return kExitOk;
        }
        std::vector<std::string> header = {"step"};
        for (const auto& [name, values] : data.scalars) header.push_back(name);
        fmt::print("{}\n", joined(header, ","));
        for (size_t i = 0; i < data.step.size(); ++i) {
            std::vector<std::string> cells = {std::to_string(data.step[i])};
            for (const auto& [name, values] : data.scalars) cells.push_back(exact(values[i]));
            fmt::print("{}\n", joined(cells, ","));
        }
        return kExitOk;
    }

    if (a.metric.empty()) {
        // Every metric at one step, in long form so that scalars and per-expert rows share
        // the columns.
        if (a.csv) fmt::print("metric,expert,value\n");
        for (const auto& [name, values] : data.scalars) {
            const double value = values[rowIndex(*row)];
            if (a.csv) fmt::print("{},,{}\n", name, exact(value));
            else fmt::print("{:<22} {}\n", name, brief(value));
        }
        for (const auto& [name, matrix] : data.perExpert) {
            if (a.csv) {
                for (Eigen::Index e = 0; e < matrix.cols(); ++e)
                    fmt::print("{},{},{}\n", name, e, exact(matrix(*row, e)));
                continue;
            }
            std::vector<std::string> cells;
            for (Eigen::Index e = 0; e < matrix.cols(); ++e) cells.push_back(brief(matrix(*row, e)));
            fmt::print("{:<22} {}\n", name, joined(cells, " "));
        }
        return kExitOk;
    }

    if (scalarMetric) {
        const std::vector<double>& values = data.scalars.at(a.metric);
        fmt::print("step{}{}\n", separator, a.metric);
        for (size_t i = 0; i < data.step.size(); ++i) {
            if (row && rowIndex(*row) != i) continue;
            fmt::print("{}{}{}\n", data.step[i], separator, number(values[i]));
        }
        return kExitOk;
    }
    const Eigen::MatrixXd& matrix = data.perExpert.at(a.metric);
    if (row) {
        fmt::print("expert{}{}\n", separator, a.metric);
        for (Eigen::Index e = 0; e < matrix.cols(); ++e)
            fmt::print("{}{}{}\n", e, separator, number(matrix(*row, e)));
        return kExitOk;
    }
    std::vector<std::string> header = {"step"};
    for (Eigen::Index e = 0; e < matrix.cols(); ++e) header.push_back(fmt::format("expert_{}", e));
    fmt::print("{}\n", joined(header, separator));
    for (Eigen::Index i = 0; i < matrix.rows(); ++i) {
        std::vector<std::string> cells = {std::to_string(data.step[rowIndex(i)])};
        for (Eigen::Index e = 0; e < matrix.cols(); ++e) cells.push_back(number(matrix(i, e)));
        fmt::print("{}\n", joined(cells, separator));
    }
    return kExitOk;
}

}  // namespace moe::app
