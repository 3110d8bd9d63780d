// SPDX-License-Identifier: MIT
#pragma once

#include <tl/expected.hpp>

#include <Eigen/Core>
#include <QString>

#include <string>
#include <vector>

class QCustomPlot;

namespace moe::io {
struct Hdf5Node;
}

namespace moe::plots {

/// Clears `plot` and draws a 1-D dataset as a line of its values against their index, titled
/// `title` (the dataset's path). More values than about the pixel width of `width` are drawn
/// as bin means over a min-max band (addCurve), so a million values draw as fast as a thousand.
void drawDatasetLine(QCustomPlot& plot, const std::vector<double>& values, const QString& title,
                     int width);

/// Clears `plot` and draws a 2-D dataset [rows, columns] as a heatmap: rows along x (binned
/// to about one per pixel of `width`, each cell the mean of its rows), columns along y, with a
/// colour scale over the values drawn (from 0 when none is negative).
void drawDatasetHeatmap(QCustomPlot& plot, const Eigen::MatrixXd& values, const QString& title,
                        int width);

/// Reads the dataset `node` of the HDF5 file `path` and draws it with drawDatasetLine (1-D) or
/// drawDatasetHeatmap (2-D): what the trace browser does on a double-click
/// (TraceTreeModel::PlottableRole says which rows can). The error names the dataset (not
/// numeric, another rank, empty, too large to read).
tl::expected<void, std::string> drawDataset(QCustomPlot& plot, const std::string& path,
                                            const io::Hdf5Node& node, int width);

}  // namespace moe::plots
