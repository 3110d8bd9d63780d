// SPDX-License-Identifier: MIT
#pragma once

#include "plots/comparison.h"
#include "plots/figure.h"

#include <QString>
#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QCustomPlot;
class QListWidget;

namespace moe::io {
struct TraceData;
}

namespace moe::gui {

/// Several runs side by side (plots/comparison.h): every run's curves of one figure (drops,
/// collapse or losses) overlaid, a colour per run, and their load heatmaps side by side on one
/// colour range. Runs are added from trace files or from the run shown.
class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);

    void addRun(const QString& name, std::shared_ptr<const io::TraceData> trace);
    void removeRun(int index);
    void clearRuns();
    int runCount() const { return static_cast<int>(m_runs.size()); }
    /// The runs as the comparison figures take them (valid while the view keeps them).
    std::vector<plots::RunSeries> series() const;
    /// The figure of the curve plot: Drops, Collapse or Loss.
    plots::FigureKind curveKind() const;
    bool setCurveKind(plots::FigureKind kind);

    QCustomPlot* curvePlot() const { return m_curves; }
    QCustomPlot* heatmapPlot() const { return m_heatmaps; }

signals:
    void addTraceRequested();
    void addCurrentRequested();
    /// The user asked to export one of the view's plots (context menu): as an image, or its
    /// curves as CSV.
    void exportPlotRequested(QCustomPlot* plot, const QString& name);
    void exportCsvRequested(QCustomPlot* plot, const QString& name);

private:
    struct Run {
        QString name;
        std::shared_ptr<const io::TraceData> data;
    };
    void redraw();
    void offerExport(QCustomPlot* plot, const QString& name);

    QListWidget* m_list = nullptr;
    QComboBox* m_kind = nullptr;
    QCustomPlot* m_curves = nullptr;
    QCustomPlot* m_heatmaps = nullptr;
    std::vector<Run> m_runs;
};

}  // namespace moe::gui
