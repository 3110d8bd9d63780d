// SPDX-License-Identifier: MIT
#include "app/cli/sweep_summary.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <map>

namespace moe::app {
namespace {

/// Metric columns after `status`, in the order RunMetrics::values() gives them.
const std::vector<std::string>& metricColumns() {
    static const std::vector<std::string> columns = {
        "final_drop_fraction",  "worst_drop_fraction", "final_load_cv",      "worst_load_cv",
        "final_collapse",       "worst_collapse",      "final_dead_experts", "worst_dead_experts",
        "final_specialization", "best_specialization", "final_task_loss"};
    return columns;
}

/// Columns that follow the varied keys; the numeric ones are averaged by byPointTable.
const std::vector<std::string>& fixedColumns() {
    static const std::vector<std::string> columns = [] {
        std::vector<std::string> c = {"seed", "steps", "status"};
        c.insert(c.end(), metricColumns().begin(), metricColumns().end());
        c.push_back("wall_time_s");
        c.push_back("error");
        return c;
    }();
    return columns;
}

bool isNumericColumn(const std::string& column) {
    return column != "seed" && column != "status" && column != "error";
}

std::string formatNumber(double v) {
    return std::isnan(v) ? "nan" : fmt::format("{}", v);
}

double parseNumber(const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    return end == text.c_str() ? std::nan("") : v;
}

/// max(a, b) where a NaN b does not count.
double maxSkippingNan(double a, double b, bool first) {
    if (first || std::isnan(a)) return b;
    return std::isnan(b) ? a : std::max(a, b);
}

}  // namespace

void RunMetrics::add(const StepStats& s) {
    const bool first = m_steps == 0;
    m_worstDrop = maxSkippingNan(m_worstDrop, s.dropFraction, first);
    m_worstCv = maxSkippingNan(m_worstCv, s.loadCv, first);
    m_worstCollapse = maxSkippingNan(m_worstCollapse, s.collapse, first);
    m_worstDead = maxSkippingNan(m_worstDead, s.deadExperts, first);
    m_bestSpecialization = maxSkippingNan(m_bestSpecialization, s.specialization, first);
    m_last = s;
    ++m_steps;
}

std::vector<double> RunMetrics::values() const {
    if (m_steps == 0) return std::vector<double>(metricColumns().size(), std::nan(""));
    return {m_last.dropFraction,   m_worstDrop,          m_last.loadCv,      m_worstCv,
            m_last.collapse,       m_worstCollapse,      m_last.deadExperts, m_worstDead,
            m_last.specialization, m_bestSpecialization, m_last.taskLoss};
}

std::vector<std::string> summaryColumns(const std::vector<std::string>& keys) {
    std::vector<std::string> columns = keys;
    columns.insert(columns.end(), fixedColumns().begin(), fixedColumns().end());
    return columns;
}

std::vector<std::string> summaryFields(const SweepRow& row) {
    std::vector<std::string> fields;
    for (const auto& entry : row.point) fields.push_back(entry.second);
    fields.push_back(fmt::format("{}", row.seed));
    fields.push_back(fmt::format("{}", row.metrics.steps()));
    fields.push_back(row.ok ? "ok" : "failed");
    for (const double v : row.metrics.values()) fields.push_back(formatNumber(v));
    fields.push_back(fmt::format("{:.3f}", row.wallSeconds));
    fields.push_back(row.error);
    return fields;
}

std::string formatCsvLine(const std::vector<std::string>& fields) {
    std::string line;
    for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) line += ',';
        const std::string& f = fields[i];
        if (f.find_first_of(",\"\r\n") == std::string::npos) {
            line += f;
            continue;
        }
        line += '"';
        for (const char c : f) line += c == '"' ? std::string("\"\"") : std::string(1, c);
        line += '"';
    }
    return line;
}

std::vector<std::string> parseCsvLine(std::string_view line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                fields.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                fields.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else {
            fields.back() += c;
        }
    }
    return fields;
}

std::string formatDoneFile(const std::vector<std::string>& keys, const SweepRow& row) {
    return formatCsvLine(summaryColumns(keys)) + "\n" + formatCsvLine(summaryFields(row)) + "\n";
}

std::optional<std::vector<std::string>> parseDoneFile(std::string_view text,
                                                      const std::vector<std::string>& keys) {
    // Two lines, each ending in '\n': a torn write lacks the final one. Error messages are
    // written on one line (formatCsvLine quotes, but moelab's messages hold no line breaks).
    const size_t first = text.find('\n');
    if (first == std::string_view::npos || text.empty() || text.back() != '\n') return std::nullopt;
    const std::string_view second = text.substr(first + 1, text.size() - first - 2);
    if (second.find('\n') != std::string_view::npos) return std::nullopt;
    const std::vector<std::string> columns = summaryColumns(keys);
    if (parseCsvLine(text.substr(0, first)) != columns) return std::nullopt;
    std::vector<std::string> fields = parseCsvLine(second);
    if (fields.size() != columns.size()) return std::nullopt;
    return fields;
}

bool fieldsFailed(const std::vector<std::string>& keys, const std::vector<std::string>& fields) {
    return fields.at(keys.size() + 2) != "ok";  // seed, steps, status
}

std::vector<std::vector<std::string>> byPointTable(
    const std::vector<std::string>& keys, const std::vector<std::vector<std::string>>& rows) {
    const std::vector<std::string> columns = summaryColumns(keys);
    std::vector<std::string> header = keys;
    header.push_back("seeds");
    header.push_back("failed");
    for (const std::string& c : fixedColumns())
        if (isNumericColumn(c)) {
            header.push_back(c + "_mean");
            header.push_back(c + "_std");
        }

    std::vector<std::vector<std::string>> pointKeys;  // first-appearance order
    std::map<std::vector<std::string>, std::vector<const std::vector<std::string>*>> groups;
    for (const auto& row : rows) {
        std::vector<std::string> point(row.begin(), row.begin() + static_cast<long>(keys.size()));
        auto& group = groups[point];
        if (group.empty()) pointKeys.push_back(point);
        group.push_back(&row);
    }

    std::vector<std::vector<std::string>> table{header};
    for (const auto& point : pointKeys) {
        const auto& group = groups[point];
        std::vector<const std::vector<std::string>*> ok;
        for (const auto* row : group)
            if (!fieldsFailed(keys, *row)) ok.push_back(row);
        std::vector<std::string> out = point;
        out.push_back(fmt::format("{}", ok.size()));
        out.push_back(fmt::format("{}", group.size() - ok.size()));
        for (size_t c = keys.size(); c < columns.size(); ++c) {
            if (!isNumericColumn(columns[c])) continue;
            const double n = static_cast<double>(ok.size());
            double sum = 0;
            for (const auto* row : ok) sum += parseNumber((*row)[c]);
            const double mean = ok.empty() ? std::nan("") : sum / n;
            double squares = 0;
            for (const auto* row : ok) squares += std::pow(parseNumber((*row)[c]) - mean, 2);
            const double std = ok.size() < 2 ? std::nan("") : std::sqrt(squares / (n - 1));
            out.push_back(formatNumber(mean));
            out.push_back(formatNumber(std));
        }
        table.push_back(std::move(out));
    }
    return table;
}

}  // namespace moe::app
