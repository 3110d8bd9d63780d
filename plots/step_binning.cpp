// SPDX-License-Identifier: MIT
#include "plots/step_binning.h"

#include "core/util/assert.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace moe::plots {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Reduces rows [first, end) of one expert's column (contiguous: MatrixXd is column-major),
/// each multiplied by its row's scale when there is one.
double reduceColumn(const double* column, const double* scale, int64_t first, int64_t end,
                    BinStatistic statistic) {
    if (statistic == BinStatistic::Max) {
        double top = -std::numeric_limits<double>::infinity();
        bool found = false;
        for (int64_t r = first; r < end; ++r) {
            const double v = scale != nullptr ? column[r] * scale[r] : column[r];
            if (!std::isfinite(v)) continue;
            top = std::max(top, v);
            found = true;
        }
        return found ? top : kNaN;
    }
    double sum = 0;
    int64_t count = 0;
    for (int64_t r = first; r < end; ++r) {
        const double v = scale != nullptr ? column[r] * scale[r] : column[r];
        if (!std::isfinite(v)) continue;
        sum += v;
        ++count;
    }
    return count > 0 ? sum / static_cast<double>(count) : kNaN;
}

}  // namespace

Eigen::VectorXd rowShareScale(const Eigen::Ref<const Eigen::MatrixXd>& values) {
    const Eigen::VectorXd sums = values.rowwise().sum();
    Eigen::VectorXd scale(values.rows());
    // A share is undefined for a row with nothing in it; NaN marks that row missing.
    for (Eigen::Index r = 0; r < values.rows(); ++r)
        scale(r) = std::isfinite(sums(r)) && sums(r) > 0 ? 1.0 / sums(r) : kNaN;
    return scale;
}

StepBins binSteps(const Eigen::MatrixXd& values, const std::vector<int64_t>& step,
                  const BinOptions& options) {
    MOELAB_ASSERT(options.maxBins >= 1, "at least one bin");
    MOELAB_ASSERT(static_cast<Eigen::Index>(step.size()) == values.rows(),
                  "one step index per row");
    const int64_t first = options.firstRow;
    const int64_t end = options.endRow < 0 ? values.rows() : options.endRow;
    MOELAB_ASSERT(first >= 0 && first < end && end <= values.rows(), "a non-empty row range");
    const int64_t rows = end - first;
    const Eigen::Index experts = values.cols();
    const int64_t bins = std::min<int64_t>(rows, options.maxBins);

    StepBins result;
    result.firstRow.resize(static_cast<size_t>(bins + 1));
    for (int64_t b = 0; b <= bins; ++b)
        result.firstRow[static_cast<size_t>(b)] = first + b * rows / bins;
    result.centerStep.assign(static_cast<size_t>(bins), 0.0);
    for (int64_t b = 0; b < bins; ++b) {
        const int64_t from = result.firstRow[static_cast<size_t>(b)];
        const int64_t to = result.firstRow[static_cast<size_t>(b + 1)];
        double sum = 0;
        for (int64_t r = from; r < to; ++r) sum += static_cast<double>(step[static_cast<size_t>(r)]);
        result.centerStep[static_cast<size_t>(b)] = sum / static_cast<double>(to - from);
    }

    Eigen::VectorXd ownScale;
    const double* scale = nullptr;
    if (options.rowShares) {
        if (options.rowScale != nullptr) {
            MOELAB_ASSERT(options.rowScale->size() == values.rows(), "one scale per row");
            scale = options.rowScale->data();
        } else {
            // Only the binned rows: a zoomed-in heatmap should not pay for the whole run.
            ownScale = Eigen::VectorXd::Constant(values.rows(), kNaN);
            ownScale.segment(first, rows) = rowShareScale(values.middleRows(first, rows));
            scale = ownScale.data();
        }
    }

    result.value.resize(bins, experts);
    for (Eigen::Index e = 0; e < experts; ++e) {
        const double* column = values.col(e).data();
        for (int64_t b = 0; b < bins; ++b)
            result.value(b, e) =
                reduceColumn(column, scale, result.firstRow[static_cast<size_t>(b)],
                             result.firstRow[static_cast<size_t>(b + 1)], options.statistic);
    }
    return result;
}

StepBins binSteps(const Eigen::MatrixXd& values, const std::vector<int64_t>& step, int maxBins,
                  bool rowShares) {
    BinOptions options;
    options.maxBins = maxBins;
    options.rowShares = rowShares;
    return binSteps(values, step, options);
}

std::pair<int64_t, int64_t> rowsCovering(const std::vector<int64_t>& step, double lower,
                                         double upper) {
    const auto n = static_cast<int64_t>(step.size());
    if (n == 0) return {0, 0};
    // First row at or after `lower`, first row after `upper`.
    auto first = static_cast<int64_t>(
        std::lower_bound(step.begin(), step.end(), lower,
                         [](int64_t s, double x) { return static_cast<double>(s) < x; }) -
        step.begin());
    auto end = static_cast<int64_t>(
        std::upper_bound(step.begin(), step.end(), upper,
                         [](double x, int64_t s) { return x < static_cast<double>(s); }) -
        step.begin());
    first = std::max<int64_t>(first - 1, 0);
    end = std::min<int64_t>(end + 1, n);
    if (first >= end) {
        // The range falls between two rows or beyond the ends: the nearest row.
        const int64_t at = std::clamp<int64_t>(first, 0, n - 1);
        return {at, at + 1};
    }
    return {first, end};
}

}  // namespace moe::plots
