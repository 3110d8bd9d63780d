// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QWidget>

class QCustomPlot;
class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTreeView;

namespace moe::io {
struct TraceHeader;
}

namespace moe::plots {
class TraceTreeModel;
}

namespace moe::gui {

/// What the shown file holds: its header (versions, router, experts, rows, seed, creation time),
/// the tree of its groups, datasets (shape, type, chunks, compression) and attributes, the
/// scenario text that produced it, and any numeric 1-D or 2-D dataset plotted on a double-click.
/// Any HDF5 file opens here, dumped token streams included.
class TraceBrowserPanel : public QWidget {
    Q_OBJECT
public:
    explicit TraceBrowserPanel(QWidget* parent = nullptr);

    /// Shows a trace's header; `source` names it ("live run, ..." for a run in progress).
    void showHeader(const io::TraceHeader& header, const QString& source);
    /// Lists every object of the HDF5 file `path` in the tree; false (the reason shown) if it
    /// cannot be read.
    bool showFile(const QString& path);
    /// Plots the dataset at absolute `dataset` path of the listed file ("/layer_0/load_cv"), as
    /// a double-click does; false (the reason shown) if it cannot.
    bool plotDataset(const QString& dataset);
    void clear();

    QString scenarioText() const;
    QString summary() const;
    const plots::TraceTreeModel& model() const { return *m_model; }
    QCustomPlot* datasetPlot() const { return m_datasetPlot; }

private:
    QLabel* m_summary = nullptr;
    QLabel* m_fileSummary = nullptr;
    QTreeView* m_tree = nullptr;
    plots::TraceTreeModel* m_model = nullptr;
    QTabWidget* m_tabs = nullptr;
    QPlainTextEdit* m_scenario = nullptr;
    QCustomPlot* m_datasetPlot = nullptr;
    QString m_path;
};

}  // namespace moe::gui
