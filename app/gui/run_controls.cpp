// SPDX-License-Identifier: MIT
#include "app/gui/run_controls.h"

#include <QAction>
#include <QLabel>
#include <QProgressBar>
#include <QStyle>
#include <QToolBar>

namespace moe::gui {
namespace {

QAction* makeAction(QObject* parent, const QString& text, const QKeySequence& key,
                    const QString& tip) {
    auto* action = new QAction(text, parent);
    action->setShortcut(key);
    action->setToolTip(QStringLiteral("%1 (%2)").arg(tip, key.toString()));
    return action;
}

}  // namespace

RunControls::RunControls(QObject* parent) : QObject(parent) {
    m_run = makeAction(this, tr("&Run"), QKeySequence(Qt::Key_F5),
                       tr("Start the scenario, or resume a paused run"));
    m_pause = makeAction(this, tr("&Pause"), QKeySequence(Qt::Key_F6), tr("Pause the run"));
    m_step = makeAction(this, tr("S&tep"), QKeySequence(Qt::Key_F10),
                        tr("Run one step (starts a paused run if none is in progress)"));
    m_stop = makeAction(this, tr("St&op"), QKeySequence(Qt::SHIFT | Qt::Key_F5),
                        tr("Stop the run; its trace keeps every step so far"));
    m_reset = makeAction(this, tr("R&eset"), QKeySequence(Qt::CTRL | Qt::Key_R),
                         tr("Stop any run and clear its plots"));
    connect(m_run, &QAction::triggered, this, &RunControls::runTriggered);
    connect(m_pause, &QAction::triggered, this, &RunControls::pauseTriggered);
    connect(m_step, &QAction::triggered, this, &RunControls::stepTriggered);
    connect(m_stop, &QAction::triggered, this, &RunControls::stopTriggered);
    connect(m_reset, &QAction::triggered, this, &RunControls::resetTriggered);

    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("runProgress"));
    m_progress->setMinimumWidth(160);
    m_progress->setMaximumWidth(260);
    m_progress->setFormat(QStringLiteral("%v / %m steps"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_rate = new QLabel(tr("  idle  "));
    m_rate->setObjectName(QStringLiteral("runRate"));
    m_rate->setMinimumWidth(110);
}

void RunControls::addTo(QToolBar& toolBar) {
    for (QAction* action : {m_run, m_pause, m_step, m_stop, m_reset}) toolBar.addAction(action);
    toolBar.addSeparator();
    toolBar.addWidget(m_progress);
    toolBar.addWidget(m_rate);
}

void RunControls::update(SimulationController::State state, bool canStart) {
    using State = SimulationController::State;
    const bool busy = state == State::Running || state == State::Paused;
    m_run->setEnabled(state == State::Paused || (!busy && canStart));
    m_pause->setEnabled(state == State::Running);
    m_step->setEnabled(state == State::Paused || (!busy && canStart));
    m_stop->setEnabled(busy);
    m_reset->setEnabled(state != State::Idle);
    switch (state) {
        case State::Idle:
            m_rate->setText(tr("  idle  "));
            m_progress->setValue(0);
            break;
        case State::Paused:
            m_rate->setText(tr("  paused  "));
            break;
        case State::Finished:
            m_rate->setText(tr("  finished  "));
            break;
        case State::Running:
            break;
    }
}

void RunControls::showProgress(qint64 done, qint64 total, double stepsPerSecond) {
    // QProgressBar counts in int; runs longer than 2^31 steps show in thousands.
    const int scale = total > 0x7fffffff ? 1000 : 1;
    m_progress->setRange(0, static_cast<int>(std::max<qint64>(total / scale, 1)));
    m_progress->setValue(static_cast<int>(done / scale));
    if (stepsPerSecond > 0) m_rate->setText(tr("  %1 steps/s  ").arg(stepsPerSecond, 0, 'f', 1));
}

QString RunControls::rateText() const {
    return m_rate->text().trimmed();
}

}  // namespace moe::gui
