#pragma once
// The Results page's report: one self-contained HTML file (images embedded as base64 PNG) and the
// same content as PDF (a QTextDocument of the same HTML with the images as resources, printed with
// QPdfWriter). Sections, each with an <h2> heading (reportSections()): Dataset (classes, training
// counts, imbalance ratio, head / medium / tail, the long-tail plot), Configuration, Training curves
// (epochs.csv), Results (the headline, compared runs with differences), Per-class results,
// Confusion matrix, Calibration (reliability, temperature scaling), Reproducibility (versions,
// seed, manifest SHA-256, run folder). Plots are rendered from the page's own plots
// (PlotController / QCustomPlot::toPixmap); the long-tail and training-curve plots are drawn here
// with the same palette. GUI thread only (pixmaps).

#include "core/common/result.h"
#include "ui/results/runresults.h"

#include <QtCore/QMap>
#include <QtCore/QString>
#include <QtGui/QImage>

#include <memory>
#include <vector>

class QTextDocument;

namespace fopro::ui {

struct ReportInput {
    const RunResults *run = nullptr;
    std::vector<const RunResults *> compared;
    QString projectName;
    bool demo = false;
    /// Images of the page's plots by name: "recall", "confusion", "roc", "pr", "reliability".
    QMap<QString, QImage> plots;
};

/// The section headings, in order (the test checks each is in the report).
QStringList reportSections();

/// Draws the long-tail plot (training images per class, coloured by group) and the training curves
/// (validation balanced accuracy / macro-F1 / tail recall and the loss per epoch) for a report.
QImage renderLongTailImage(const RunResults &run, int width = 760, int height = 300);
QImage renderTrainingCurvesImage(const RunResults &run, int width = 760, int height = 300);

/// The report as HTML. With `embed`, images are data: URLs (base64 PNG); otherwise they are
/// "report:<name>" URLs whose images are returned in `resources`.
QString buildReportHtml(const ReportInput &input, bool embed, QMap<QString, QImage> *resources = nullptr);

/// The report as a text document (the HTML with the images as resources): what the PDF prints.
std::unique_ptr<QTextDocument> buildReportDocument(const ReportInput &input);

/// Writes the HTML report (atomically) and, when `pdfFile` is not empty, the PDF (A4).
Result<void> writeReport(const ReportInput &input, const QString &htmlFile, const QString &pdfFile);

} // namespace fopro::ui
