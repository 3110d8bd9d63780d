// SPDX-License-Identifier: MIT
#include "app/gui/trace_browser_panel.h"

#include "core/io/hdf5_catalog.h"
#include "core/io/trace_reader.h"
#include "plots/dataset_plot.h"
#include "plots/trace_tree_model.h"

#include <QFileInfo>
#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTabWidget>
#include <QTreeView>
#include <QVBoxLayout>
#include <qcustomplot.h>

namespace moe::gui {

TraceBrowserPanel::TraceBrowserPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("traceSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    m_fileSummary = new QLabel;
    m_fileSummary->setWordWrap(true);
    layout->addWidget(m_fileSummary);

    auto* splitter = new QSplitter(Qt::Vertical);
    m_model = new plots::TraceTreeModel(this);
    m_tree = new QTreeView;
    m_tree->setObjectName(QStringLiteral("traceTree"));
    m_tree->setModel(m_model);
    m_tree->setUniformRowHeights(true);
    m_tree->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_tree->setToolTip(tr("Double-click a 1-D or 2-D numeric dataset to plot it"));
    splitter->addWidget(m_tree);
    m_tabs = new QTabWidget;
    m_scenario = new QPlainTextEdit;
    m_scenario->setObjectName(QStringLiteral("traceScenario"));
    m_scenario->setReadOnly(true);
    m_scenario->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_tabs->addTab(m_scenario, tr("Scenario that produced it"));
    m_datasetPlot = new QCustomPlot;
    m_datasetPlot->setObjectName(QStringLiteral("datasetPlot"));
    m_datasetPlot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_tabs->addTab(m_datasetPlot, tr("Dataset"));
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);

    connect(m_tree, &QTreeView::doubleClicked, this, [this](const QModelIndex& index) {
        if (index.data(plots::TraceTreeModel::PlottableRole).toBool())
            plotDataset(index.data(plots::TraceTreeModel::PathRole).toString());
    });
    clear();
}

void TraceBrowserPanel::showHeader(const io::TraceHeader& header, const QString& source) {
    m_summary->setText(
        tr("<b>%1</b><br>schema %2, moelab %3; router %4, %5 experts, %6 layer(s); "
           "%7 rows, %8 snapshots, seed %9; created %10")
            .arg(source.toHtmlEscaped(), QString::fromStdString(header.schemaVersion),
                 QString::fromStdString(header.moelabVersion),
                 QString::fromStdString(header.routerKind))
            .arg(header.nExperts)
            .arg(header.nLayers)
            .arg(header.rows)
            .arg(header.snapshots)
            .arg(header.seed)
            .arg(header.created.empty() ? tr("(in progress)")
                                        : QString::fromStdString(header.created)));
    if (m_scenario->toPlainText().toStdString() != header.scenario)
        m_scenario->setPlainText(QString::fromStdString(header.scenario));
}

bool TraceBrowserPanel::showFile(const QString& path) {
    auto root = io::describeHdf5File(path.toStdString());
    if (!root) {
        m_fileSummary->setText(QString::fromStdString(root.error()));
        return false;
    }
    m_path = path;
    m_fileSummary->setText(tr("%1: %2").arg(QFileInfo(path).fileName(),
                                            QString::fromStdString(io::hdf5FileSummary(*root))));
    m_model->setFile(std::move(*root));
    m_tree->expandToDepth(0);
    return true;
}

bool TraceBrowserPanel::plotDataset(const QString& dataset) {
    const io::Hdf5Node* node = io::findHdf5Node(m_model->root(), dataset.toStdString());
    if (node == nullptr || m_path.isEmpty()) return false;
    const auto drawn = plots::drawDataset(*m_datasetPlot, m_path.toStdString(), *node,
                                          std::max(m_datasetPlot->width(), 400));
    m_tabs->setCurrentWidget(m_datasetPlot);
    if (!drawn) {
        m_fileSummary->setText(QString::fromStdString(drawn.error()));
        return false;
    }
    m_datasetPlot->replot(QCustomPlot::rpQueuedReplot);
    return true;
}

void TraceBrowserPanel::clear() {
    m_summary->setText(tr("No trace shown."));
    m_fileSummary->clear();
    m_scenario->clear();
    m_model->setFile({});
    m_path.clear();
}

QString TraceBrowserPanel::scenarioText() const {
    return m_scenario->toPlainText();
}

QString TraceBrowserPanel::summary() const {
    return m_fileSummary->text();
}

}  // namespace moe::gui
