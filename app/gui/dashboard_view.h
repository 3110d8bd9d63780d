// SPDX-License-Identifier: MIT
#pragma once

#include "plots/expert_load_heatmap.h"
#include "plots/figure.h"

#include <QString>
#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QCustomPlot;
class QLabel;

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

    /// Draws `data` in every plot (the data is kept and may be shared with other views).
    void setData(std::shared_ptr<const io::TraceData> trace, const QString& title);
    void clear();

    const std::shared_ptr<const io::TraceData>& data() const { return m_data; }
    QString title() const { return m_title; }

    /// The plot of `kind` (Load, Drops, Collapse or Loss).
    QCustomPlot* plot(plots::FigureKind kind) const;
    std::vector<QCustomPlot*> plots() const;
    plots::HeatmapField heatmapField() const;

signals:
    /// The user asked to export one plot (context menu).
    void exportPlotRequested(QCustomPlot* plot, const QString& name);

private:
    void redraw();
    QCustomPlot* makePlot(plots::FigureKind kind, const QString& name);

    QLabel* m_titleLabel = nullptr;
    QComboBox* m_field = nullptr;
    QCustomPlot* m_load = nullptr;
    QCustomPlot* m_drops = nullptr;
    QCustomPlot* m_collapse = nullptr;
    QCustomPlot* m_loss = nullptr;
    std::shared_ptr<const io::TraceData> m_data;
    QString m_title;
};

/// Clears `plot` and draws the panel `kind` of `data` into its whole layout, without the
/// figure title (drawFigure without its heading line).
void drawPanel(QCustomPlot& plot, const io::TraceData& data, plots::FigureKind kind,
               const plots::HeatmapOptions& heatmap = {});

}  // namespace moe::gui
