// SPDX-License-Identifier: MIT
#include "app/gui/compare_view.h"

#include "app/gui/dashboard_view.h"
#include "core/io/trace_reader.h"
#include "core/io/trace_schema.h"
#include "plots/expert_load_heatmap.h"
#include "plots/plot_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>

namespace moe::gui {
namespace {

/// Distinct colours for runs (Tableau 10), so that a run keeps its colour in every curve.
QColor runColor(size_t index) {
    static const QColor kColors[] = {
        QColor(0x4e, 0x79, 0xa7), QColor(0xf2, 0x8e, 0x2b), QColor(0xe1, 0x57, 0x59),
        QColor(0x76, 0xb7, 0xb2), QColor(0x59, 0xa1, 0x4f), QColor(0xed, 0xc9, 0x48),
        QColor(0xb0, 0x7a, 0xa1), QColor(0xff, 0x9d, 0xa7), QColor(0x9c, 0x75, 0x5f),
        QColor(0xba, 0xb0, 0xac)};
    return kColors[index % std::size(kColors)];
}

}  // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);

    auto* sidePanel = new QWidget;
    sidePanel->setMaximumWidth(210);
    auto* side = new QVBoxLayout(sidePanel);
    side->setContentsMargins(0, 0, 0, 0);
    m_list = new QListWidget;
    m_list->setObjectName(QStringLiteral("compareRuns"));
    side->addWidget(new QLabel(tr("Runs compared:")));
    side->addWidget(m_list, 1);
    auto* addTrace = new QPushButton(tr("Add trace..."));
    auto* addCurrent = new QPushButton(tr("Add shown run"));
    auto* remove = new QPushButton(tr("Remove"));
    side->addWidget(addTrace);
    side->addWidget(addCurrent);
    side->addWidget(remove);
    side->addWidget(new QLabel(tr("Curve:")));
    m_metric = new QComboBox;
    m_metric->setObjectName(QStringLiteral("compareMetric"));
    for (const io::DatasetSpec& spec : io::kTraceDatasets)
        if (spec.kind == io::DatasetKind::Scalar && spec.name != io::kStepDataset)
            m_metric->addItem(QString::fromUtf8(spec.name.data(),
                                                static_cast<qsizetype>(spec.name.size())));
    m_metric->setCurrentText(QStringLiteral("drop_fraction"));
    side->addWidget(m_metric);
    layout->addWidget(sidePanel);

    // Side by side: a bottom dock is wide and short.
    auto* splitter = new QSplitter(Qt::Horizontal);
    m_curves = new QCustomPlot;
    m_curves->setObjectName(QStringLiteral("compareCurves"));
    m_curves->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_curves->setMinimumSize(300, 150);
    offerExport(m_curves, QStringLiteral("compare"));
    splitter->addWidget(m_curves);
    auto* heatmaps = new QWidget;
    m_heatmapRow = new QHBoxLayout(heatmaps);
    m_heatmapRow->setContentsMargins(0, 0, 0, 0);
    splitter->addWidget(heatmaps);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({400, 600});  // scaled to the width; heatmaps need room for their axes
    layout->addWidget(splitter, 1);

    connect(addTrace, &QPushButton::clicked, this, &CompareView::addTraceRequested);
    connect(addCurrent, &QPushButton::clicked, this, &CompareView::addCurrentRequested);
    connect(remove, &QPushButton::clicked, this, [this] {
        if (m_list->currentRow() >= 0) removeRun(m_list->currentRow());
    });
    connect(m_metric, &QComboBox::currentTextChanged, this, [this] { redraw(); });
    redraw();
}

void CompareView::offerExport(QCustomPlot* plot, const QString& name) {
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(plot, &QWidget::customContextMenuRequested, this, [this, plot, name](QPoint at) {
        QMenu menu;
        menu.addAction(tr("Export this plot (PNG, SVG, PDF)..."),
                       [this, plot, name] { emit exportPlotRequested(plot, name); });
        menu.exec(plot->mapToGlobal(at));
    });
}

void CompareView::addRun(const QString& name, std::shared_ptr<const io::TraceData> trace) {
    m_runs.push_back({name, std::move(trace)});
    auto* item = new QListWidgetItem(name, m_list);
    item->setForeground(runColor(m_runs.size() - 1));
    redraw();
}

void CompareView::removeRun(int index) {
    if (index < 0 || index >= runCount()) return;
    m_runs.erase(m_runs.begin() + index);
    delete m_list->takeItem(index);
    redraw();
}

void CompareView::clearRuns() {
    m_runs.clear();
    m_list->clear();
    redraw();
}

QString CompareView::metric() const {
    return m_metric->currentText();
}

bool CompareView::setMetric(const QString& dataset) {
    if (m_metric->findText(dataset) < 0) return false;
    m_metric->setCurrentText(dataset);
    return true;
}

void CompareView::redraw() {
    const std::string dataset = metric().toStdString();
    m_curves->clearPlottables();
    m_curves->plotLayout()->clear();
    m_curves->setAutoAddPlottableToLegend(false);
    const plots::Panel panel =
        plots::addPanel(*m_curves, *m_curves->plotLayout(), metric(), /*withLegend=*/true,
                        // The width is not final before the first layout; never bin below 800.
                        plots::curvePointsFor(std::max(m_curves->width(), 800)));
    QCPAxis& y = *panel.axes->axis(QCPAxis::atLeft);
    std::vector<int64_t> allSteps;
    for (size_t i = 0; i < m_runs.size(); ++i) {
        const io::TraceData& run = *m_runs[i].data;
        const std::vector<double>* values = plots::findScalar(run, dataset);
        if (values == nullptr) continue;
        plots::addCurve(*m_curves, panel, y, run.step, *values, QPen(runColor(i), 1.5),
                        m_runs[i].name);
        if (!run.step.empty()) {
            allSteps.push_back(run.step.front());
            allSteps.push_back(run.step.back());
        }
    }
    std::sort(allSteps.begin(), allSteps.end());
    plots::setStepRange(*panel.axes->axis(QCPAxis::atBottom), allSteps);
    plots::fitValueAxis(y, /*fromZero=*/false);
    m_curves->replot(QCustomPlot::rpQueuedReplot);

    for (QCustomPlot* plot : m_heatmaps) {
        m_heatmapRow->removeWidget(plot);
        plot->deleteLater();
    }
    m_heatmaps.clear();
    // One colour range for every heatmap, so that equal colours mean equal load shares.
    plots::HeatmapOptions options;
    double peak = 0;
    for (const Run& run : m_runs) peak = std::max(peak, plots::heatmapPeak(*run.data, options));
    if (peak > 0) options.colorMax = peak;
    for (size_t i = 0; i < m_runs.size(); ++i) {
        auto* plot = new QCustomPlot;
        plot->setMinimumSize(260, 150);
        plot->setObjectName(QStringLiteral("compareHeatmap%1").arg(i));
        offerExport(plot, QStringLiteral("heatmap-%1").arg(m_runs[i].name));
        m_heatmapRow->addWidget(plot);
        options.title = m_runs[i].name;
        drawPanel(*plot, *m_runs[i].data, plots::FigureKind::Load, options);
        plot->replot(QCustomPlot::rpQueuedReplot);
        m_heatmaps.push_back(plot);
    }
}

}  // namespace moe::gui
