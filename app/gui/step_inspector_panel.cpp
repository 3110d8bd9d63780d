// SPDX-License-Identifier: MIT
#include "app/gui/step_inspector_panel.h"

#include "core/io/trace_reader.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSlider>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace moe::gui {
namespace {

const char* const kColumns[] = {"demand", "load", "dropped"};

double valueAt(const io::TraceData& data, const char* dataset, int64_t row, int expert) {
    const auto found = data.perExpert.find(dataset);
    if (found == data.perExpert.end() || row >= found->second.rows()) return std::nan("");
    return found->second(row, expert);
}

}  // namespace

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
    layout->addLayout(bar);
    m_summary = new QLabel(tr("No trace shown."));
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    m_table = new QTableWidget(0, 3);
    m_table->setHorizontalHeaderLabels({tr("demand"), tr("kept"), tr("dropped")});
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_table, 1);

    connect(m_slider, &QSlider::valueChanged, this, [this](int row) {
        if (!m_updating) showRow(row);
    });
    connect(m_stepBox, &QSpinBox::valueChanged, this, [this](int step) {
        if (!m_updating) showStep(step);
    });
}

void StepInspectorPanel::setData(std::shared_ptr<const io::TraceData> trace) {
    const bool followLast = !m_data || m_row < 0 || m_row + 1 >= m_data->rows;
    m_data = std::move(trace);
    const int64_t rows = m_data ? m_data->rows : 0;
    m_slider->setEnabled(rows > 0);
    m_stepBox->setEnabled(rows > 0);
    if (rows == 0) {
        m_row = -1;
        m_table->setRowCount(0);
        m_summary->setText(tr("No steps recorded yet."));
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

void StepInspectorPanel::showRow(int64_t row) {
    if (!m_data || row < 0 || row >= m_data->rows) return;
    m_row = row;
    m_updating = true;
    m_slider->setValue(static_cast<int>(row));
    m_stepBox->setValue(static_cast<int>(m_data->step[static_cast<size_t>(row)]));
    m_updating = false;
    const int nExperts = m_data->nExperts;
    m_table->setRowCount(nExperts);
    double demand = 0;
    double dropped = 0;
    for (int expert = 0; expert < nExperts; ++expert) {
        m_table->setVerticalHeaderItem(expert, new QTableWidgetItem(tr("expert %1").arg(expert)));
        for (int column = 0; column < 3; ++column) {
            const double value = valueAt(*m_data, kColumns[column], row, expert);
            m_table->setItem(expert, column, new QTableWidgetItem(QString::number(value, 'g', 6)));
        }
        demand += valueAt(*m_data, "demand", row, expert);
        dropped += valueAt(*m_data, "dropped", row, expert);
    }
    QString capacity = tr("unlimited");
    if (const auto found = m_data->scalars.find("capacity"); found != m_data->scalars.end()) {
        const double c = found->second[static_cast<size_t>(row)];
        if (c >= 0) capacity = QString::number(c, 'g', 10);
    }
    m_summary->setText(tr("step %1: capacity %2 per expert, demand %3, dropped %4")
                           .arg(m_data->step[static_cast<size_t>(row)])
                           .arg(capacity)
                           .arg(demand, 0, 'g', 8)
                           .arg(dropped, 0, 'g', 8));
}

}  // namespace moe::gui
