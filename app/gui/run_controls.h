// SPDX-License-Identifier: MIT
#pragma once

#include "app/gui/simulation_controller.h"

#include <QObject>

class QAction;
class QLabel;
class QProgressBar;
class QToolBar;
class QWidget;

namespace moe::gui {

/// The run actions with their shortcuts (F5 run or resume, F6 pause, F10 single step,
/// Shift+F5 stop, Ctrl+R reset) and the progress read-out (progress bar and steps/s), kept
/// enabled or disabled to match the controller's state. Triggering an action only emits its
/// signal; the main window decides what starting a run means.
class RunControls : public QObject {
    Q_OBJECT
public:
    explicit RunControls(QObject* parent = nullptr);

    QAction* runAction() const { return m_run; }
    QAction* pauseAction() const { return m_pause; }
    QAction* stepAction() const { return m_step; }
    QAction* stopAction() const { return m_stop; }
    QAction* resetAction() const { return m_reset; }

    /// Adds the actions and the read-out to `toolBar`.
    void addTo(QToolBar& toolBar);

    /// Enables the actions that make sense in `state`; `canStart` says whether the scenario is
    /// valid.
    void update(SimulationController::State state, bool canStart);
    void showProgress(qint64 done, qint64 total, double stepsPerSecond);
    QString rateText() const;

signals:
    void runTriggered();
    void pauseTriggered();
    void stepTriggered();
    void stopTriggered();
    void resetTriggered();

private:
    QAction* m_run = nullptr;
    QAction* m_pause = nullptr;
    QAction* m_step = nullptr;
    QAction* m_stop = nullptr;
    QAction* m_reset = nullptr;
    QProgressBar* m_progress = nullptr;  ///< owned by the tool bar once added
    QLabel* m_rate = nullptr;            ///< owned by the tool bar once added
};

}  // namespace moe::gui
