// SPDX-License-Identifier: MIT
#include "app/gui/compare_view.h"

#include "core/io/trace_reader.h"
#include "plots/series_style.h"

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
    side->addWidget(new QLabel(tr("Curves:")));
    m_kind = new QComboBox;
    m_kind->setObjectName(QStringLiteral("compareKind"));
    m_kind->addItem(tr("drops"), static_cast<int>(plots::FigureKind::Drops));
    m_kind->addItem(tr("collapse"), static_cast<int>(plots::FigureKind::Collapse));
    m_kind->addItem(tr("losses"), static_cast<int>(plots::FigureKind::Loss));
    side->addWidget(m_kind);
    layout->addWidget(sidePanel);

    // Side by side: a bottom dock is wide and short.
    auto* splitter = new QSplitter(Qt::Horizontal);
    m_curves = new QCustomPlot;
    m_curves->setObjectName(QStringLiteral("compareCurves"));
    m_curves->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_curves->setMinimumSize(380, 150);  // room for the legend of the metrics
    offerExport(m_curves, QStringLiteral("compare-curves"));
    splitter->addWidget(m_curves);
    m_heatmaps = new QCustomPlot;
    m_heatmaps->setObjectName(QStringLiteral("compareHeatmaps"));
    m_heatmaps->setMinimumSize(300, 150);
    offerExport(m_heatmaps, QStringLiteral("compare-heatmaps"));
    splitter->addWidget(m_heatmaps);
    splitter->setSizes({400, 600});  // scaled to the width; heatmaps need room for their axes
    layout->addWidget(splitter, 1);

    connect(addTrace, &QPushButton::clicked, this, &CompareView::addTraceRequested);
    connect(addCurrent, &QPushButton::clicked, this, &CompareView::addCurrentRequested);
    connect(remove, &QPushButton::clicked, this, [this] {
        if (m_list->currentRow() >= 0) removeRun(m_list->currentRow());
    });
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
    redraw();
}

void CompareView::offerExport(QCustomPlot* plot, const QString& name) {
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(plot, &QWidget::customContextMenuRequested, this, [this, plot, name](QPoint at) {
        QMenu menu;
        menu.addAction(tr("Export this plot (PNG, SVG, PDF)..."),
                       [this, plot, name] { emit exportPlotRequested(plot, name); });
        menu.addAction(tr("Export its curves as CSV..."),
                       [this, plot, name] { emit exportCsvRequested(plot, name); });
        menu.exec(plot->mapToGlobal(at));
    });
}

void CompareView::addRun(const QString& name, std::shared_ptr<const io::TraceData> trace) {
    m_runs.push_back({name, std::move(trace)});
    auto* item = new QListWidgetItem(name, m_list);
    item->setForeground(plots::runColor(static_cast<int>(m_runs.size() - 1)));
    redraw();
}

void CompareView::removeRun(int index) {
    if (index < 0 || index >= runCount()) return;
    m_runs.erase(m_runs.begin() + index);
    delete m_list->takeItem(index);
    // Colours follow the position in the comparison.
    for (int row = 0; row < m_list->count(); ++row)
        m_list->item(row)->setForeground(plots::runColor(row));
    redraw();
}

void CompareView::clearRuns() {
    m_runs.clear();
    m_list->clear();
    redraw();
}

std::vector<plots::RunSeries> CompareView::series() const {
    std::vector<plots::RunSeries> runs;
    for (const Run& run : m_runs) runs.push_back({run.name, run.data.get()});
    return runs;
}

plots::FigureKind CompareView::curveKind() const {
    return static_cast<plots::FigureKind>(m_kind->currentData().toInt());
}

bool CompareView::setCurveKind(plots::FigureKind kind) {
    const int index = m_kind->findData(static_cast<int>(kind));
    if (index < 0) return false;
    m_kind->setCurrentIndex(index);
    return true;
}

void CompareView::redraw() {
    const std::vector<plots::RunSeries> runs = series();
    // Widths are not final before the first layout; never bin below 800 pixels.
    plots::drawComparison(*m_curves, runs, curveKind(), std::max(m_curves->width(), 800));
    plots::drawComparison(*m_heatmaps, runs, plots::FigureKind::Load,
                          std::max(m_heatmaps->width(), 800));
    // The figures' heading lists the runs, which the list beside them already shows; in a
    // dock it only takes room (and is cut in a narrow one). Exports keep it (writeComparison).
    for (QCustomPlot* plot : {m_curves, m_heatmaps}) {
        QCPLayoutGrid* layout = plot->plotLayout();
        if (layout->rowCount() > 1 && qobject_cast<QCPTextElement*>(layout->element(0, 0))) {
            layout->removeAt(layout->rowColToIndex(0, 0));
            layout->simplify();
        }
        plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

}  // namespace moe::gui
