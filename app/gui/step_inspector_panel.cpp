// SPDX-License-Identifier: MIT
#include "app/gui/step_inspector_panel.h"

#include "core/io/snapshot_reader.h"
#include "core/io/trace_reader.h"
#include "plots/step_inspector.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>

namespace moe::gui {

StepInspectorPanel::StepInspectorPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Step:")));
    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setObjectName(QStringLiteral("stepSlider"));
    m_slider->setEnabled(false);
    bar->addWidget(m_slider, 1);
    m_stepBox = new QSpinBox;
    m_stepBox->setObjectName(QStringLiteral("stepBox"));
    m_stepBox->setEnabled(false);
    m_stepBox->setMaximum(0);
    m_stepBox->setKeyboardTracking(false);
    bar->addWidget(m_stepBox);
    m_summary = new QLabel(tr("No trace shown."));
    bar->addWidget(m_summary);
    layout->addLayout(bar);
    m_plot = new QCustomPlot;
    m_plot->setObjectName(QStringLiteral("stepInspectorPlot"));
    m_plot->setMinimumHeight(120);
    layout->addWidget(m_plot, 1);

    connect(m_slider, &QSlider::valueChanged, this, [this](int row) {
        if (!m_updating) showRow(row);
    });
    connect(m_stepBox, &QSpinBox::valueChanged, this, [this](int step) {
        if (!m_updating) showStep(step);
    });
}

void StepInspectorPanel::setData(std::shared_ptr<const io::TraceData> trace,
                                 const QString& tracePath) {
    const bool followLast = !m_data || m_row < 0 || m_row + 1 >= m_data->rows;
    m_data = std::move(trace);
    if (tracePath != m_tracePath || tracePath.isEmpty()) {
        m_snapshot.reset();
        m_snapshotIndex = -1;
        m_snapshotSteps.clear();
    }
    m_tracePath = tracePath;
    // A growing trace gains snapshots too: read their steps again (one small dataset).
    if (!m_tracePath.isEmpty() && m_data) {
        auto steps = io::readSnapshotSteps(m_tracePath.toStdString());
        m_snapshotSteps = steps ? std::move(*steps) : std::vector<int64_t>();
    }
    const int64_t rows = m_data ? m_data->rows : 0;
    m_slider->setEnabled(rows > 0);
    m_stepBox->setEnabled(rows > 0);
    if (rows == 0) {
        m_row = -1;
        m_plot->clearPlottables();
        m_plot->clearItems();
        m_plot->plotLayout()->clear();
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        m_summary->setText(m_data ? tr("No steps recorded yet.") : tr("No trace shown."));
        return;
    }
    m_updating = true;
    m_slider->setRange(0, static_cast<int>(rows - 1));
    m_stepBox->setRange(0, static_cast<int>(m_data->step.back()));
    m_updating = false;
    showRow(followLast ? rows - 1 : std::min(m_row, rows - 1));
}

void StepInspectorPanel::showStep(int64_t step) {
    if (!m_data || m_data->step.empty()) return;
    const auto after = std::upper_bound(m_data->step.begin(), m_data->step.end(), step);
    showRow(std::max<int64_t>(0, after - m_data->step.begin() - 1));
}

const io::TraceSnapshot* StepInspectorPanel::snapshotNear(int64_t step) {
    const int64_t index = io::nearestSnapshot(m_snapshotSteps, step);
    if (index < 0) return nullptr;
    if (index != m_snapshotIndex) {
        auto snapshot = io::readSnapshot(m_tracePath.toStdString(), 0, index);
        m_snapshotIndex = index;
        m_snapshot = snapshot ? std::optional<io::TraceSnapshot>(std::move(*snapshot))
                              : std::nullopt;
    }
    return m_snapshot ? &*m_snapshot : nullptr;
}

void StepInspectorPanel::showRow(int64_t row) {
    if (!m_data || row < 0 || row >= m_data->rows) return;
    m_row = row;
    const int64_t step = m_data->step[static_cast<size_t>(row)];
    m_updating = true;
    m_slider->setValue(static_cast<int>(row));
    m_stepBox->setValue(static_cast<int>(step));
    m_updating = false;
    plots::drawStepInspector(*m_plot, *m_data, step, snapshotNear(step));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    const auto capacity = m_data->scalars.find("capacity");
    const double c =
        capacity == m_data->scalars.end() ? -1.0 : capacity->second[static_cast<size_t>(row)];
    m_summary->setText(c >= 0 ? tr("capacity %1 per expert").arg(c) : tr("no capacity limit"));
}

}  // namespace moe::gui
