// SPDX-License-Identifier: MIT
#pragma once

#include "app/gui/scenario_config_qt.h"  // first: see there
#include "app/gui/app_settings.h"
#include "app/gui/live_trace.h"
#include "app/gui/simulation_controller.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QString>
#include <QTimer>

#include <memory>

class QCustomPlot;
class QDockWidget;
class QMenu;

namespace moe::io {
struct TraceData;
}

namespace moe::gui {

class CompareView;
class DashboardView;
class LogView;
class RunControls;
class ScenarioPanel;
class StepInspectorPanel;
class TraceBrowserPanel;
class TraceFollower;

/// The desktop app's window: composes the scenario panel, the run controls, the dashboard
/// (central) and the docks (step inspector, trace browser, compare, log), and routes data
/// between them. Logic lives in the parts; this class only connects them and owns the menus.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// `settingsPath`: an INI file for QSettings (tests); empty uses the user's settings.
    explicit MainWindow(const QString& settingsPath = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens a scenario (.ini) into the form or a trace (anything else) into the plots; false
    /// (with the reason in the log and the status bar) if it cannot.
    bool openPath(const QString& path);
    bool openTrace(const QString& path);
    bool openScenario(const QString& path);

    /// Starts the scenario of the form (F5), `paused` for single steps; false if the scenario is
    /// invalid or a run is in progress.
    bool startRun(bool paused = false);
    /// Folder the runs' traces are written to (default: the system's temporary folder).
    void setRunFolder(const QString& folder) { m_runFolder = folder; }

    /// Adds the shown run or trace to the compare view.
    void compareShown();
    bool compareTrace(const QString& path);

    SimulationController& controller() { return *m_controller; }
    ScenarioPanel& scenarioPanel() { return *m_scenario; }
    DashboardView& dashboard() { return *m_dashboard; }
    CompareView& compareView() { return *m_compare; }
    StepInspectorPanel& stepInspector() { return *m_inspector; }
    TraceBrowserPanel& traceBrowser() { return *m_browser; }
    RunControls& runControls() { return *m_runControls; }
    LogView& log() { return *m_log; }
    AppSettings& settings() { return m_settings; }
    QDockWidget* compareDock() const { return m_compareDock; }
    /// The trace the last run wrote (empty before the first run).
    QString lastRunTrace() const { return m_lastRunTrace; }
    /// Redraws of the shown data so far (tests check they stay below the steps run).
    int refreshCount() const { return m_refreshCount; }

    /// Writes the dashboard figure, the shown plot of `kind`, the curves (CSV) or the scenario
    /// of the shown data; the error is logged and returned.
    bool exportDashboardTo(const QString& path);
    bool exportCurvesTo(const QString& path);
    bool exportScenarioTo(const QString& path);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildDocks();
    void buildMenus();
    QDockWidget* addDock(QWidget* widget, const QString& title, const QString& name,
                         Qt::DockWidgetArea area);
    void updateActions();
    void rebuildRecentMenu();
    /// Shows `trace` everywhere; `tracePath` is its file (empty for a live run).
    void showData(std::shared_ptr<const io::TraceData> trace, const QString& source,
                  const QString& tracePath);
    void scheduleRefresh();
    void refreshLive();
    void onRunFinished(const RunResult& result);
    void stepOnce();
    void resetRun();
    void exportPlot(QCustomPlot* plot, const QString& name);
    void exportPlotCsv(QCustomPlot* plot, const QString& name);
    void askExportDashboard();
    void askExportCurves();
    void askExportScenario();
    void showAbout();
    void reportError(const QString& message);

    AppSettings m_settings;
    SimulationController* m_controller = nullptr;
    RunControls* m_runControls = nullptr;
    ScenarioPanel* m_scenario = nullptr;
    DashboardView* m_dashboard = nullptr;
    StepInspectorPanel* m_inspector = nullptr;
    TraceBrowserPanel* m_browser = nullptr;
    CompareView* m_compare = nullptr;
    LogView* m_log = nullptr;
    TraceFollower* m_follower = nullptr;
    QDockWidget* m_compareDock = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;

    LiveTrace m_live;
    QString m_liveSource;  ///< "live run: FILE" while a run is shown
    QTimer m_refreshTimer;  ///< coalesces live updates into at most ~25 redraws a second
    int m_refreshCount = 0;
    QString m_runFolder;
    QString m_lastRunTrace;
    QString m_shownSource;  ///< file name or run shown in the plots
};

}  // namespace moe::gui
