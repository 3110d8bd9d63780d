// SPDX-License-Identifier: MIT
#include "app/cli/command_arguments.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/run_loop.h"
#include "app/cli/scenario_arguments.h"
#include "app/cli/sweep_plan.h"
#include "app/cli/sweep_summary.h"
#include "app/cli/trace_destination.h"
#include "core/config/options.h"
#include "core/io/trace_reader.h"
#include "core/sim/simulation.h"

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

namespace moe::app {
namespace {

namespace fs = std::filesystem;

std::atomic<int> g_stopSignal{0};

extern "C" void onSweepStopSignal(int signal) {
    g_stopSignal.store(signal);
}

struct SweepArguments {
    std::string scenario;
    std::string out;
    std::vector<std::string> vary;
    int seeds = 1;
    int jobs = 0;
    bool force = false;
    bool quiet = false;
};

/// Parses the command's own arguments; returns false after printing an error.
bool parseOwnArguments(const std::vector<std::string>& own, SweepArguments& s) {
    namespace po = boost::program_options;
    po::options_description desc("sweep options");
    desc.add_options()("vary", po::value(&s.vary),
                       "KEY=V1,V2,...: one axis of the grid (repeatable)")(
        "seeds", po::value(&s.seeds), "seeds per point: seed, seed+1, ... (default 1)")(
        "jobs,j", po::value(&s.jobs), "points run at once (default: all cores)")(
        "out,o", po::value(&s.out), "folder for the traces and summary.csv")(
        "force", po::bool_switch(&s.force), "rerun every point, complete or not")(
        "quiet,q", po::bool_switch(&s.quiet), "no progress on stderr")(
        "scenario", po::value(&s.scenario), "scenario file");
    po::positional_options_description positional;
    positional.add("scenario", 1);
    po::variables_map vm;
    if (!parseCommandArguments("sweep", own, desc, positional, vm)) return false;
    if (s.out.empty()) {
        fmt::print(stderr, "moelab sweep: --out DIR is required\n");
        return false;
    }
    if (s.seeds < 1 || s.jobs < 0) {
        fmt::print(stderr, "moelab sweep: --seeds must be >= 1 and --jobs >= 0\n");
        return false;
    }
    return true;
}

/// One run of the sweep: a grid point and one of its seeds.
struct PlannedRun {
    size_t point = 0;
    ScenarioConfig config;
    std::string name;
};

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Writes `text` to `path` through a temporary file and a rename, so a reader (or a resumed
/// sweep) never sees half of it. Returns false on failure.
bool writeFileAtomically(const fs::path& path, const std::string& text) {
    const fs::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush()) return false;
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    return !ec;
}

std::string tracePath(const fs::path& dir, const PlannedRun& run) {
    return (dir / (run.name + ".h5")).string();
}

/// The summary fields of a run whose trace and sidecar say it is complete, else nothing.
std::optional<std::vector<std::string>> completedFields(const fs::path& dir, const PlannedRun& run,
                                                        const std::vector<std::string>& keys) {
    const fs::path done = dir / (run.name + ".done");
    if (!fs::exists(done)) return std::nullopt;
    auto fields = parseDoneFile(readFile(done), keys);
    if (!fields) return std::nullopt;
    // A failed run's trace never gets its final name (runToTrace).
    const std::string trace = fieldsFailed(keys, *fields) ? partialTracePath(tracePath(dir, run))
                                                          : tracePath(dir, run);
    const auto header = io::readTraceHeader(trace);
    if (!header) return std::nullopt;
    // A run that failed (NaN) stops early and is complete with the steps it recorded.
    const int64_t steps = std::strtoll((*fields)[keys.size() + 1].c_str(), nullptr, 10);
    if (header->rows != expectedTraceRows(steps, run.config.trace.every)) return std::nullopt;
    return fields;
}

std::string formatDuration(double seconds) {
    if (seconds < 60) return fmt::format("{:.1f} s", seconds);
    if (seconds < 3600)
        return fmt::format("{}m{:02}s", static_cast<int>(seconds) / 60,
                           static_cast<int>(seconds) % 60);
    return fmt::format("{}h{:02}m", static_cast<int>(seconds) / 3600,
                       static_cast<int>(seconds) / 60 % 60);
}

/// Progress on stderr: a redrawn line on a terminal, one line per finished run otherwise.
class Progress {
public:
    Progress(size_t total, bool quiet)
        : m_total(total),
          m_terminal(!quiet && isatty(STDERR_FILENO)),
          m_quiet(quiet),
          m_start(std::chrono::steady_clock::now()) {}

    void started() { ++m_running; }

    void finished(const std::string& name, const RunOutcome& outcome) {
        std::lock_guard<std::mutex> lock(m_mutex);
        --m_running;
        if (outcome.status != RunStatus::Stopped) ++m_done;
        if (m_quiet) return;
        const bool failed = outcome.status == RunStatus::Failed;
        if (m_terminal && !failed) return redrawLocked();
        if (m_terminal) fmt::print(stderr, "\r\033[K");
        fmt::print(stderr, "moelab sweep: [{}/{}] {} {} ({:.2f} s){}\n", m_done, m_total, name,
                   failed                                 ? "FAILED"
                   : outcome.status == RunStatus::Stopped ? "stopped"
                                                          : "ok",
                   outcome.seconds, failed ? ": " + outcome.error : "");
        if (m_terminal) redrawLocked();
    }

    void redraw() {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_terminal) redrawLocked();
    }

    void end() {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_terminal) fmt::print(stderr, "\n");
    }

private:
    void redrawLocked() {
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
        const std::string eta = m_done == 0 ? "?"
                                            : formatDuration(elapsed / static_cast<double>(m_done) *
                                                             static_cast<double>(m_total - m_done));
        const int width = 30;
        const auto filled = m_total == 0 ? width : static_cast<int>(width * m_done / m_total);
        fmt::print(stderr, "\r[{}{}] {}/{} runs  {} running  elapsed {}  ETA {}\033[K",
                   std::string(static_cast<size_t>(filled), '#'),
                   std::string(static_cast<size_t>(width - filled), '.'), m_done, m_total,
                   m_running.load(), formatDuration(elapsed), eta);
    }

    std::mutex m_mutex;
    size_t m_total;
    size_t m_done = 0;
    std::atomic<int> m_running{0};
    bool m_terminal;
    bool m_quiet;
    std::chrono::steady_clock::time_point m_start;
};

}  // namespace

int sweepCommand(const std::vector<std::string>& args) {
    std::vector<std::string> overrides, own;
    splitArguments(args, overrides, own);
    SweepArguments a;
    if (!parseOwnArguments(own, a)) return kExitBadInput;
    auto axes = parseVaryList(a.vary);
    if (!axes) {
        fmt::print(stderr, "moelab sweep: {}\n", axes.error());
        return kExitBadInput;
    }
    std::vector<std::string> keys;
    for (const VaryAxis& axis : *axes) keys.push_back(axis.key);
    const std::vector<SweepPoint> grid = sweepGrid(*axes);

    // Validate every point and seed before running anything. Each point runs on one thread:
    // results never depend on train.threads (core/util/parallel.h), and jobs x threads would
    // oversubscribe the cores. Simulation's constructor calls setThreadCount, i.e.
    // omp_set_num_threads, which sets the nthreads-var of the calling thread only (a
    // per-thread ICV), so workers constructing simulations at once neither race nor affect
    // each other.
    std::vector<PlannedRun> runs;
    bool invalid = false;
    for (size_t p = 0; p < grid.size(); ++p) {
        std::vector<std::string> pointArgs = overrides;
        for (const std::string& o : pointOverrides(grid[p])) pointArgs.push_back(o);
        pointArgs.push_back("--train.threads=1");
        auto base = loadScenario(a.scenario, pointArgs);
        if (!base) {
            for (const Issue& issue : base.error())
                fmt::print(stderr, "moelab sweep: point {}: {}\n", pointLabel(grid[p]),
                           issue.format());
            invalid = true;
            continue;
        }
        try {
            Simulation probe(*base);  // options this version does not provide throw here
        } catch (const std::invalid_argument& e) {
            fmt::print(stderr, "moelab sweep: point {}: {}\n", pointLabel(grid[p]), e.what());
            invalid = true;
            continue;
        }
        for (int s = 0; s < a.seeds; ++s) {
            const uint64_t seed = base->seed + static_cast<uint64_t>(s);
            std::vector<std::string> seedArgs = pointArgs;
            seedArgs.push_back(fmt::format("--seed={}", seed));
            auto loaded = loadScenario(a.scenario, seedArgs);
            if (!loaded) {
                for (const Issue& issue : loaded.error())
                    fmt::print(stderr, "moelab sweep: point {} seed {}: {}\n", pointLabel(grid[p]),
                               seed, issue.format());
                invalid = true;
                continue;
            }
            runs.push_back({p, std::move(*loaded), runName(grid[p], seed)});
        }
    }
    if (invalid) {
        fmt::print(stderr, "moelab sweep: nothing was run\n");
        return kExitBadInput;
    }
    std::vector<std::string> names;
    for (const PlannedRun& run : runs) names.push_back(run.name);
    if (const auto collision = findNameCollision(names)) {
        fmt::print(stderr,
                   "moelab sweep: runs {} and {} would share a file name; change the values\n",
                   collision->first, collision->second);
        return kExitBadInput;
    }
    const fs::path dir(a.out);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
        fmt::print(stderr, "moelab sweep: cannot create the folder {}: {}\n", a.out,
                   ec ? ec.message() : "a file has that name");
        return kExitBadInput;
    }
    if (const auto writable = checkTraceDestination((dir / "trace.h5").string()); !writable) {
        fmt::print(stderr, "moelab sweep: {}\n", writable.error());
        return kExitBadInput;
    }

    // Resumption: keep complete runs; forget the sidecar of any other before its trace is
    // rewritten, so that a run killed half-way is never taken for complete.
    std::vector<std::optional<std::vector<std::string>>> fields(runs.size());
    std::vector<size_t> pending;
    for (size_t i = 0; i < runs.size(); ++i) {
        if (!a.force) fields[i] = completedFields(dir, runs[i], keys);
        if (fields[i]) continue;
        fs::remove(dir / (runs[i].name + ".done"), ec);
        pending.push_back(i);
    }
    const size_t skipped = runs.size() - pending.size();
    // A trace under a final name belongs to a completed run; without its sidecar the sweep
    // cannot tell whose (another sweep's, or one whose sidecar was deleted), so it is not
    // overwritten unless asked. Partial traces of unfinished runs are rerun and replaced.
    if (!a.force) {
        std::vector<std::string> unknown;
        for (const size_t i : pending)
            if (fs::exists(tracePath(dir, runs[i]))) unknown.push_back(tracePath(dir, runs[i]));
        if (!unknown.empty()) {
            fmt::print(stderr,
                       "moelab sweep: refusing to overwrite {} trace{} with no <run>.done "
                       "recording {} as complete: {} (remove {} to rerun, or pass --force to "
                       "rerun every run)\n",
                       unknown.size(), unknown.size() == 1 ? "" : "s",
                       unknown.size() == 1 ? "it" : "them", fmt::join(unknown, ", "),
                       unknown.size() == 1 ? "it" : "them");
            return kExitBadInput;
        }
    }

    unsigned jobs =
        a.jobs > 0 ? static_cast<unsigned>(a.jobs) : std::thread::hardware_concurrency();
    // Dumped streams read HDF5 during every step, outside the trace mutex; that needs a
    // thread-safe HDF5 build.
    hbool_t threadSafe = 0;
    H5is_library_threadsafe(&threadSafe);
    const bool readsHdf5 = std::any_of(runs.begin(), runs.end(), [](const PlannedRun& r) {
        return r.config.stream.kind == StreamKind::Dumped;
    });
    if (readsHdf5 && !threadSafe && jobs > 1) {
        fmt::print(stderr,
                   "moelab sweep: note: this HDF5 build is not thread-safe; dumped streams "
                   "run one point at a time\n");
        jobs = 1;
    }
    jobs =
        std::clamp<unsigned>(jobs, 1, static_cast<unsigned>(std::max<size_t>(pending.size(), 1)));

    if (!a.quiet)
        fmt::print(stderr,
                   "moelab sweep: {} runs ({} points x {} seed{}) in {}: skipping {} complete, "
                   "running {} on {} job{}\n",
                   runs.size(), grid.size(), a.seeds, a.seeds == 1 ? "" : "s", a.out, skipped,
                   pending.size(), jobs, jobs == 1 ? "" : "s");

    std::signal(SIGINT, onSweepStopSignal);
    std::signal(SIGTERM, onSweepStopSignal);
    std::signal(SIGXFSZ, SIG_IGN);  // a file size limit fails the write (EFBIG), see run_command
    std::mutex traceMutex;
    std::atomic<size_t> next{0};
    std::atomic<size_t> finished{0};
    std::atomic<bool> fileLevelFailure{false};
    Progress progress(pending.size(), a.quiet);
    auto worker = [&] {
        while (g_stopSignal.load() == 0) {
            const size_t k = next.fetch_add(1);
            if (k >= pending.size()) break;
            const size_t i = pending[k];
            const PlannedRun& run = runs[i];
            progress.started();
            RunOutcome outcome;
            RunMetrics metrics;
            std::unique_ptr<Simulation> sim;
            try {
                std::lock_guard<std::mutex> lock(traceMutex);  // a dumped stream opens its file
                sim = std::make_unique<Simulation>(run.config);
            } catch (const std::invalid_argument& e) {
                outcome.status = RunStatus::Failed;
                outcome.error = e.what();
            }
            if (sim) {
                RunHooks hooks;
                hooks.stop = &g_stopSignal;
                hooks.traceMutex = &traceMutex;
                hooks.overwrite = a.force;
                hooks.onStep = [&metrics](const StepStats& s) { metrics.add(s); };
                outcome = runToTrace(*sim, tracePath(dir, run), hooks);
            }
            if (outcome.fileLevelFailure) fileLevelFailure = true;
            if (outcome.status != RunStatus::Stopped) {
                SweepRow row{grid[run.point],
                             run.config.seed,
                             metrics,
                             outcome.seconds,
                             outcome.status == RunStatus::Completed,
                             outcome.error};
                fields[i] = summaryFields(row);
                if (!writeFileAtomically(dir / (run.name + ".done"), formatDoneFile(keys, row))) {
                    outcome.status = RunStatus::Failed;
                    outcome.error =
                        fmt::format("cannot write {}", (dir / (run.name + ".done")).string());
                    fields[i].reset();
                }
            }
            progress.finished(run.name, outcome);
            ++finished;
        }
    };
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (unsigned j = 0; j < jobs && !pending.empty(); ++j) pool.emplace_back(worker);
    while (finished.load() < pending.size() && g_stopSignal.load() == 0) {
        progress.redraw();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (std::thread& t : pool) t.join();
    progress.end();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    // The summaries hold every run that completed, in grid order (point, then seed).
    std::vector<std::vector<std::string>> rows;
    size_t failed = 0, ran = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
        if (!fields[i]) continue;
        rows.push_back(*fields[i]);
        if (fieldsFailed(keys, *fields[i])) ++failed;
    }
    for (const size_t i : pending)
        if (fields[i]) ++ran;
    std::string summary = formatCsvLine(summaryColumns(keys)) + "\n";
    for (const auto& row : rows) summary += formatCsvLine(row) + "\n";
    bool written = writeFileAtomically(dir / "summary.csv", summary);
    if (a.seeds > 1) {
        std::string byPoint;
        for (const auto& row : byPointTable(keys, rows)) byPoint += formatCsvLine(row) + "\n";
        written = writeFileAtomically(dir / "summary_by_point.csv", byPoint) && written;
    }

    const int signal = g_stopSignal.load();
    fmt::print(
        "moelab sweep: {} runs ({} points x {} seed{}): ran {}, skipped {} (complete), "
        "failed {}, not run {} in {}\n",
        runs.size(), grid.size(), a.seeds, a.seeds == 1 ? "" : "s", ran, skipped, failed,
        runs.size() - rows.size(), formatDuration(seconds));
    fmt::print("  summary: {}{}\n", (dir / "summary.csv").string(),
               a.seeds > 1 ? fmt::format(", {}", (dir / "summary_by_point.csv").string()) : "");
    if (!written) fmt::print(stderr, "moelab sweep: cannot write the summary in {}\n", a.out);
    if (fileLevelFailure) {
        std::fflush(nullptr);
        std::_Exit(kExitRuntimeFailure);  // see RunOutcome::fileLevelFailure
    }
    if (signal != 0) {
        fmt::print(stderr, "moelab sweep: stopped by signal {}; rerun the same command to resume\n",
                   signal);
        return kExitInterrupted;
    }
    return failed > 0 || !written || rows.size() < runs.size() ? kExitRuntimeFailure : kExitOk;
}

}  // namespace moe::app
