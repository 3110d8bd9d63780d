// SPDX-License-Identifier: MIT
#pragma once

#include "plots/figure.h"

#include <tl/expected.hpp>

#include <optional>
#include <string>
#include <vector>

class QCustomPlot;

namespace moe::io {
struct TraceData;
}

namespace moe::plots {

enum class ImageFormat { Png, Pdf, Svg };

/// The format named by the extension of `path`: .png, .pdf or .svg in any case; nullopt for
/// anything else.
std::optional<ImageFormat> imageFormatOf(const std::string& path);

/// Renders `plot` at `width` x `height` and writes it to `path`, replacing the file, in the
/// format its extension names: PNG (pixels), PDF (one page of that size, vector) or SVG
/// (vector). The error names the file and the reason (unknown extension, no such folder, no
/// permission, write failed).
tl::expected<void, std::string> saveFigure(QCustomPlot& plot, const std::string& path, int width,
                                           int height);

/// Draws `kind` (drawFigure) on a plot widget that is never shown and saves it to `path` as
/// saveFigure does. Needs a QApplication (the offscreen platform will do).
tl::expected<void, std::string> writeFigure(const io::TraceData& data, FigureKind kind,
                                            const std::string& title, const std::string& path,
                                            FigureSize size);

struct RunSeries;

/// Draws a comparison of `runs` (drawComparison) on a plot widget that is never shown and
/// saves it to `path` as saveFigure does. Needs a QApplication.
tl::expected<void, std::string> writeComparison(const std::vector<RunSeries>& runs,
                                                FigureKind kind, const std::string& path,
                                                FigureSize size);

}  // namespace moe::plots
