// SPDX-License-Identifier: MIT
#include "app/gui/export_actions.h"

#include "core/io/trace_reader.h"
#include "plots/figure.h"
#include "plots/figure_export.h"

#include <QSaveFile>
#include <qcustomplot.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace moe::gui {
namespace {

tl::expected<void, std::string> writeText(const std::string& text, const std::string& path) {
    QSaveFile file(QString::fromStdString(path));
    const auto size = static_cast<qint64>(text.size());
    if (!file.open(QIODevice::WriteOnly) || file.write(text.data(), size) != size ||
        !file.commit())
        return tl::make_unexpected(
            fmt::format("{}: cannot write: {}", path, file.errorString().toStdString()));
    return {};
}

}  // namespace

tl::expected<void, std::string> exportPlot(QCustomPlot& plot, const std::string& path) {
    return plots::saveFigure(plot, path, std::max(plot.width(), 800), std::max(plot.height(), 500));
}

tl::expected<void, std::string> exportDashboard(const io::TraceData& data,
                                                const std::string& title,
                                                const std::string& path) {
    return plots::writeFigure(data, plots::FigureKind::All, title, path,
                              plots::defaultFigureSize(plots::FigureKind::All));
}

tl::expected<void, std::string> exportCurvesCsv(const io::TraceData& data,
                                                const std::string& path) {
    std::string text = "step";
    for (const auto& [name, values] : data.scalars) text += "," + name;
    text += '\n';
    for (size_t row = 0; row < data.step.size(); ++row) {
        text += fmt::format("{}", data.step[row]);
        for (const auto& [name, values] : data.scalars) {
            const double value = row < values.size() ? values[row] : std::nan("");
            text += std::isnan(value) ? std::string(",nan") : fmt::format(",{}", value);
        }
        text += '\n';
    }
    return writeText(text, path);
}

tl::expected<void, std::string> exportScenario(const std::string& scenario,
                                               const std::string& path) {
    return writeText(scenario, path);
}

}  // namespace moe::gui
