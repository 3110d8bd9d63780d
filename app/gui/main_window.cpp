// SPDX-License-Identifier: MIT
#include "app/gui/main_window.h"

#include "app/gui/compare_view.h"
#include "app/gui/dashboard_view.h"
#include "app/gui/export_actions.h"
#include "app/gui/log_view.h"
#include "app/gui/run_controls.h"
#include "app/gui/scenario_panel.h"
#include "app/gui/step_inspector_panel.h"
#include "app/gui/trace_browser_panel.h"
#include "app/gui/trace_follower.h"
#include "core/io/hdf5_catalog.h"
#include "core/io/trace_reader.h"
#include "plots/curve_csv.h"
#include "plots/trace_labels.h"

#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QStatusBar>
#include <QToolBar>
#include <qcustomplot.h>

#include <algorithm>

// Resources of a static library must be registered by name (outside any namespace).
static void initMoelabResources() {
    Q_INIT_RESOURCE(moelab);
}

namespace moe::gui {
namespace {

constexpr int kMinRefreshMs = 40;  // at most 25 redraws a second
const QString kImageFilter = QStringLiteral("PNG image (*.png);;SVG image (*.svg);;PDF (*.pdf)");

bool isScenarioFile(const QString& path) {
    return QFileInfo(path).suffix().compare(QLatin1String("ini"), Qt::CaseInsensitive) == 0;
}

}  // namespace

MainWindow::MainWindow(const QString& settingsPath, QWidget* parent)
    : QMainWindow(parent), m_settings(settingsPath) {
    initMoelabResources();
    setWindowTitle(QStringLiteral("moelab"));
    setWindowIcon(QIcon(QStringLiteral(":/moelab/moelab.svg")));
    setAcceptDrops(true);
    setDockNestingEnabled(true);

    m_controller = new SimulationController(this);
    m_follower = new TraceFollower(this);
    m_runControls = new RunControls(this);
    m_dashboard = new DashboardView;
    setCentralWidget(m_dashboard);
    buildDocks();
    buildMenus();
    auto* toolBar = addToolBar(tr("Run"));
    toolBar->setObjectName(QStringLiteral("runToolBar"));
    m_runControls->addTo(*toolBar);
    statusBar()->showMessage(tr("Ready"));

    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(kMinRefreshMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, &MainWindow::refreshLive);

    connect(m_scenario, &ScenarioPanel::scenarioChanged, this, [this] { updateActions(); });
    connect(m_runControls, &RunControls::runTriggered, this, [this] {
        if (m_controller->state() == SimulationController::State::Paused) {
            m_controller->resume();
        } else {
            startRun();
        }
    });
    connect(m_runControls, &RunControls::pauseTriggered, m_controller,
            &SimulationController::pause);
    connect(m_runControls, &RunControls::stepTriggered, this, &MainWindow::stepOnce);
    connect(m_runControls, &RunControls::stopTriggered, m_controller,
            &SimulationController::stop);
    connect(m_runControls, &RunControls::resetTriggered, this, &MainWindow::resetRun);
    connect(m_controller, &SimulationController::stateChanged, this, [this] { updateActions(); });
    connect(m_controller, &SimulationController::progress, m_runControls,
            &RunControls::showProgress);
    connect(m_controller, &SimulationController::stepsArrived, this,
            [this](const StepBatch& batch) {
                for (const StepStats& stats : batch.steps) m_live.append(stats);
                scheduleRefresh();
            });
    connect(m_controller, &SimulationController::finished, this, &MainWindow::onRunFinished);
    connect(m_follower, &TraceFollower::updated, this,
            [this](std::shared_ptr<const io::TraceData> trace) {
                showData(std::move(trace), QFileInfo(m_follower->path()).fileName(),
                         m_follower->path());
            });
    connect(m_follower, &TraceFollower::failed, this, &MainWindow::reportError);
    connect(m_dashboard, &DashboardView::exportPlotRequested, this, &MainWindow::exportPlot);
    connect(m_dashboard, &DashboardView::exportCsvRequested, this, &MainWindow::exportPlotCsv);
    connect(m_compare, &CompareView::exportCsvRequested, this, &MainWindow::exportPlotCsv);
    connect(m_compare, &CompareView::addCurrentRequested, this, &MainWindow::compareShown);
    connect(m_compare, &CompareView::exportPlotRequested, this, &MainWindow::exportPlot);
    connect(m_compare, &CompareView::addTraceRequested, this, [this] {
        const QStringList paths = QFileDialog::getOpenFileNames(
            this, tr("Add traces to compare"), {}, tr("moelab traces (*.h5 *.hdf5);;All files (*)"));
        for (const QString& path : paths) compareTrace(path);
    });

    resize(1280, 800);
    m_settings.restoreWindow(*this);
    m_scenario->setScenarioText(m_settings.lastScenario(), {});
    rebuildRecentMenu();
    updateActions();
}

MainWindow::~MainWindow() = default;

QDockWidget* MainWindow::addDock(QWidget* widget, const QString& title, const QString& name,
                                 Qt::DockWidgetArea area) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(name);
    dock->setWidget(widget);
    addDockWidget(area, dock);
    return dock;
}

void MainWindow::buildDocks() {
    m_scenario = new ScenarioPanel;
    m_inspector = new StepInspectorPanel;
    m_browser = new TraceBrowserPanel;
    m_compare = new CompareView;
    m_log = new LogView;
    QDockWidget* scenario =
        addDock(m_scenario, tr("Scenario"), QStringLiteral("scenarioDock"), Qt::LeftDockWidgetArea);
    QDockWidget* browser = addDock(m_browser, tr("Trace browser"), QStringLiteral("browserDock"),
                                   Qt::LeftDockWidgetArea);
    tabifyDockWidget(scenario, browser);
    scenario->raise();
    QDockWidget* inspector = addDock(m_inspector, tr("Step inspector"),
                                     QStringLiteral("inspectorDock"), Qt::BottomDockWidgetArea);
    m_compareDock =
        addDock(m_compare, tr("Compare"), QStringLiteral("compareDock"), Qt::BottomDockWidgetArea);
    QDockWidget* log = addDock(m_log, tr("Log"), QStringLiteral("logDock"), Qt::BottomDockWidgetArea);
    tabifyDockWidget(inspector, m_compareDock);
    tabifyDockWidget(m_compareDock, log);
    inspector->raise();
    resizeDocks({scenario}, {300}, Qt::Horizontal);
    resizeDocks({inspector}, {200}, Qt::Vertical);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open trace..."), QKeySequence::Open, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open trace"), {}, tr("moelab traces (*.h5 *.hdf5);;All files (*)"));
        if (!path.isEmpty()) openTrace(path);
    });
    file->addAction(tr("Open &scenario..."), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this,
                    [this] {
                        const QString path = QFileDialog::getOpenFileName(
                            this, tr("Open scenario"), {}, tr("Scenarios (*.ini);;All files (*)"));
                        if (!path.isEmpty()) openScenario(path);
                    });
    file->addAction(tr("Save scenario &as..."), QKeySequence::SaveAs, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save scenario"),
                                                          m_scenario->filePath(),
                                                          tr("Scenarios (*.ini)"));
        if (path.isEmpty()) return;
        QString error;
        if (m_scenario->saveFile(path, &error)) {
            m_log->info(tr("Scenario written to %1").arg(path));
        } else {
            reportError(error);
        }
    });
    file->addAction(tr("&Copy as command line"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C),
                    this, [this] {
                        const QString line = m_scenario->commandLine();
                        QApplication::clipboard()->setText(line);
                        m_log->info(tr("Copied: %1").arg(line));
                    });
    m_recentMenu = file->addMenu(tr("&Recent files"));
    QMenu* exports = file->addMenu(tr("&Export"));
    exports->addAction(tr("&Dashboard as image (PNG, SVG, PDF)..."), this,
                       &MainWindow::askExportDashboard);
    exports->addAction(tr("&Curves as CSV..."), this, &MainWindow::askExportCurves);
    exports->addAction(tr("&Scenario of the shown run..."), this,
                       &MainWindow::askExportScenario);
    QMenu* plotExports = exports->addMenu(tr("&One plot"));
    for (QCustomPlot* plot : m_dashboard->plots()) {
        const QString name = plot->objectName().remove(QStringLiteral("Plot"));
        plotExports->addAction(name + QStringLiteral("..."), this,
                               [this, plot, name] { exportPlot(plot, name); });
    }
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    for (QAction* action : {m_runControls->runAction(), m_runControls->pauseAction(),
                            m_runControls->stepAction(), m_runControls->stopAction(),
                            m_runControls->resetAction()})
        run->addAction(action);
    run->addSeparator();
    run->addAction(tr("Trace &folder..."), this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(
            this, tr("Folder for the traces of runs"),
            m_runFolder.isEmpty() ? QDir::tempPath() : m_runFolder);
        if (!folder.isEmpty()) m_runFolder = folder;
    });

    QMenu* compare = menuBar()->addMenu(tr("&Compare"));
    compare->addAction(tr("Add &shown run"), this, &MainWindow::compareShown);
    compare->addAction(tr("Add &trace..."), m_compare, &CompareView::addTraceRequested);
    compare->addAction(tr("&Clear"), m_compare, &CompareView::clearRuns);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        m_viewMenu->addAction(dock->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About moelab"), this, &MainWindow::showAbout);
}

void MainWindow::updateActions() {
    m_runControls->update(m_controller->state(), m_scenario->config().has_value());
    m_scenario->setEditable(!m_controller->busy());
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QStringList files = m_settings.recentFiles();
    for (const QString& path : files)
        m_recentMenu->addAction(path, this, [this, path] { openPath(path); });
    m_recentMenu->addSeparator();
    m_recentMenu->addAction(tr("Clear"), this, [this] {
        m_settings.clearRecentFiles();
        rebuildRecentMenu();
    });
    m_recentMenu->setEnabled(true);
}

bool MainWindow::openPath(const QString& path) {
    return isScenarioFile(path) ? openScenario(path) : openTrace(path);
}

bool MainWindow::openScenario(const QString& path) {
    QString error;
    if (!m_scenario->openFile(path, &error)) {
        reportError(error);
        return false;
    }
    m_settings.addRecentFile(path);
    rebuildRecentMenu();
    m_log->info(tr("Scenario %1 opened").arg(path));
    for (const QString& issue : m_scenario->issues()) m_log->error(issue);
    return true;
}

bool MainWindow::openTrace(const QString& path) {
    // Any other HDF5 file (a dumped token stream) is shown in the trace browser only.
    const auto root = io::describeHdf5File(path.toStdString());
    if (root && io::hdf5FileSummary(*root).rfind("moelab trace", 0) != 0) {
        m_browser->clear();
        m_browser->showFile(path);
        findChild<QDockWidget*>(QStringLiteral("browserDock"))->raise();
        m_log->info(tr("%1 is not a moelab trace; the trace browser shows what it holds: %2")
                        .arg(path, QString::fromStdString(io::hdf5FileSummary(*root))));
        m_settings.addRecentFile(path);
        rebuildRecentMenu();
        return true;
    }
    m_refreshTimer.stop();
    m_liveSource.clear();  // the plots stop following the run, which goes on
    if (!m_follower->follow(path)) return false;
    m_browser->showFile(path);
    m_settings.addRecentFile(path);
    rebuildRecentMenu();
    m_log->info(tr("Trace %1 opened (%2 rows); following it while it grows")
                    .arg(path)
                    .arg(m_dashboard->data() ? m_dashboard->data()->rows : 0));
    return true;
}

bool MainWindow::startRun(bool paused) {
    if (m_controller->busy()) return false;
    const std::optional<ScenarioConfig> config = m_scenario->config();
    if (!config) {
        reportError(tr("The scenario is not valid: %1").arg(m_scenario->issues().join("; ")));
        return false;
    }
    const QString folder = m_runFolder.isEmpty() ? QDir::tempPath() : m_runFolder;
    const QString path = QDir(folder).filePath(
        QStringLiteral("moelab-run-%1.h5")
            .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"))));
    m_follower->stop();
    m_live.begin(*config);
    m_liveSource = tr("live run, %1").arg(QFileInfo(path).fileName());
    m_lastRunTrace = path;
    m_dashboard->clear();
    m_controller->start(*config, path, paused);
    m_log->info(tr("Run started: %1 steps, trace %2").arg(config->train.steps).arg(path));
    statusBar()->showMessage(tr("Running; trace %1").arg(path));
    return true;
}

void MainWindow::stepOnce() {
    using State = SimulationController::State;
    if (m_controller->state() == State::Running) return;
    if (m_controller->state() != State::Paused && !startRun(/*paused=*/true)) return;
    m_controller->step();
}

void MainWindow::resetRun() {
    m_controller->reset();
    m_follower->stop();
    m_refreshTimer.stop();
    m_liveSource.clear();
    m_dashboard->clear();
    m_inspector->setData(nullptr);
    m_browser->clear();
    m_runControls->showProgress(0, 1, 0);
    m_log->info(tr("Reset"));
}

void MainWindow::scheduleRefresh() {
    if (!m_liveSource.isEmpty() && !m_refreshTimer.isActive()) m_refreshTimer.start();
}

void MainWindow::refreshLive() {
    if (m_liveSource.isEmpty()) return;
    QElapsedTimer clock;
    clock.start();
    showData(m_live.snapshot(), m_liveSource, {});
    // A redraw that takes long (a very long run) is spaced out so that it never takes more than
    // about a third of the GUI thread's time.
    m_refreshTimer.setInterval(std::max<int>(kMinRefreshMs, 2 * static_cast<int>(clock.elapsed())));
}

void MainWindow::showData(std::shared_ptr<const io::TraceData> trace, const QString& source,
                          const QString& tracePath) {
    ++m_refreshCount;
    m_shownSource = source;
    const QString title =
        QString::fromStdString(plots::figureTitle(*trace, 0, source.toStdString()));
    m_inspector->setData(trace, tracePath);
    m_browser->showHeader(*trace, source);
    m_dashboard->setData(std::move(trace), title, source);
}

void MainWindow::onRunFinished(const RunResult& result) {
    m_lastRunTrace = result.tracePath;
    if (!m_liveSource.isEmpty()) {
        m_refreshTimer.stop();
        refreshLive();
    }
    switch (result.status) {
        case RunResult::Status::Completed:
            m_log->info(tr("Run completed: %1 steps in %2 s (%3 steps/s); trace %4")
                            .arg(result.steps)
                            .arg(result.seconds, 0, 'f', 2)
                            .arg(result.seconds > 0 ? result.steps / result.seconds : 0.0, 0, 'f', 1)
                            .arg(result.tracePath));
            break;
        case RunResult::Status::Stopped:
            m_log->info(tr("Run stopped after %1 steps; trace %2 keeps them")
                            .arg(result.steps)
                            .arg(result.tracePath));
            break;
        case RunResult::Status::Failed:
            reportError(tr("Run failed: %1").arg(result.error));
            break;
    }
    statusBar()->showMessage(tr("Run ended; trace %1").arg(result.tracePath));
    if (!m_liveSource.isEmpty()) m_browser->showFile(result.tracePath);
    if (result.status != RunResult::Status::Failed && QFileInfo::exists(result.tracePath)) {
        m_settings.addRecentFile(result.tracePath);
        rebuildRecentMenu();
    }
}

void MainWindow::compareShown() {
    if (!m_dashboard->data()) {
        reportError(tr("Nothing to compare: no run or trace is shown"));
        return;
    }
    m_compare->addRun(m_shownSource, m_dashboard->data());
    m_compareDock->raise();
}

bool MainWindow::compareTrace(const QString& path) {
    auto trace = io::readTrace(path.toStdString());
    if (!trace) {
        reportError(QString::fromStdString(trace.error()));
        return false;
    }
    m_compare->addRun(QFileInfo(path).fileName(),
                      std::make_shared<const io::TraceData>(std::move(*trace)));
    m_compareDock->raise();
    return true;
}

void MainWindow::exportPlot(QCustomPlot* plot, const QString& name) {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the %1 plot").arg(name),
                                                      name + QStringLiteral(".png"), kImageFilter);
    if (path.isEmpty()) return;
    const auto written = gui::exportPlot(*plot, path.toStdString());
    if (!written) {
        reportError(QString::fromStdString(written.error()));
    } else {
        m_log->info(tr("Plot written to %1").arg(path));
    }
}

void MainWindow::exportPlotCsv(QCustomPlot* plot, const QString& name) {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the %1 curves").arg(name),
                                                      name + QStringLiteral(".csv"),
                                                      tr("CSV (*.csv)"));
    if (path.isEmpty()) return;
    QString error;
    if (plots::exportCsv(*plot, path, &error)) {
        m_log->info(tr("Curves written to %1").arg(path));
    } else {
        reportError(error);
    }
}

bool MainWindow::exportDashboardTo(const QString& path) {
    if (!m_dashboard->data()) {
        reportError(tr("Nothing to export: no run or trace is shown"));
        return false;
    }
    const auto written = exportDashboard(*m_dashboard->data(), m_dashboard->title().toStdString(),
                                         path.toStdString());
    if (!written) {
        reportError(QString::fromStdString(written.error()));
        return false;
    }
    m_log->info(tr("Dashboard written to %1").arg(path));
    return true;
}

bool MainWindow::exportCurvesTo(const QString& path) {
    if (!m_dashboard->data()) {
        reportError(tr("Nothing to export: no run or trace is shown"));
        return false;
    }
    const auto written = exportCurvesCsv(*m_dashboard->data(), path.toStdString());
    if (!written) {
        reportError(QString::fromStdString(written.error()));
        return false;
    }
    m_log->info(tr("Curves written to %1").arg(path));
    return true;
}

bool MainWindow::exportScenarioTo(const QString& path) {
    if (!m_dashboard->data()) {
        reportError(tr("Nothing to export: no run or trace is shown"));
        return false;
    }
    const auto written = exportScenario(m_dashboard->data()->scenario, path.toStdString());
    if (!written) {
        reportError(QString::fromStdString(written.error()));
        return false;
    }
    m_log->info(tr("Scenario of the shown run written to %1").arg(path));
    return true;
}

void MainWindow::askExportDashboard() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the dashboard"),
                                                      QStringLiteral("dashboard.png"), kImageFilter);
    if (!path.isEmpty()) exportDashboardTo(path);
}

void MainWindow::askExportCurves() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the curves"),
                                                      QStringLiteral("curves.csv"),
                                                      tr("CSV (*.csv)"));
    if (!path.isEmpty()) exportCurvesTo(path);
}

void MainWindow::askExportScenario() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the scenario of the run"),
                                                      QStringLiteral("scenario.ini"),
                                                      tr("Scenarios (*.ini)"));
    if (!path.isEmpty()) exportScenarioTo(path);
}

void MainWindow::showAbout() {
    QMessageBox::about(
        this, tr("About moelab"),
        tr("<h3>moelab %1</h3><p>Watch what a Mixture-of-Experts router does while it trains: "
           "expert load, token drops and collapse, live or from a trace.</p>"
           "<p>Qt %2. Runs from this window write the same traces as <tt>moelab run</tt>.</p>")
            .arg(QStringLiteral(MOELAB_VERSION), QString::fromLatin1(qVersion())));
}

void MainWindow::reportError(const QString& message) {
    m_log->error(message);
    statusBar()->showMessage(message, 10000);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    m_settings.saveWindow(*this);
    m_settings.setLastScenario(m_scenario->changedText());
    m_controller->stop();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile()) openPath(url.toLocalFile());
    event->acceptProposedAction();
}

}  // namespace moe::gui
