// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace moe::plots {

/// A per-expert array [steps, E] averaged over bins of consecutive rows, so that a heatmap
/// draws at most one column per pixel however long the run was.
struct StepBins {
    /// Mean of each expert over each bin [bins, E]. Values that are not finite (NaN: does not
    /// apply) are left out of a mean; a bin with no finite value is NaN.
    Eigen::MatrixXd mean;
    /// Bin b holds the rows [firstRow[b], firstRow[b + 1]); bins + 1 entries.
    std::vector<int64_t> firstRow;
    /// Mean step index of each bin [bins]: the key of its heatmap column.
    std::vector<double> centerStep;
};

/// Splits the rows of `values` [steps, E] into min(steps, maxBins) bins of consecutive rows,
/// whose sizes differ by at most one, and averages every expert over every bin. With
/// `rowShares` each row is first divided by its sum (the share of the step's assignments each
/// expert got); a row whose sum is 0 or not finite then counts as missing. `step` holds the
/// step index of each row. Preconditions (asserted): maxBins >= 1, step.size() == rows.
StepBins binSteps(const Eigen::MatrixXd& values, const std::vector<int64_t>& step, int maxBins,
                  bool rowShares);

}  // namespace moe::plots
