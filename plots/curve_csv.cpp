// SPDX-License-Identifier: MIT
#include "plots/curve_csv.h"

#include <QFile>
#include <QSaveFile>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace moe::plots {
namespace {

QString quoted(const QString& field) {
    if (!field.contains(QLatin1Char(',')) && !field.contains(QLatin1Char('"')) &&
        !field.contains(QLatin1Char('\n')))
        return field;
    QString escaped = field;
    escaped.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

std::vector<QCPGraph*> curvesOf(const QCustomPlot& plot) {
    std::vector<QCPGraph*> curves;
    for (int i = 0; i < plot.graphCount(); ++i) {
        QCPGraph* graph = plot.graph(i);
        if (!graph->name().isEmpty() && !graph->data()->isEmpty()) curves.push_back(graph);
    }
    return curves;
}

/// "step" from "step (curves: mean of ...)".
QString keyName(const QCPGraph& graph) {
    const QString label = graph.keyAxis()->label();
    const QString word = label.section(QLatin1Char(' '), 0, 0);
    return word.isEmpty() ? QStringLiteral("key") : word;
}

}  // namespace

QString curvesCsv(const QCustomPlot& plot) {
    const std::vector<QCPGraph*> curves = curvesOf(plot);
    if (curves.empty()) return {};
    std::vector<double> keys;
    for (const QCPGraph* graph : curves)
        for (auto point = graph->data()->constBegin(); point != graph->data()->constEnd(); ++point)
            keys.push_back(point->key);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());

    // cells[curve][row]; NaN where the curve has nothing.
    std::vector<std::vector<double>> cells(curves.size(),
                                           std::vector<double>(keys.size(), std::nan("")));
    for (size_t c = 0; c < curves.size(); ++c)
        for (auto point = curves[c]->data()->constBegin(); point != curves[c]->data()->constEnd();
             ++point) {
            const auto row = std::lower_bound(keys.begin(), keys.end(), point->key) - keys.begin();
            cells[c][static_cast<size_t>(row)] = point->value;
        }

    QString text = quoted(keyName(*curves.front()));
    for (const QCPGraph* graph : curves) text += QLatin1Char(',') + quoted(graph->name());
    text += QLatin1Char('\n');
    for (size_t row = 0; row < keys.size(); ++row) {
        text += QString::number(keys[row], 'g', 17);
        for (size_t c = 0; c < curves.size(); ++c) {
            text += QLatin1Char(',');
            if (std::isfinite(cells[c][row])) text += QString::number(cells[c][row], 'g', 17);
        }
        text += QLatin1Char('\n');
    }
    return text;
}

bool exportCsv(const QCustomPlot& plot, const QString& path, QString* error) {
    const auto fail = [&](const QString& why) {
        if (error != nullptr) *error = path + QStringLiteral(": ") + why;
        return false;
    };
    const QString text = curvesCsv(plot);
    if (text.isEmpty()) return fail(QStringLiteral("the plot has no curves to export"));
    // Written whole or not at all: a failed write leaves an earlier file as it was.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
        return fail(QStringLiteral("cannot write: ") + file.errorString());
    const QByteArray bytes = text.toUtf8();
    if (file.write(bytes) != bytes.size() || !file.commit())
        return fail(QStringLiteral("writing failed: ") + file.errorString());
    return true;
}

}  // namespace moe::plots
