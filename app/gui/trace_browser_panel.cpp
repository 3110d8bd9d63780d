// SPDX-License-Identifier: MIT
#include "app/gui/trace_browser_panel.h"

#include "core/io/trace_reader.h"

#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace moe::gui {

TraceBrowserPanel::TraceBrowserPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("traceSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    layout->addWidget(new QLabel(tr("Scenario that produced it:")));
    m_scenario = new QPlainTextEdit;
    m_scenario->setObjectName(QStringLiteral("traceScenario"));
    m_scenario->setReadOnly(true);
    m_scenario->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    layout->addWidget(m_scenario, 1);
    clear();
}

void TraceBrowserPanel::showHeader(const io::TraceHeader& header, const QString& source) {
    m_summary->setText(
        tr("<b>%1</b><br>schema %2, moelab %3<br>router %4, %5 experts, %6 layer(s)<br>"
           "%7 rows, %8 snapshots, seed %9<br>created %10")
            .arg(source.toHtmlEscaped(), QString::fromStdString(header.schemaVersion),
                 QString::fromStdString(header.moelabVersion),
                 QString::fromStdString(header.routerKind))
            .arg(header.nExperts)
            .arg(header.nLayers)
            .arg(header.rows)
            .arg(header.snapshots)
            .arg(header.seed)
            .arg(header.created.empty() ? tr("(in progress)")
                                        : QString::fromStdString(header.created)));
    m_scenario->setPlainText(QString::fromStdString(header.scenario));
}

void TraceBrowserPanel::clear() {
    m_summary->setText(tr("No trace shown."));
    m_scenario->clear();
}

QString TraceBrowserPanel::scenarioText() const {
    return m_scenario->toPlainText();
}

}  // namespace moe::gui
