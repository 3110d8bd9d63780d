// SPDX-License-Identifier: MIT
#include "app/gui/live_trace.h"

#include "core/config/enums.h"
#include "core/io/trace_schema.h"
#include "core/util/assert.h"

#include <Eigen/Core>

#include <variant>

namespace moe::gui {

void LiveTrace::begin(const ScenarioConfig& config) {
    m_header = {};
    m_header.schemaVersion = std::string(io::kSchemaVersion);
    m_header.moelabVersion = MOELAB_VERSION;
    m_header.scenario = config.scenarioText;
    m_header.routerKind = std::string(enumName(config.router.kind));
    m_header.seed = config.seed;
    // One column per expert of the whole run, added ones included, as the trace has.
    m_header.nExperts = maxExperts(config.events, config.model.experts) + config.model.nullExperts;
    m_header.nLayers = 1;
    m_every = config.trace.every;
    m_step.clear();
    m_scalars.clear();
    m_perExpert.clear();
}

void LiveTrace::append(const StepStats& stats) {
    if (stats.step % m_every != 0) return;
    m_step.push_back(stats.step);
    const auto nExperts = static_cast<size_t>(m_header.nExperts);
    for (const io::DatasetSpec& spec : io::kTraceDatasets) {
        if (spec.name == io::kStepDataset) continue;
        std::visit(
            [&](auto member) {
                using Member = std::remove_cvref_t<decltype(stats.*member)>;
                if constexpr (std::is_same_v<Member, std::vector<double>>) {
                    // Probe losses (per domain) are read from the trace once the run ends.
                    if (spec.kind != io::DatasetKind::PerExpert) return;
                    const std::vector<double>& row = stats.*member;
                    auto& column = m_perExpert[std::string(spec.name)];
                    if (row.empty() && spec.emptyFill) {  // a run without events
                        column.insert(column.end(), nExperts, *spec.emptyFill);
                        return;
                    }
                    MOELAB_ASSERT(row.size() == nExperts, "a per-expert row has E entries");
                    column.insert(column.end(), row.begin(), row.end());
                } else {
                    m_scalars[std::string(spec.name)].push_back(
                        static_cast<double>(stats.*member));
                }
            },
            spec.field);
    }
}

std::shared_ptr<const io::TraceData> LiveTrace::snapshot() const {
    auto data = std::make_shared<io::TraceData>();
    static_cast<io::TraceHeader&>(*data) = m_header;
    data->rows = rows();
    data->step = m_step;
    data->scalars = m_scalars;
    using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    for (const auto& [name, values] : m_perExpert) {
        data->perExpert[name] =
            Eigen::Map<const RowMajor>(values.data(), rows(), m_header.nExperts);
    }
    return data;
}

}  // namespace moe::gui
