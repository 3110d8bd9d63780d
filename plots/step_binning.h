// SPDX-License-Identifier: MIT
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <utility>
#include <vector>

namespace moe::plots {

/// What a heatmap column shows of the rows in its bin.
enum class BinStatistic {
    Mean,  ///< the typical value over the bin
    Max,   ///< the worst step of the bin, so a short spike is not averaged away
};

/// A per-expert array [steps, E] reduced over bins of consecutive rows, so that a heatmap
/// draws at most one column per pixel however long the run was.
struct StepBins {
    /// The statistic (mean or max) of each expert over each bin [bins, E]. Values that are not
    /// finite (NaN: does not apply) are left out; a bin with no finite value is NaN.
    Eigen::MatrixXd value;
    /// Bin b holds the rows [firstRow[b], firstRow[b + 1]); bins + 1 entries. Rows are those of
    /// the whole array, also when only a range of it was binned.
    std::vector<int64_t> firstRow;
    /// Mean step index of each bin [bins]: the key of its heatmap column.
    std::vector<double> centerStep;
};

/// How binSteps reduces an array.
struct BinOptions {
    int maxBins = 1000;  ///< >= 1
    BinStatistic statistic = BinStatistic::Mean;
    /// Divide each row by its sum first (the share of the step's assignments each expert got);
    /// a row whose sum is 0 or not finite then counts as missing.
    bool rowShares = false;
    /// Bin only the rows [firstRow, endRow); endRow < 0 means to the last row.
    int64_t firstRow = 0;
    int64_t endRow = -1;
    /// rowShareScale(values), computed once by a caller that bins the same array often (a
    /// heatmap re-binned at every zoom); nullptr computes the scale of the binned rows here.
    const Eigen::VectorXd* rowScale = nullptr;
};

/// 1 / (sum of row r) for every row of `values`, NaN where that sum is 0 or not finite: the
/// factor that turns a row into shares.
Eigen::VectorXd rowShareScale(const Eigen::Ref<const Eigen::MatrixXd>& values);

/// Splits the rows [firstRow, endRow) of `values` [steps, E] into min(rows, maxBins) bins of
/// consecutive rows, whose sizes differ by at most one, and reduces every expert over every bin
/// with `options.statistic`, in one pass over the rows. `step` holds the step index of each
/// row. Preconditions (asserted): maxBins >= 1, step.size() == values.rows(), the row range
/// lies inside the array and is not empty, rowScale (if given) has one entry per row.
StepBins binSteps(const Eigen::MatrixXd& values, const std::vector<int64_t>& step,
                  const BinOptions& options);

/// binSteps of all rows with the mean: the common case.
StepBins binSteps(const Eigen::MatrixXd& values, const std::vector<int64_t>& step, int maxBins,
                  bool rowShares);

/// The rows [first, end) of `step` (ascending, as in every trace) whose step lies in
/// [lower, upper], widened by one row on each side that has one, so that a map drawn from them
/// fills the whole range. At least one row when `step` is not empty: the nearest.
std::pair<int64_t, int64_t> rowsCovering(const std::vector<int64_t>& step, double lower,
                                         double upper);

}  // namespace moe::plots
