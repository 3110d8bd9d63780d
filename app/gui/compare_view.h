// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QCustomPlot;
class QHBoxLayout;
class QListWidget;

namespace moe::io {
struct TraceData;
}

namespace moe::gui {

/// Several runs side by side: one curve of the chosen metric per run on shared axes, and each
/// run's load heatmap in a row beneath. Runs are added from trace files or from the run shown.
class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);

    void addRun(const QString& name, std::shared_ptr<const io::TraceData> trace);
    void removeRun(int index);
    void clearRuns();
    int runCount() const { return static_cast<int>(m_runs.size()); }
    /// The per-step dataset the curves show ("drop_fraction", ...).
    QString metric() const;
    bool setMetric(const QString& dataset);

    QCustomPlot* curvePlot() const { return m_curves; }
    std::vector<QCustomPlot*> heatmapPlots() const { return m_heatmaps; }

signals:
    void addTraceRequested();
    void addCurrentRequested();
    /// The user asked to export one of the view's plots (context menu).
    void exportPlotRequested(QCustomPlot* plot, const QString& name);

private:
    struct Run {
        QString name;
        std::shared_ptr<const io::TraceData> data;
    };
    void redraw();
    void offerExport(QCustomPlot* plot, const QString& name);

    QListWidget* m_list = nullptr;
    QComboBox* m_metric = nullptr;
    QCustomPlot* m_curves = nullptr;
    QHBoxLayout* m_heatmapRow = nullptr;
    std::vector<QCustomPlot*> m_heatmaps;
    std::vector<Run> m_runs;
};

}  // namespace moe::gui
