// SPDX-License-Identifier: MIT
#include "app/cli/run_summary.h"

#include <fmt/format.h>

#include <cmath>

namespace moe::app {
namespace {

template <typename Range, typename F>
double mean(const Range& rows, F metric) {
    double sum = 0;
    for (const StepStats& s : rows) sum += metric(s);
    return rows.empty() ? std::nan("") : sum / static_cast<double>(rows.size());
}

}  // namespace

void RunSummary::add(const StepStats& s) {
    if (m_first.size() < m_window) m_first.push_back(s);
    m_last.push_back(s);
    if (m_last.size() > m_window) m_last.pop_front();
    if (m_steps == 0 || s.dropFraction > m_worstDrop) {
        m_worstDrop = s.dropFraction;
        m_worstDropStep = s.step;
    }
    if (m_steps == 0 || s.loadCv > m_worstCv) {
        m_worstCv = s.loadCv;
        m_worstCvStep = s.step;
    }
    m_probes.add(s.step, s.probeLoss);
    ++m_steps;
}

std::string formatProbes(const ProbeTracker& probes) {
    if (probes.domains().empty()) return {};
    std::string out = fmt::format("  {:<22}{:>10}{:>10}{:>10}{:>12}  {}\n", "probe loss", "first",
                                  "best", "final", "forgetting", "(final - best; best at step)");
    for (size_t d = 0; d < probes.domains().size(); ++d) {
        const DomainProbe& p = probes.domains()[d];
        out += fmt::format("  {:<22}{:>10.4g}{:>10.4g}{:>10.4g}{:>12.4g}  (step {})\n",
                           fmt::format("domain {}", d), p.first, p.best, p.final, p.forgetting(),
                           p.bestStep);
    }
    return out;
}

std::string RunSummary::format() const {
    struct Row {
        const char* name;
        double (*metric)(const StepStats&);
    };
    static const Row rows[] = {
        {"task loss", [](const StepStats& s) { return s.taskLoss; }},
        {"drop fraction", [](const StepStats& s) { return s.dropFraction; }},
        {"token drop fraction", [](const StepStats& s) { return s.tokenDropFraction; }},
        {"load CV", [](const StepStats& s) { return s.loadCv; }},
        {"max / mean load", [](const StepStats& s) { return s.maxOverMean; }},
        {"dead experts", [](const StepStats& s) { return s.deadExperts; }},
        {"collapse", [](const StepStats& s) { return s.collapse; }},
        {"router entropy", [](const StepStats& s) { return s.routerEntropy; }},
        {"specialization (NMI)", [](const StepStats& s) { return s.specialization; }},
        {"aux loss", [](const StepStats& s) { return s.auxLoss; }},
    };
    std::string out = fmt::format("  {:<22}{:>14}{:>14}\n", "",
                                  fmt::format("first {}", m_first.size()),
                                  fmt::format("last {}", m_last.size()));
    for (const Row& r : rows)
        out += fmt::format("  {:<22}{:>14.4g}{:>14.4g}\n", r.name, mean(m_first, r.metric),
                           mean(m_last, r.metric));
    out += fmt::format("  worst drop fraction {:.4g} at step {}; worst load CV {:.4g} at step {}\n",
                       m_worstDrop, m_worstDropStep, m_worstCv, m_worstCvStep);
    return out + formatProbes(m_probes);
}

}  // namespace moe::app
