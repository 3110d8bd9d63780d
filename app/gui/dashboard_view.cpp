// SPDX-License-Identifier: MIT
#include "app/gui/dashboard_view.h"

#include "core/io/trace_reader.h"
#include "plots/collapse_plot.h"
#include "plots/drops_plot.h"
#include "plots/loss_plot.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <qcustomplot.h>

#include <algorithm>

namespace moe::gui {

void drawPanel(QCustomPlot& plot, const io::TraceData& data, plots::FigureKind kind,
               const plots::HeatmapOptions& heatmap) {
    plot.clearPlottables();
    plot.clearItems();
    plot.plotLayout()->clear();
    plot.setAutoAddPlottableToLegend(false);
    QCPLayoutGrid& area = *plot.plotLayout();
    switch (kind) {
        case plots::FigureKind::Load: {
            plots::HeatmapOptions options = heatmap;
            options.maxBins = std::max(1, plot.width() - 120);  // about one column per pixel
            plots::drawExpertLoadHeatmap(plot, area, data, options);
            break;
        }
        case plots::FigureKind::Drops:
            plots::drawDropsPlot(plot, area, data);
            break;
        case plots::FigureKind::Collapse:
            plots::drawCollapsePlot(plot, area, data);
            break;
        case plots::FigureKind::Loss:
            plots::drawLossPlot(plot, area, data);
            break;
        case plots::FigureKind::All:
            plots::drawFigure(plot, data, kind, {}, plot.width());
            break;
    }
}

DashboardView::DashboardView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* header = new QHBoxLayout;
    m_titleLabel = new QLabel(tr("No run or trace yet: start a run (F5) or open a trace."));
    m_titleLabel->setObjectName(QStringLiteral("dashboardTitle"));
    QFont bold = m_titleLabel->font();
    bold.setBold(true);
    m_titleLabel->setFont(bold);
    m_titleLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // A long title is cut, not allowed to widen the window or squeeze the docks.
    m_titleLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    header->addWidget(m_titleLabel, 1);
    header->addWidget(new QLabel(tr("Heatmap:")));
    m_field = new QComboBox;
    m_field->addItem(tr("load share"), static_cast<int>(plots::HeatmapField::LoadShare));
    m_field->addItem(tr("demand"), static_cast<int>(plots::HeatmapField::Demand));
    m_field->addItem(tr("dropped"), static_cast<int>(plots::HeatmapField::Dropped));
    m_field->setToolTip(tr("What the expert heatmap colours"));
    connect(m_field, &QComboBox::currentIndexChanged, this, [this] {
        if (m_heatmap) m_heatmap->setField(heatmapField());
    });
    header->addWidget(m_field);
    m_statistic = new QComboBox;
    m_statistic->addItem(tr("bin mean"), static_cast<int>(plots::BinStatistic::Mean));
    m_statistic->addItem(tr("bin max"), static_cast<int>(plots::BinStatistic::Max));
    m_statistic->setToolTip(
        tr("What a heatmap column shows of the steps it stands for: their mean, or their worst"));
    connect(m_statistic, &QComboBox::currentIndexChanged, this, [this] {
        if (m_heatmap)
            m_heatmap->setStatistic(
                static_cast<plots::BinStatistic>(m_statistic->currentData().toInt()));
    });
    header->addWidget(m_statistic);
    layout->addLayout(header);

    auto* grid = new QGridLayout;
    grid->setSpacing(4);
    m_load = makePlot(plots::FigureKind::Load, QStringLiteral("load"));
    m_drops = makePlot(plots::FigureKind::Drops, QStringLiteral("drops"));
    m_collapse = makePlot(plots::FigureKind::Collapse, QStringLiteral("collapse"));
    m_loss = makePlot(plots::FigureKind::Loss, QStringLiteral("loss"));
    grid->addWidget(m_load, 0, 0);
    grid->addWidget(m_collapse, 0, 1);
    grid->addWidget(m_drops, 1, 0);
    grid->addWidget(m_loss, 1, 1);
    layout->addLayout(grid, 1);
}

QCustomPlot* DashboardView::makePlot(plots::FigureKind kind, const QString& name) {
    auto* plot = new QCustomPlot;
    plot->setObjectName(name + QStringLiteral("Plot"));
    plot->setMinimumSize(200, 150);
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
    plot->setProperty("figureKind", static_cast<int>(kind));
    connect(plot, &QWidget::customContextMenuRequested, this, [this, plot, name](QPoint at) {
        QMenu menu;
        menu.addAction(tr("Export this plot (PNG, SVG, PDF)..."),
                       [this, plot, name] { emit exportPlotRequested(plot, name); });
        if (plot != m_load)
            menu.addAction(tr("Export its curves as CSV..."),
                           [this, plot, name] { emit exportCsvRequested(plot, name); });
        menu.addAction(tr("Reset zoom"), [this, plot] {
            if (plot == m_load && m_heatmap) {
                m_heatmap->showAllSteps();
            } else {
                redraw();
            }
        });
        menu.exec(plot->mapToGlobal(at));
    });
    if (kind != plots::FigureKind::Load)  // the heatmap view zooms its step axis itself
        plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    return plot;
}

void DashboardView::setData(std::shared_ptr<const io::TraceData> trace, const QString& title,
                            const QString& source) {
    const bool sameSource = m_heatmap != nullptr && source == m_source && m_data &&
                            trace->nExperts == m_data->nExperts;
    // The heatmap view points into the data: hand it the new data before the old one goes.
    if (sameSource) m_heatmap->setData(*trace);
    m_data = std::move(trace);
    m_title = title;
    m_source = source;
    m_titleLabel->setText(title);
    m_titleLabel->setToolTip(title);
    redrawHeatmap(sameSource);
    redraw();
}

plots::HeatmapOptions DashboardView::heatmapOptions() const {
    plots::HeatmapOptions options;
    options.field = heatmapField();
    options.statistic = static_cast<plots::BinStatistic>(m_statistic->currentData().toInt());
    options.maxBins = std::max(1, m_load->width() - 120);  // about one column per pixel
    return options;
}

void DashboardView::dropHeatmap() {
    delete m_readout;
    delete m_heatmap;
    m_readout = nullptr;
    m_heatmap = nullptr;
}

void DashboardView::redrawHeatmap(bool sameSource) {
    if (!sameSource) {
        dropHeatmap();
        m_load->clearPlottables();
        m_load->clearItems();
        m_load->plotLayout()->clear();
        m_heatmap = new plots::HeatmapView(*m_load, *m_load->plotLayout(), *m_data, heatmapOptions());
        m_heatmap->enableZoomAndPan();
        m_readout = new plots::HeatmapReadout(*m_load, *m_heatmap);
    }
    m_load->replot(QCustomPlot::rpQueuedReplot);
}

QString DashboardView::heatmapReadout(const QPointF& pixel) const {
    return m_readout ? m_readout->textAt(pixel) : QString();
}

void DashboardView::clear() {
    m_data.reset();
    m_title.clear();
    m_titleLabel->setText(tr("No run or trace yet: start a run (F5) or open a trace."));
    m_source.clear();
    dropHeatmap();
    for (QCustomPlot* plot : plots()) {
        plot->clearPlottables();
        plot->clearItems();
        plot->plotLayout()->clear();
        plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

QCustomPlot* DashboardView::plot(plots::FigureKind kind) const {
    switch (kind) {
        case plots::FigureKind::Load:
            return m_load;
        case plots::FigureKind::Drops:
            return m_drops;
        case plots::FigureKind::Collapse:
            return m_collapse;
        case plots::FigureKind::Loss:
            return m_loss;
        case plots::FigureKind::All:
            break;
    }
    return nullptr;
}

std::vector<QCustomPlot*> DashboardView::plots() const {
    return {m_load, m_drops, m_collapse, m_loss};
}

plots::HeatmapField DashboardView::heatmapField() const {
    return static_cast<plots::HeatmapField>(m_field->currentData().toInt());
}

void DashboardView::redraw() {
    if (!m_data) return;
    for (QCustomPlot* plot : {m_drops, m_collapse, m_loss}) {
        const auto kind = static_cast<plots::FigureKind>(plot->property("figureKind").toInt());
        drawPanel(*plot, *m_data, kind);
        plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

}  // namespace moe::gui
