// SPDX-License-Identifier: MIT
#pragma once

#include "app/gui/scenario_config_qt.h"  // first: see there
#include "app/gui/run_gate.h"
#include "app/gui/run_types.h"

#include <QElapsedTimer>
#include <QObject>
#include <QThread>

#include <cstdint>
#include <deque>
#include <utility>

namespace moe::gui {

class SimulationWorker;

/// Owns the simulation thread and its worker (SimulationWorker) and is the GUI thread's only
/// way to run, pause, step and stop a simulation. Lives on the GUI thread; its signals arrive
/// there.
class SimulationController : public QObject {
    Q_OBJECT
public:
    enum class State {
        Idle,      ///< no run yet, or reset
        Running,
        Paused,
        Finished,  ///< the last run completed, was stopped or failed; its data stays shown
    };

    explicit SimulationController(QObject* parent = nullptr);
    /// Stops a run in progress and waits for the thread to end (the trace is closed).
    ~SimulationController() override;

    /// Starts `config` writing `tracePath`, paused (nothing runs until step() or resume()) if
    /// `paused`. Returns false, doing nothing, while a run is in progress.
    bool start(const ScenarioConfig& config, const QString& tracePath, bool paused = false);
    void pause();
    void resume();
    /// Runs one step of a paused run.
    void step();
    /// Ends the run after the current step; finished() follows.
    void stop();
    /// Stops a run in progress and returns to Idle (at once when no run is in progress, after
    /// finished() otherwise).
    void reset();

    State state() const { return m_state; }
    bool busy() const { return m_state == State::Running || m_state == State::Paused; }
    int64_t stepsDone() const { return m_stepsDone; }
    int64_t totalSteps() const { return m_totalSteps; }
    /// Steps per second over about the last second of running.
    double stepsPerSecond() const { return m_stepsPerSecond; }

signals:
    void stateChanged(moe::gui::SimulationController::State state);
    /// A batch of steps, in order, as the worker ran them.
    void stepsArrived(const moe::gui::StepBatch& batch);
    /// After each batch: steps run so far of `total`, and the current rate.
    void progress(qint64 done, qint64 total, double stepsPerSecond);
    void finished(const moe::gui::RunResult& result);

private:
    void onSteps(const moe::gui::StepBatch& batch);
    void onFinished(const moe::gui::RunResult& result);
    void setState(State state);

    RunGate m_gate;
    QThread m_thread;
    SimulationWorker* m_worker = nullptr;  ///< lives on m_thread; deleted when it finishes
    State m_state = State::Idle;
    bool m_resetPending = false;
    int64_t m_stepsDone = 0;
    int64_t m_totalSteps = 0;
    double m_stepsPerSecond = 0;
    QElapsedTimer m_clock;
    std::deque<std::pair<qint64, int64_t>> m_rateWindow;  ///< (ms, steps done) of recent batches
};

}  // namespace moe::gui
