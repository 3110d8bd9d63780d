// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

class QCustomPlot;

namespace moe::plots {

/// The curves of `plot` as CSV text (RFC 4180, "\n" line ends): a key column named after the
/// x axis ("step", or "index" for a dataset plot), holding every key any curve has in
/// ascending order, then one column per named graph with data, in the plot's order, headed by
/// the graph's name (a comparison's are "<run>: <metric>"). A cell is empty where a curve has
/// no point at that key or its value is NaN. Curves drawn binned export the points drawn
/// (bin means at their bins' mean steps); `moelab inspect --csv` gives every row of a trace.
/// Legend keys, bands and bars are not curves and are left out.
QString curvesCsv(const QCustomPlot& plot);

/// Writes curvesCsv(plot) to `path`, replacing it. Returns false and sets `*error` (when not
/// null) to a message naming the file when it cannot be written or the plot has no curves.
bool exportCsv(const QCustomPlot& plot, const QString& path, QString* error);

}  // namespace moe::plots
