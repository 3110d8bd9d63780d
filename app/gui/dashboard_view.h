// SPDX-License-Identifier: MIT
#pragma once

#include "plots/expert_load_heatmap.h"
#include "plots/figure.h"
#include "plots/heatmap_view.h"

#include <QString>
#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QCustomPlot;
class QLabel;
class QPointF;

namespace moe::io {
struct TraceData;
}

namespace moe::gui {

/// The four plots of a trace, one widget each so that each can be docked, zoomed and exported
/// alone: expert load heatmap, drops, collapse indicators and losses, under the trace's title.
/// The whole dashboard exports as the `moelab plot --kind all` figure.
class DashboardView : public QWidget {
    Q_OBJECT
public:
    explicit DashboardView(QWidget* parent = nullptr);

    /// Draws `trace` in every plot (the data is kept and may be shared with other views).
    /// `source` names where it comes from (a file, a run): new data from the same source (a
    /// growing trace) keeps the heatmap's zoom.
    void setData(std::shared_ptr<const io::TraceData> trace, const QString& title,
                 const QString& source);
    void clear();

    const std::shared_ptr<const io::TraceData>& data() const { return m_data; }
    QString title() const { return m_title; }

    /// The plot of `kind` (Load, Drops, Collapse or Loss).
    QCustomPlot* plot(plots::FigureKind kind) const;
    std::vector<QCustomPlot*> plots() const;
    plots::HeatmapField heatmapField() const;
    /// The heatmap's hover read-out at `pixel` of its plot; empty outside the map.
    QString heatmapReadout(const QPointF& pixel) const;

signals:
    /// The user asked to export one plot (context menu).
    void exportPlotRequested(QCustomPlot* plot, const QString& name);
    /// The user asked to export one plot's curves as CSV (context menu).
    void exportCsvRequested(QCustomPlot* plot, const QString& name);

private:
    void redraw();
    void redrawHeatmap(bool sameSource);
    void dropHeatmap();
    plots::HeatmapOptions heatmapOptions() const;
    QCustomPlot* makePlot(plots::FigureKind kind, const QString& name);

    QLabel* m_titleLabel = nullptr;
    QComboBox* m_field = nullptr;
    QComboBox* m_statistic = nullptr;
    plots::HeatmapView* m_heatmap = nullptr;        ///< child of m_load
    plots::HeatmapReadout* m_readout = nullptr;     ///< child of m_load
    QCustomPlot* m_load = nullptr;
    QCustomPlot* m_drops = nullptr;
    QCustomPlot* m_collapse = nullptr;
    QCustomPlot* m_loss = nullptr;
    std::shared_ptr<const io::TraceData> m_data;
    QString m_title;
    QString m_source;
};

/// Clears `plot` and draws the panel `kind` of `data` into its whole layout, without the
/// figure title (drawFigure without its heading line).
void drawPanel(QCustomPlot& plot, const io::TraceData& data, plots::FigureKind kind,
               const plots::HeatmapOptions& heatmap = {});

}  // namespace moe::gui
