// SPDX-License-Identifier: MIT
// moelab plot: the GUI's plots of a trace, rendered to an image file without a display.
#include "app/cli/command_arguments.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"

#include <boost/program_options.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <list>
#include <string>
#include <vector>

#if MOELAB_WITH_PLOTS
#include "core/io/trace_reader.h"
#include "plots/comparison.h"
#include "plots/figure.h"
#include "plots/figure_export.h"
#include "plots/trace_labels.h"

#include <QApplication>
#include <QtGlobal>
#endif

namespace moe::app {
namespace {

struct PlotArguments {
    std::vector<std::string> traces;  ///< one: its figure; several: a comparison
    std::string out;
    std::string kind = "all";
    int width = 0;   ///< 0: the kind's default
    int height = 0;  ///< 0: the kind's default
    int layer = 0;
};

#if MOELAB_WITH_PLOTS
/// Qt warns at every start when XDG_RUNTIME_DIR is unset (usual for root on a server), though
/// drawing into a file needs no runtime directory; everything else Qt says is passed on.
QtMessageHandler g_qtHandler = nullptr;
void quietQtMessages(QtMsgType type, const QMessageLogContext& context, const QString& message) {
    if (message.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR"))) return;
    g_qtHandler(type, context, message);
}
#endif

/// Parses the command line; returns false after printing an error.
bool parseArguments(const std::vector<std::string>& args, PlotArguments& a) {
    namespace po = boost::program_options;
    po::options_description desc("plot options");
    desc.add_options()("trace", po::value(&a.traces), "trace file(s)")(
        "out", po::value(&a.out), "figure file: .png, .svg or .pdf")(
        "kind", po::value(&a.kind), "load | drops | collapse | loss | all")(
        "width", po::value(&a.width), "width in pixels")(
        "height", po::value(&a.height), "height in pixels")("layer", po::value(&a.layer),
                                                            "MoE layer (group layer_<l>)");
    po::positional_options_description positional;
    positional.add("trace", -1);
    po::variables_map vm;
    if (!parseCommandArguments("plot", args, desc, positional, vm)) return false;
    if (a.traces.empty()) {
        fmt::print(stderr, "moelab plot: no trace given (moelab plot TRACE.h5 --out FIG.png)\n");
        return false;
    }
    if (a.out.empty()) {
        fmt::print(stderr, "moelab plot: --out FIG.png|FIG.svg|FIG.pdf is required\n");
        return false;
    }
    // Beyond this a figure is no longer a figure, and Qt's raster buffers run into gigabytes.
    constexpr int kMaxPixels = 20000;
    if (a.width < 0 || a.width > kMaxPixels || a.height < 0 || a.height > kMaxPixels) {
        fmt::print(stderr, "moelab plot: --width and --height must be in 1-{} pixels\n",
                   kMaxPixels);
        return false;
    }
    return true;
}

}  // namespace

int plotCommand(const std::vector<std::string>& args) {
    PlotArguments a;
    if (!parseArguments(args, a)) return kExitBadInput;
#if !MOELAB_WITH_PLOTS
    fmt::print(stderr,
               "moelab plot: this build has no plotting; configure with -DMOELAB_BUILD_GUI=ON "
               "(needs Qt 6 and QCustomPlot, see scripts/install-deps.sh)\n");
    return kExitBadInput;
#else
    const std::optional<plots::FigureKind> kind = plots::parseFigureKind(a.kind);
    if (!kind) {
        fmt::print(
            stderr,
            "moelab plot: unknown --kind '{}'; kinds: load | drops | collapse | loss | all\n",
            a.kind);
        return kExitBadInput;
    }
    if (!plots::imageFormatOf(a.out)) {
        fmt::print(stderr, "moelab plot: {}: unknown image type; use .png, .svg or .pdf\n", a.out);
        return kExitBadInput;
    }
    const bool comparison = a.traces.size() > 1;
    plots::FigureSize size = comparison
                                 ? plots::defaultComparisonSize(*kind, static_cast<int>(a.traces.size()))
                                 : plots::defaultFigureSize(*kind);
    if (a.width > 0) size.width = a.width;
    if (a.height > 0) size.height = a.height;

    // std::list: the runs point into it, and it never moves what it holds.
    std::list<io::TraceData> traces;
    for (const std::string& path : a.traces) {
        auto data = io::readTrace(path, a.layer);
        if (!data) {
            fmt::print(stderr, "moelab plot: {}\n", data.error());
            return kExitBadInput;
        }
        if (data->rows == 0) {
            fmt::print(stderr, "moelab plot: {}: the trace holds no steps yet\n", path);
            return kExitBadInput;
        }
        traces.push_back(std::move(*data));
    }

    // Without a display Qt aborts at start-up; offscreen renders the same images (ENV.md §3).
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    g_qtHandler = qInstallMessageHandler(quietQtMessages);
    int qtArgc = 1;
    char programName[] = "moelab";
    char* qtArgv[] = {programName, nullptr};
    const QApplication application(qtArgc, qtArgv);

    tl::expected<void, std::string> written;
    if (comparison) {
        // Runs are named by file name, or by the path as given when two names are the same.
        std::vector<plots::RunSeries> runs;
        auto trace = traces.begin();
        for (const std::string& path : a.traces) {
            const std::string name = std::filesystem::path(path).filename().string();
            const bool unique = std::count_if(a.traces.begin(), a.traces.end(), [&](const auto& p) {
                                    return std::filesystem::path(p).filename() == name;
                                }) == 1;
            runs.push_back({QString::fromStdString(unique ? name : path), &*trace++});
        }
        written = plots::writeComparison(runs, *kind, a.out, size);
    } else {
        const std::string title = plots::figureTitle(
            traces.front(), a.layer, std::filesystem::path(a.traces.front()).filename().string());
        written = plots::writeFigure(traces.front(), *kind, title, a.out, size);
    }
    if (!written) {
        fmt::print(stderr, "moelab plot: {}\n", written.error());
        return kExitBadInput;
    }
    fmt::print("wrote {} ({}, {}x{})\n", a.out, a.kind, size.width, size.height);
    return kExitOk;
#endif
}

}  // namespace moe::app
