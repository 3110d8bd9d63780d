// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>

#include <string_view>

namespace moe::plots {

/// The colour of a trace dataset (`drop_fraction`, `task_loss`, ...) wherever it is drawn, so
/// that one metric looks the same in every panel, figure and window. Unknown names get grey.
QColor seriesColor(std::string_view dataset);

}  // namespace moe::plots
