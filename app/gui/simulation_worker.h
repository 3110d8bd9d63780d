// SPDX-License-Identifier: MIT
#pragma once

#include "app/gui/scenario_config_qt.h"  // first: see there
#include "app/gui/run_types.h"

#include <QObject>
#include <QString>

namespace moe::gui {

class RunGate;

/// Runs one scenario on the thread it lives on, through the same loop as `moelab run`
/// (app/cli/run_loop.h), so a run from the app writes the same trace as a headless one. It
/// never touches a widget: steps leave as copies in batches (at most one about every 40 ms,
/// or every step while paused, so single steps show at once) through queued signals.
class SimulationWorker : public QObject {
    Q_OBJECT
public:
    /// `gate` (owned by the controller, which outlives the worker) pauses and stops the run.
    explicit SimulationWorker(RunGate& gate, QObject* parent = nullptr);

    /// Builds the simulation and runs it to config.train.steps or until the gate stops it,
    /// writing `tracePath`. Blocks this thread for the whole run. Never throws: a failure
    /// (scenario this version cannot run, NaN, trace I/O) ends in finished() with status Failed.
    void run(const ScenarioConfig& config, const QString& tracePath);

signals:
    void stepsReady(const moe::gui::StepBatch& batch);
    void finished(const moe::gui::RunResult& result);

private:
    RunGate& m_gate;
};

}  // namespace moe::gui
