// SPDX-License-Identifier: MIT
#include "plots/step_binning.h"

#include "core/util/assert.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace moe::plots {

StepBins binSteps(const Eigen::MatrixXd& values, const std::vector<int64_t>& step, int maxBins,
                  bool rowShares) {
    MOELAB_ASSERT(maxBins >= 1, "at least one bin");
    MOELAB_ASSERT(static_cast<Eigen::Index>(step.size()) == values.rows(),
                  "one step index per row");
    const int64_t rows = values.rows();
    const Eigen::Index experts = values.cols();
    const int64_t bins = std::min<int64_t>(rows, maxBins);

    StepBins result;
    result.firstRow.resize(static_cast<size_t>(bins + 1));
    for (int64_t b = 0; b <= bins; ++b) result.firstRow[static_cast<size_t>(b)] = b * rows / bins;
    result.centerStep.assign(static_cast<size_t>(bins), 0.0);
    for (int64_t b = 0; b < bins; ++b) {
        const int64_t first = result.firstRow[static_cast<size_t>(b)];
        const int64_t last = result.firstRow[static_cast<size_t>(b + 1)];
        double sum = 0;
        for (int64_t r = first; r < last; ++r)
            sum += static_cast<double>(step[static_cast<size_t>(r)]);
        result.centerStep[static_cast<size_t>(b)] = sum / static_cast<double>(last - first);
    }

    // A share is undefined for a row with nothing in it; scale = NaN marks that row missing.
    Eigen::VectorXd scale = Eigen::VectorXd::Ones(rows);
    if (rowShares) {
        // NaN entries (experts not added yet in a run with add_experts events) are left out.
        const Eigen::VectorXd sums =
            values.array().isNaN().select(0.0, values).rowwise().sum().matrix();
        for (Eigen::Index r = 0; r < rows; ++r)
            scale(r) = std::isfinite(sums(r)) && sums(r) > 0
                           ? 1.0 / sums(r)
                           : std::numeric_limits<double>::quiet_NaN();
    }

    // Column by column: the matrix is column-major, so each expert's steps are contiguous.
    result.mean.resize(bins, experts);
    for (Eigen::Index e = 0; e < experts; ++e) {
        for (int64_t b = 0; b < bins; ++b) {
            double sum = 0;
            int64_t count = 0;
            for (int64_t r = result.firstRow[static_cast<size_t>(b)];
                 r < result.firstRow[static_cast<size_t>(b + 1)]; ++r) {
                const double v = values(r, e) * scale(r);
                if (!std::isfinite(v)) continue;
                sum += v;
                ++count;
            }
            result.mean(b, e) = count > 0 ? sum / static_cast<double>(count)
                                          : std::numeric_limits<double>::quiet_NaN();
        }
    }
    return result;
}

}  // namespace moe::plots
