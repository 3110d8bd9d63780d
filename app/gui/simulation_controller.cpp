// SPDX-License-Identifier: MIT
#include "app/gui/simulation_controller.h"

#include "app/gui/simulation_worker.h"

namespace moe::gui {
namespace {
constexpr qint64 kRateWindowMs = 1000;
}

SimulationController::SimulationController(QObject* parent) : QObject(parent) {
    qRegisterMetaType<moe::gui::StepBatch>();
    qRegisterMetaType<moe::gui::RunResult>();
    m_worker = new SimulationWorker(m_gate);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &SimulationWorker::stepsReady, this, &SimulationController::onSteps);
    connect(m_worker, &SimulationWorker::finished, this, &SimulationController::onFinished);
    m_thread.setObjectName(QStringLiteral("simulation"));
    m_thread.start();
}

SimulationController::~SimulationController() {
    m_gate.stop();
    m_thread.quit();
    m_thread.wait();
}

bool SimulationController::start(const ScenarioConfig& config, const QString& tracePath,
                                 bool paused) {
    if (busy()) return false;
    m_gate.reset(paused);
    m_resetPending = false;
    m_stepsDone = 0;
    m_totalSteps = config.train.steps;
    m_stepsPerSecond = 0;
    m_rateWindow.clear();
    m_clock.start();
    SimulationWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker, config, tracePath] { worker->run(config, tracePath); },
        Qt::QueuedConnection);
    setState(paused ? State::Paused : State::Running);
    emit progress(0, m_totalSteps, 0);
    return true;
}

void SimulationController::pause() {
    if (m_state != State::Running) return;
    m_gate.setPaused(true);
    setState(State::Paused);
}

void SimulationController::resume() {
    if (m_state != State::Paused) return;
    m_gate.setPaused(false);
    setState(State::Running);
}

void SimulationController::step() {
    if (m_state == State::Paused) m_gate.releaseStep();
}

void SimulationController::stop() {
    if (busy()) m_gate.stop();
}

void SimulationController::reset() {
    if (busy()) {
        m_resetPending = true;
        m_gate.stop();
        return;
    }
    m_stepsDone = 0;
    m_stepsPerSecond = 0;
    setState(State::Idle);
}

void SimulationController::onSteps(const StepBatch& batch) {
    if (batch.steps.empty() || m_resetPending) return;  // a reset run's steps are not shown
    m_stepsDone = batch.steps.back().step + 1;
    const qint64 now = m_clock.elapsed();
    m_rateWindow.emplace_back(now, m_stepsDone);
    while (m_rateWindow.size() > 2 && now - m_rateWindow[1].first >= kRateWindowMs)
        m_rateWindow.pop_front();
    const auto& [firstMs, firstSteps] = m_rateWindow.front();
    if (now > firstMs)
        m_stepsPerSecond = 1000.0 * static_cast<double>(m_stepsDone - firstSteps) /
                           static_cast<double>(now - firstMs);
    emit stepsArrived(batch);
    emit progress(m_stepsDone, m_totalSteps, m_stepsPerSecond);
}

void SimulationController::onFinished(const RunResult& result) {
    emit finished(result);
    if (m_resetPending) {
        m_resetPending = false;
        m_stepsDone = 0;
        m_stepsPerSecond = 0;
        setState(State::Idle);
    } else {
        setState(State::Finished);
    }
}

void SimulationController::setState(State state) {
    if (state == m_state) return;
    m_state = state;
    emit stateChanged(state);
}

}  // namespace moe::gui
