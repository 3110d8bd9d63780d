// SPDX-License-Identifier: MIT
// Traces made in memory and small helpers shared by the plot tests.
#pragma once

#include "core/io/trace_reader.h"

#include <qcustomplot.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace moe::plots {

namespace fs = std::filesystem;
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline const char* const kScenario =
    "seed = 3\n\n[router]\nkind = token_choice\nk = 2\ncapacity_factor = 1.25\n\n"
    "[loss]\naux = 0.01\nz = 0.001\nimportance = 0\nload = 0\nseq_aux = 0\n";

inline const std::vector<std::string> kScalarNames = {"drop_fraction",
                                               "token_drop_fraction",
                                               "picked_once_fraction",
                                               "picked_many_fraction",
                                               "null_fraction",
                                               "load_cv",
                                               "max_over_mean",
                                               "load_entropy",
                                               "router_entropy",
                                               "dead_experts",
                                               "collapse",
                                               "task_loss",
                                               "aux_loss",
                                               "z_loss",
                                               "importance_loss",
                                               "load_loss",
                                               "seq_aux_loss",
                                               "total_loss",
                                               "specialization",
                                               "capacity"};

/// A trace of `rows` rows recorded every 10 steps over `experts` experts, with values that
/// differ from row to row and expert to expert. importance_loss, load_loss and seq_aux_loss
/// are 0 throughout (losses that do not apply).
inline io::TraceData makeTrace(int rows, int experts) {
    io::TraceData data;
    data.schemaVersion = "1.1";
    data.scenario = kScenario;
    data.routerKind = "token_choice";
    data.nExperts = experts;
    data.nLayers = 1;
    data.rows = rows;
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int r = 0; r < rows; ++r) data.step.push_back(10 * r);
    for (const std::string& name : kScalarNames) {
        std::vector<double>& values = data.scalars[name];
        for (int r = 0; r < rows; ++r) {
            const bool zero =
                name == "importance_loss" || name == "load_loss" || name == "seq_aux_loss";
            values.push_back(zero ? 0.0
                                  : 0.05 + unit(rng) * (name == "dead_experts" ? experts : 1.0));
        }
    }
    for (const char* name : {"demand", "load", "dropped", "importance", "mean_score"}) {
        Eigen::MatrixXd& m = data.perExpert[name];
        m.resize(rows, experts);
        for (int r = 0; r < rows; ++r)
            for (int e = 0; e < experts; ++e) m(r, e) = std::floor(unit(rng) * 50.0 * (e + 1));
    }
    return data;
}

template <typename T>
inline std::vector<T*> plottablesOf(QCustomPlot& plot) {
    std::vector<T*> found;
    for (int i = 0; i < plot.plottableCount(); ++i)
        if (auto* p = qobject_cast<T*>(plot.plottable(i))) found.push_back(p);
    return found;
}

inline QCPGraph* graphNamed(QCustomPlot& plot, const QString& prefix) {
    for (int i = 0; i < plot.graphCount(); ++i)
        if (plot.graph(i)->name().startsWith(prefix)) return plot.graph(i);
    return nullptr;
}

/// Clears `plot` for one panel, as drawFigure does.
inline QCPLayoutGrid& emptyLayout(QCustomPlot& plot) {
    plot.clearPlottables();
    plot.plotLayout()->clear();
    plot.setAutoAddPlottableToLegend(false);
    return *plot.plotLayout();
}

inline std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class TempDir {
public:
    TempDir()
        : m_path(fs::temp_directory_path() / ("moelab_plots_" + std::to_string(::getpid()) + "_" +
                                              std::to_string(counter()++))) {
        fs::create_directories(m_path);
    }
    ~TempDir() { fs::remove_all(m_path); }
    fs::path operator/(const std::string& name) const { return m_path / name; }

private:
    static int& counter() {
        static int next = 0;
        return next;
    }
    fs::path m_path;
};

}  // namespace moe::plots
