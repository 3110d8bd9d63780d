// SPDX-License-Identifier: MIT
#include "app/gui/simulation_worker.h"

#include "app/cli/run_loop.h"
#include "app/gui/run_gate.h"
#include "core/sim/simulation.h"

#include <chrono>
#include <exception>
#include <memory>

namespace moe::gui {
namespace {

constexpr auto kBatchInterval = std::chrono::milliseconds(40);

RunResult::Status statusOf(app::RunStatus status) {
    switch (status) {
        case app::RunStatus::Completed:
            return RunResult::Status::Completed;
        case app::RunStatus::Stopped:
            return RunResult::Status::Stopped;
        case app::RunStatus::Failed:
            break;
    }
    return RunResult::Status::Failed;
}

}  // namespace

SimulationWorker::SimulationWorker(RunGate& gate, QObject* parent)
    : QObject(parent), m_gate(gate) {}

void SimulationWorker::run(const ScenarioConfig& config, const QString& tracePath) {
    RunResult result;
    result.tracePath = tracePath;
    std::unique_ptr<Simulation> sim;
    try {
        sim = std::make_unique<Simulation>(config);
    } catch (const std::exception& e) {
        result.status = RunResult::Status::Failed;
        result.error = QString::fromStdString(e.what());
        emit finished(result);
        return;
    }

    StepBatch pending;
    auto lastSent = std::chrono::steady_clock::now();
    const auto send = [&] {
        if (pending.steps.empty()) return;
        emit stepsReady(pending);
        pending.steps.clear();
        lastSent = std::chrono::steady_clock::now();
    };
    app::RunHooks hooks;
    hooks.stop = m_gate.stopFlag();
    hooks.beforeStep = [&] { m_gate.waitForStep(send); };
    hooks.onStep = [&](const StepStats& stats) {
        pending.steps.push_back(stats);
        if (m_gate.paused() || std::chrono::steady_clock::now() - lastSent >= kBatchInterval)
            send();
    };
    const app::RunOutcome outcome = app::runToTrace(*sim, tracePath.toStdString(), hooks);
    send();
    // A completed run's trace has its final name; a stopped or failed one stays NAME.partial.
    if (!outcome.tracePath.empty()) result.tracePath = QString::fromStdString(outcome.tracePath);
    result.status = statusOf(outcome.status);
    result.error = QString::fromStdString(outcome.error);
    result.steps = outcome.steps;
    result.seconds = outcome.seconds;
    emit finished(result);
}

}  // namespace moe::gui
