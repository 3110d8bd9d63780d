// SPDX-License-Identifier: MIT
#include "plots/figure_export.h"

#include "plots/comparison.h"
#include "plots/figure.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>
#include <QSvgGenerator>
#include <qcustomplot.h>

#include <fmt/format.h>

namespace moe::plots {
namespace {

/// The SVG document of `plot`. QCustomPlot has no SVG writer of its own; QSvgGenerator is a
/// paint device, so the plot paints itself onto it as it would onto the screen.
QByteArray renderSvg(QCustomPlot& plot, int width, int height) {
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(QSize(width, height));
    svg.setViewBox(QRect(0, 0, width, height));
    svg.setResolution(96);  // as savePng: the same point sizes give the same text size
    svg.setTitle(QStringLiteral("moelab figure"));
    QCPPainter painter;
    painter.begin(&svg);
    plot.toPainter(&painter, width, height);
    painter.end();
    return buffer.data();
}

}  // namespace

std::optional<ImageFormat> imageFormatOf(const std::string& path) {
    const QString suffix = QFileInfo(QString::fromStdString(path)).suffix().toLower();
    if (suffix == QLatin1String("png")) return ImageFormat::Png;
    if (suffix == QLatin1String("pdf")) return ImageFormat::Pdf;
    if (suffix == QLatin1String("svg")) return ImageFormat::Svg;
    return std::nullopt;
}

tl::expected<void, std::string> saveFigure(QCustomPlot& plot, const std::string& path, int width,
                                           int height) {
    const std::optional<ImageFormat> format = imageFormatOf(path);
    if (!format)
        return tl::make_unexpected(
            fmt::format("{}: unknown image type; use .png, .svg or .pdf", path));
    // Open the file first: QCustomPlot's savers only say that they failed, QFile says why.
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::WriteOnly))
        return tl::make_unexpected(
            fmt::format("{}: cannot write: {}", path, file.errorString().toStdString()));
    bool written = false;
    switch (*format) {
        case ImageFormat::Png:
            file.close();
            written = plot.savePng(file.fileName(), width, height);
            break;
        case ImageFormat::Pdf:
            file.close();
            written = plot.savePdf(file.fileName(), width, height);
            break;
        case ImageFormat::Svg: {
            const QByteArray svg = renderSvg(plot, width, height);
            written = file.write(svg) == svg.size() && file.flush();
            file.close();
            break;
        }
    }
    if (!written) return tl::make_unexpected(fmt::format("{}: writing the figure failed", path));
    return {};
}

tl::expected<void, std::string> writeFigure(const io::TraceData& data, FigureKind kind,
                                            const std::string& title, const std::string& path,
                                            FigureSize size) {
    QCustomPlot plot;
    drawFigure(plot, data, kind, title, size.width);
    return saveFigure(plot, path, size.width, size.height);
}

tl::expected<void, std::string> writeComparison(const std::vector<RunSeries>& runs,
                                                FigureKind kind, const std::string& path,
                                                FigureSize size) {
    QCustomPlot plot;
    drawComparison(plot, runs, kind, size.width);
    return saveFigure(plot, path, size.width, size.height);
}

}  // namespace moe::plots
