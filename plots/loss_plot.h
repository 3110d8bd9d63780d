// SPDX-License-Identifier: MIT
#pragma once

#include "plots/plot_panel.h"

class QCustomPlot;
class QCPAxisRect;
class QCPLayoutGrid;

namespace moe::io {
struct TraceData;
}

namespace moe::plots {

/// Draws task_loss and every balancing loss that is not zero throughout the run (aux_loss,
/// z_loss, importance_loss, load_loss, seq_aux_loss; a loss that does not apply to the router
/// is stored as 0) against the step into `area`, an empty layout grid of `plot`. The y axis is
/// logarithmic because the losses differ by orders of magnitude; values <= 0 leave gaps. The
/// balancing losses are the stored values, before their coefficients, which the legend names
/// from the scenario.
/// Returns the axes it drew on (owned by the plot).
/// Curves of more than `maxPoints` rows are drawn binned (addCurve).
QCPAxisRect* drawLossPlot(QCustomPlot& plot, QCPLayoutGrid& area, const io::TraceData& data,
                          int maxPoints = kDefaultCurvePoints);

}  // namespace moe::plots
