// SPDX-License-Identifier: MIT
#include "plots/heatmap_view.h"

#include "core/io/trace_reader.h"

#include <QMouseEvent>
#include <QToolTip>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace moe::plots {
namespace {

/// Creates the colour map of `parts` (absent while the trace has no rows).
void addMap(HeatmapParts& parts) {
    parts.map = new QCPColorMap(parts.axes->axis(QCPAxis::atBottom),
                                parts.axes->axis(QCPAxis::atLeft));
    parts.map->setInterpolate(false);
    parts.map->setColorScale(parts.scale);
}

QString valueName(HeatmapField field) {
    switch (field) {
        case HeatmapField::LoadShare:
            return QStringLiteral("load share");
        case HeatmapField::Demand:
            return QStringLiteral("demand (assignments)");
        case HeatmapField::Dropped:
            return QStringLiteral("dropped (assignments)");
    }
    return {};
}

}  // namespace

HeatmapView::HeatmapView(QCustomPlot& plot, QCPLayoutGrid& area, const io::TraceData& data,
                         const HeatmapOptions& options)
    : QObject(&plot), m_plot(plot), m_data(&data), m_options(options) {
    m_parts = addExpertLoadHeatmap(plot, area, data, options);
    QCPAxis* stepAxis = m_parts.axes->axis(QCPAxis::atBottom);
    if (!data.step.empty()) stepAxis->setRange(fullStepRange());
    connect(stepAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
            &HeatmapView::stepRangeChanged);
    connect(&plot, &QCustomPlot::afterLayout, this, &HeatmapView::layoutChanged);
}

void HeatmapView::setField(HeatmapField field) {
    m_options.field = field;
    m_parts.scale->axis()->setLabel(heatmapValueLabel(field));
    if (m_options.title.isEmpty()) m_parts.title->setText(heatmapTitle(field));
    redraw();
}

void HeatmapView::setStatistic(BinStatistic statistic) {
    m_options.statistic = statistic;
    redraw();
}

void HeatmapView::setData(const io::TraceData& data) {
    QCPAxis& stepAxis = *m_parts.axes->axis(QCPAxis::atBottom);
    const QCPRange shown = stepAxis.range();
    const bool hadRows = !m_data->step.empty();
    const QCPRange before = hadRows ? fullStepRange() : QCPRange();
    const double tolerance = 1e-9 * std::max(1.0, before.size());
    const bool showedEnd = !hadRows || shown.upper >= before.upper - tolerance;
    const bool showedAll = showedEnd && (!hadRows || shown.lower <= before.lower + tolerance);

    m_data = &data;
    m_rowScale.resize(0);
    if (m_parts.map == nullptr && heatmapValues(data, m_options.field) != nullptr) addMap(m_parts);
    if (data.step.empty()) return;
    const QCPRange after = fullStepRange();
    m_settingRange = true;  // one re-binning below, not one per range signal
    if (showedAll)
        stepAxis.setRange(after);
    else if (showedEnd)
        stepAxis.setRange(after.upper - shown.size(), after.upper);
    m_settingRange = false;
    rebin();
}

void HeatmapView::enableZoomAndPan() {
    m_plot.setInteractions(m_plot.interactions() | QCP::iRangeDrag | QCP::iRangeZoom);
    QCPAxis* stepAxis = m_parts.axes->axis(QCPAxis::atBottom);
    m_parts.axes->setRangeDrag(Qt::Horizontal);
    m_parts.axes->setRangeZoom(Qt::Horizontal);
    m_parts.axes->setRangeDragAxes(stepAxis, nullptr);
    m_parts.axes->setRangeZoomAxes(stepAxis, nullptr);
}

void HeatmapView::showAllSteps() {
    if (m_data->step.empty()) return;
    m_settingRange = true;
    m_parts.axes->axis(QCPAxis::atBottom)->setRange(fullStepRange());
    m_settingRange = false;
    rebin();
    m_plot.replot(QCustomPlot::rpQueuedReplot);
}

std::optional<HeatmapCell> HeatmapView::cellAt(const QPointF& pixel) const {
    if (m_parts.map == nullptr || m_parts.binFirstRow.size() < 2) return std::nullopt;
    if (!m_parts.axes->rect().contains(pixel.toPoint())) return std::nullopt;
    QCPColorMapData& cells = *m_parts.map->data();
    const double key = m_parts.axes->axis(QCPAxis::atBottom)->pixelToCoord(pixel.x());
    const double value = m_parts.axes->axis(QCPAxis::atLeft)->pixelToCoord(pixel.y());
    // Cells are evenly spaced between the centres of the first and last column (rows) and
    // centred on the integer experts; QCPColorMapData::coordToCell truncates towards 0, which
    // would count half a cell beyond the map's edge as inside it.
    const QCPRange keys = cells.keyRange();
    const int nBins = cells.keySize();
    const double keyPosition = nBins > 1 ? (key - keys.lower) / keys.size() * (nBins - 1)
                                         : (key - keys.center());
    const auto bin = static_cast<int>(std::floor(keyPosition + 0.5));
    const auto expert = static_cast<int>(std::floor(value + 0.5));
    if (bin < 0 || bin >= nBins || expert < 0 || expert >= cells.valueSize()) return std::nullopt;
    const int64_t first = m_parts.binFirstRow[static_cast<size_t>(bin)];
    const int64_t end = m_parts.binFirstRow[static_cast<size_t>(bin) + 1];
    if (end > static_cast<int64_t>(m_data->step.size())) return std::nullopt;

    HeatmapCell cell;
    cell.stepFirst = m_data->step[static_cast<size_t>(first)];
    cell.stepLast = m_data->step[static_cast<size_t>(end - 1)];
    cell.rows = end - first;
    cell.expert = expert;
    cell.value = cells.cell(bin, expert);
    return cell;
}

QString HeatmapView::describe(const HeatmapCell& cell) const {
    const QString steps =
        cell.rows == 1
            ? QStringLiteral("step %1").arg(cell.stepFirst)
            : QStringLiteral("steps %1-%2 (%3 of %4 rows)")
                  .arg(cell.stepFirst)
                  .arg(cell.stepLast)
                  .arg(m_options.statistic == BinStatistic::Max ? QStringLiteral("max")
                                                                 : QStringLiteral("mean"))
                  .arg(cell.rows);
    const QString value = std::isfinite(cell.value) ? QString::number(cell.value, 'g', 4)
                                                    : QStringLiteral("does not apply");
    return QStringLiteral("%1\nexpert %2\n%3: %4")
        .arg(steps)
        .arg(cell.expert)
        .arg(valueName(m_options.field), value);
}

void HeatmapView::rebin() {
    if (m_parts.map == nullptr || m_data->step.empty()) return;
    const Eigen::MatrixXd* values = heatmapValues(*m_data, m_options.field);
    if (values == nullptr) {
        // A field this trace lacks: an empty map, not the cells of the previous field.
        m_parts.map->data()->clear();
        m_parts.binFirstRow.clear();
        return;
    }
    const QCPRange range = m_parts.axes->axis(QCPAxis::atBottom)->range();
    const auto [first, end] = rowsCovering(m_data->step, range.lower, range.upper);
    HeatmapOptions options = m_options;
    // One column per pixel of the map once it has been laid out.
    if (m_parts.axes->width() > 0) options.maxBins = std::max(1, m_parts.axes->width());
    const Eigen::VectorXd* scale = nullptr;
    if (m_options.field == HeatmapField::LoadShare) {
        // Computed once per data, not at every zoom step.
        if (m_rowScale.size() != values->rows()) m_rowScale = rowShareScale(*values);
        scale = &m_rowScale;
    }
    fillExpertLoadHeatmap(m_parts, *m_data, options, first, end, scale);
    m_binnedWidth = m_parts.axes->width();
}

void HeatmapView::stepRangeChanged(const QCPRange& range) {
    if (m_settingRange || m_data->step.empty()) return;
    // Keep the view on the run: no panning past either end, no zooming out beyond it, and no
    // zooming in below one step.
    const QCPRange full = fullStepRange();
    const double span = std::clamp(range.size(), std::min(1.0, full.size()), full.size());
    const double lower = std::clamp(range.lower, full.lower, full.upper - span);
    m_settingRange = true;  // an unchanged range does not signal; a clamped one must not recurse
    m_parts.axes->axis(QCPAxis::atBottom)->setRange(QCPRange(lower, lower + span));
    m_settingRange = false;
    rebin();
}

void HeatmapView::layoutChanged() {
    // Called inside replot, after the layout and before drawing: the new columns are drawn in
    // this same replot.
    if (m_parts.axes->width() != m_binnedWidth) rebin();
}

void HeatmapView::redraw() {
    if (m_parts.map == nullptr && heatmapValues(*m_data, m_options.field) != nullptr)
        addMap(m_parts);
    rebin();
    m_plot.replot(QCustomPlot::rpQueuedReplot);
}

QCPRange HeatmapView::fullStepRange() const {
    const std::vector<int64_t>& step = m_data->step;
    const auto front = static_cast<double>(step.front());
    const auto back = static_cast<double>(step.back());
    const double halfRow = step.size() > 1 && back > front
                               ? (back - front) / (2.0 * static_cast<double>(step.size() - 1))
                               : 0.5;
    return {front - halfRow, back + halfRow};
}

HeatmapReadout::HeatmapReadout(QCustomPlot& plot, HeatmapView& view)
    : QObject(&view), m_plot(plot), m_view(view) {
    connect(&plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
        const QString text = textAt(event->position());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(event->globalPosition().toPoint(), text, &m_plot);
    });
}

QString HeatmapReadout::textAt(const QPointF& pixel) const {
    const std::optional<HeatmapCell> cell = m_view.cellAt(pixel);
    return cell ? m_view.describe(*cell) : QString();
}

}  // namespace moe::plots
