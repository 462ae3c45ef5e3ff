#include "ui/results/reportwriter.h"

#include "core/common/fileio.h"
#include "core/project/demo.h"
#include "ui/common/plotcontroller.h"
#include "ui/common/plotpalette.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/training/runcompareview.h"

#include <QtCore/QBuffer>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtGui/QPageSize>
#include <QtGui/QPdfWriter>
#include <QtGui/QTextDocument>

#include <algorithm>
#include <cmath>

namespace fopro::ui {

namespace {

QString esc(const QString &s)
{
    return s.toHtmlEscaped();
}

QString pngBase64(const QImage &image)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return QString::fromLatin1(bytes.toBase64());
}

/// A light palette for plots drawn for paper.
PlotPalette paperPalette()
{
    QPalette p;
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::WindowText, QColor(0x20, 0x20, 0x20));
    return PlotPalette::fromPalette(p);
}

int groupIndex(const QString &group)
{
    return group == QLatin1String("head") ? 0 : group == QLatin1String("medium") ? 1 : 2;
}

QString td(const QString &text, bool right = false, const QString &style = {})
{
    QString attrs = right ? QStringLiteral(" align=\"right\"") : QString();
    if (!style.isEmpty()) attrs += QStringLiteral(" style=\"%1\"").arg(style);
    return QStringLiteral("<td%1>%2</td>").arg(attrs, text);
}

QString deltaCell(double value, double reference, bool lowerIsBetter = false)
{
    const QString text = percentPointDeltaText(value, reference);
    if (!std::isfinite(value) || !std::isfinite(reference)) return td(text, true);
    const double pp = std::round((value - reference) * 1000.0) / 10.0;
    if (pp == 0) return td(text, true);
    const bool better = lowerIsBetter ? pp < 0 : pp > 0;
    return td(text, true, better ? QStringLiteral("color:#009E73") : QStringLiteral("color:#D55E00"));
}

} // namespace

QStringList reportSections()
{
    return {QObject::tr("Dataset"),     QObject::tr("Configuration"),     QObject::tr("Training curves"),
            QObject::tr("Results"),     QObject::tr("Per-class results"), QObject::tr("Confusion matrix"),
            QObject::tr("Calibration"), QObject::tr("Reproducibility")};
}

QImage renderLongTailImage(const RunResults &run, int width, int height)
{
    QCustomPlot plot;
    plot.resize(width, height);
    const PlotPalette pal = paperPalette();
    const std::vector<int> counts = run.trainCounts();
    std::vector<int> order(counts.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = int(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return counts[std::size_t(a)] > counts[std::size_t(b)]; });
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (int g = 0; g < 3; ++g) {
        auto *bars = new QCPBars(plot.xAxis, plot.yAxis);
        bars->setBrush(PlotPalette::tailGroupColor(g));
        bars->setPen(QPen(PlotPalette::tailGroupColor(g).darker(140)));
        bars->setWidth(0.7);
        bars->setName(g == 0 ? QObject::tr("head") : g == 1 ? QObject::tr("medium") : QObject::tr("tail"));
        for (std::size_t i = 0; i < order.size(); ++i) {
            const int k = order[i];
            QString group;
            for (const ClassResult &c : run.classes)
                if (c.index == k) group = c.group;
            if (groupIndex(group) == g && counts[std::size_t(k)] > 0) bars->addData(double(i), counts[std::size_t(k)]);
        }
    }
    for (std::size_t i = 0; i < order.size(); ++i)
        ticker->addTick(double(i), run.classNames.value(order[i]));
    plot.xAxis->setTicker(ticker);
    plot.xAxis->setTickLabelRotation(order.size() > 6 ? -35 : 0);
    plot.xAxis->setRange(-0.6, double(order.size()) - 0.4);
    plot.yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot.yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    int maxCount = 1;
    for (int c : counts)
        maxCount = std::max(maxCount, c);
    plot.yAxis->setRange(0.8, maxCount * 1.8);
    plot.yAxis->setLabel(QObject::tr("training images (log scale)"));
    plot.legend->setVisible(true);
    pal.apply(&plot);
    return plot.toPixmap(width, height, 1.0).toImage();
}

QImage renderTrainingCurvesImage(const RunResults &run, int width, int height)
{
    QCustomPlot plot;
    plot.resize(width, height);
    const PlotPalette pal = paperPalette();
    struct Series {
        QString name;
        double project::EpochRecord::*field;
        int colour;
    };
    const Series series[] = {{QObject::tr("val balanced accuracy"), &project::EpochRecord::valBalancedAccuracy, 0},
                             {QObject::tr("val macro-F1"), &project::EpochRecord::valMacroF1, 2},
                             {QObject::tr("val tail recall"), &project::EpochRecord::valTailRecall, 5}};
    for (const Series &s : series) {
        auto *g = plot.addGraph();
        g->setName(s.name);
        g->setPen(QPen(PlotPalette::categorical(s.colour), 2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
        for (const project::EpochRecord &e : run.epochs)
            if (std::isfinite(e.*(s.field))) g->addData(e.epoch, e.*(s.field));
    }
    auto *loss = plot.addGraph(plot.xAxis, plot.yAxis2);
    loss->setName(QObject::tr("training loss (right axis)"));
    loss->setPen(QPen(PlotPalette::categorical(1), 2, Qt::DashLine));
    double maxLoss = 0;
    for (const project::EpochRecord &e : run.epochs) {
        const double l = e.loss(QStringLiteral("loss"));
        if (std::isfinite(l)) {
            loss->addData(e.epoch, l);
            maxLoss = std::max(maxLoss, l);
        }
    }
    plot.yAxis2->setVisible(true);
    plot.yAxis2->setRange(0, maxLoss > 0 ? maxLoss * 1.1 : 1);
    plot.yAxis2->setLabel(QObject::tr("loss"));
    plot.xAxis->setLabel(QObject::tr("epoch"));
    plot.yAxis->setLabel(QObject::tr("validation"));
    plot.yAxis->setRange(0, 1);
    const double last = run.epochs.empty() ? 1 : run.epochs.back().epoch;
    plot.xAxis->setRange(0.8, std::max(2.0, last + 0.2));
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot.xAxis->setTicker(ticker);
    plot.legend->setVisible(true);
    plot.axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    pal.apply(&plot);
    return plot.toPixmap(width, height, 1.0).toImage();
}

QString buildReportHtml(const ReportInput &in, bool embed, QMap<QString, QImage> *resources)
{
    if (!in.run) return {};
    const RunResults &r = *in.run;
    QMap<QString, QImage> images = in.plots;
    images.insert(QStringLiteral("longtail"), renderLongTailImage(r));
    if (!r.epochs.empty()) images.insert(QStringLiteral("curves"), renderTrainingCurvesImage(r));
    const auto img = [&](const QString &name, const QString &alt, int width = 680) -> QString {
        const QImage image = images.value(name);
        if (image.isNull()) return {};
        const int w = std::min(width, image.width());
        if (embed)
            return QStringLiteral("<p><img src=\"data:image/png;base64,%1\" alt=\"%2\" width=\"%3\"></p>")
                .arg(pngBase64(image), esc(alt))
                .arg(w);
        if (resources) resources->insert(name, image);
        return QStringLiteral("<p><img src=\"report:%1\" alt=\"%2\" width=\"%3\"></p>").arg(name, esc(alt)).arg(w);
    };
    const QStringList sections = reportSections();
    const QJsonObject config = r.header.value(QStringLiteral("config")).toObject();
    const QJsonObject dataset = r.header.value(QStringLiteral("dataset")).toObject();
    const QJsonObject versions = r.header.value(QStringLiteral("versions")).toObject();

    QString h;
    h += QStringLiteral("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%1</title>\n")
             .arg(esc(QObject::tr("Results of %1").arg(r.title)));
    h += QStringLiteral("<style>body{font-family:sans-serif;max-width:60em;margin:1em auto;color:#202020}"
                        "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #bbb;padding:2px 6px}"
                        "th{background:#eee}h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.4em;"
                        "border-bottom:1px solid #ccc}.note{color:#555}</style></head><body>\n");
    h += QStringLiteral("<h1>%1</h1>\n").arg(esc(QObject::tr("Results of the run %1").arg(r.title)));
    h += QStringLiteral("<p class=\"note\">%1</p>\n")
             .arg(esc(QObject::tr("Project %1 · split %2 · %3 images · written %4 by FoPro-KD Studio")
                          .arg(in.projectName, r.split)
                          .arg(r.predictions.size())
                          .arg(QDateTime::currentDateTime().toString(Qt::ISODate))));
    if (in.demo) h += QStringLiteral("<p class=\"note\"><b>%1</b></p>\n").arg(esc(project::demoDisclaimer()));

    // Dataset.
    h += QStringLiteral("<h2>%1</h2>\n").arg(sections[0]);
    const std::vector<int> counts = r.trainCounts();
    int maxCount = 0, minCount = -1;
    for (int c : counts)
        if (c > 0) {
            maxCount = std::max(maxCount, c);
            minCount = minCount < 0 ? c : std::min(minCount, c);
        }
    h += QStringLiteral("<p>%1</p>\n")
             .arg(esc(QObject::tr("Manifest %1: %2 classes; %3 training, %4 validation, %5 test images.")
                          .arg(dataset.value(QStringLiteral("manifest")).toString())
                          .arg(r.numClasses())
                          .arg(dataset.value(QStringLiteral("train")).toInt())
                          .arg(dataset.value(QStringLiteral("val")).toInt())
                          .arg(dataset.value(QStringLiteral("test")).toInt())));
    if (maxCount > 0 && minCount > 0)
        h += QStringLiteral("<p>%1</p>\n")
                 .arg(esc(QObject::tr("Imbalance ratio (largest / smallest training class): %1 (%2 / %3). "
                                      "Groups by training images: head > %4 (classes: %5), medium (%6), tail < %7 "
                                      "(%8).")
                              .arg(double(maxCount) / minCount, 0, 'f', 1)
                              .arg(maxCount)
                              .arg(minCount)
                              .arg(r.headline.many)
                              .arg(r.headline.headClasses)
                              .arg(r.headline.mediumClasses)
                              .arg(r.headline.few)
                              .arg(r.headline.tailClasses)));
    h += img(QStringLiteral("longtail"), QObject::tr("Training images per class"));

    // Configuration.
    h += QStringLiteral("<h2>%1</h2>\n<table>\n").arg(sections[1]);
    // The student and teacher as the run history words them (RunFolder::details).
    const auto details = project::RunFolder::details(r.dir, strategyHasTeacher);
    const QString studentText = details ? details->student : QString();
    const QString teacherText = details && !details->teacher.isEmpty() ? details->teacher : QObject::tr("none");
    const QList<QPair<QString, QString>> rows = {
        {QObject::tr("Strategy"), strategyDisplayName(config.value(QStringLiteral("strategy")).toString())},
        {QObject::tr("Student"), studentText},
        {QObject::tr("Teacher"), teacherText},
        {QObject::tr("Epochs"), QString::number(config.value(QStringLiteral("epochs")).toInt())},
        {QObject::tr("Batch size"), QString::number(config.value(QStringLiteral("batchSize")).toInt())},
        {QObject::tr("Image size"), QString::number(config.value(QStringLiteral("imageSize")).toInt())},
        {QObject::tr("Optimiser"), config.value(QStringLiteral("optimizer")).toString() + QStringLiteral(", lr ") +
                                       QString::number(config.value(QStringLiteral("lr")).toDouble())},
        {QObject::tr("Seed"), QString::number(config.value(QStringLiteral("seed")).toDouble(), 'f', 0)},
    };
    for (const auto &[k, v] : rows)
        h += QStringLiteral("<tr><th align=\"left\">%1</th>%2</tr>\n").arg(esc(k), td(esc(v)));
    h += QStringLiteral("</table>\n<details><summary>%1</summary><pre>%2</pre></details>\n")
             .arg(esc(QObject::tr("The whole configuration (JSON)")),
                  esc(QString::fromUtf8(QJsonDocument(config).toJson(QJsonDocument::Indented))));

    // Training curves.
    h += QStringLiteral("<h2>%1</h2>\n").arg(sections[2]);
    if (r.epochs.empty())
        h += QStringLiteral("<p>%1</p>\n").arg(esc(QObject::tr("The run has no epochs.csv.")));
    else
        h += img(QStringLiteral("curves"), QObject::tr("Training curves"));

    // Results (headline, comparison).
    h += QStringLiteral("<h2>%1</h2>\n<table>\n<tr><th>%2</th>").arg(sections[3], esc(QObject::tr("Run")));
    const QStringList metricNames = {
        QObject::tr("Balanced accuracy"), QObject::tr("Macro-F1"),      QObject::tr("MCC"),
        QObject::tr("Cohen's κ"),         QObject::tr("ROC-AUC"),       QObject::tr("ECE"),
        QObject::tr("Head recall"),       QObject::tr("Medium recall"), QObject::tr("Tail recall")};
    for (const QString &m : metricNames)
        h += QStringLiteral("<th>%1</th>").arg(esc(m));
    h += QStringLiteral("</tr>\n");
    const auto values = [](const Headline &x) {
        return std::vector<double>{x.balancedAccuracy, x.macroF1,      x.matthews,  x.kappa, x.rocAucMacro, x.ece,
                                   x.headRecall,       x.mediumRecall, x.tailRecall};
    };
    const std::vector<double> main = values(r.headline);
    h += QStringLiteral("<tr>%1").arg(td(esc(r.title)));
    for (double v : main)
        h += td(metricText(v), true);
    h += QStringLiteral("</tr>\n");
    for (const RunResults *o : in.compared) {
        const std::vector<double> other = values(o->headline);
        h += QStringLiteral("<tr>%1").arg(td(esc(o->title)));
        for (double v : other)
            h += td(metricText(v), true);
        h += QStringLiteral("</tr>\n<tr>%1").arg(td(esc(QObject::tr("Δ %1").arg(o->title))));
        for (std::size_t i = 0; i < other.size(); ++i)
            h += deltaCell(other[i], main[i], i == 5);
        h += QStringLiteral("</tr>\n");
    }
    h += QStringLiteral("</table>\n<p class=\"note\">%1</p>\n")
             .arg(esc(QObject::tr("Balanced accuracy = mean per-class recall; ROC-AUC: macro one-vs-rest; ECE: "
                                  "expected calibration error (%1 bins). Head / medium / tail: mean recall of the "
                                  "classes with more than %2, between, and fewer than %3 training images.")
                          .arg(r.calibration.bins.size())
                          .arg(r.headline.many)
                          .arg(r.headline.few)));
    h += img(QStringLiteral("recall"), QObject::tr("Recall against training images"));

    // Per-class results.
    h += QStringLiteral("<h2>%1</h2>\n<table>\n<tr>").arg(sections[4]);
    for (const QString &c : {QObject::tr("Class"), QObject::tr("Group"), QObject::tr("Train"), QObject::tr("Support"),
                             QObject::tr("Precision"), QObject::tr("Recall"), QObject::tr("F1"), QObject::tr("AUC")})
        h += QStringLiteral("<th>%1</th>").arg(esc(c));
    for (const RunResults *o : in.compared)
        h += QStringLiteral("<th>%1</th>").arg(esc(QObject::tr("Δ recall %1").arg(o->title)));
    h += QStringLiteral("</tr>\n");
    for (const ClassResult &c : r.classes) {
        h += QStringLiteral("<tr>") + td(esc(c.name)) + td(esc(c.group)) +
             td(c.trainCount >= 0 ? QString::number(c.trainCount) : missingText(), true) +
             td(QString::number(c.support), true) + td(metricText(c.precision), true) + td(metricText(c.recall), true) +
             td(metricText(c.f1), true) + td(metricText(c.rocAuc), true);
        for (const RunResults *o : in.compared) {
            double other = std::numeric_limits<double>::quiet_NaN();
            for (const ClassResult &oc : o->classes)
                if (oc.name == c.name) other = oc.recall;
            h += deltaCell(other, c.recall);
        }
        h += QStringLiteral("</tr>\n");
    }
    h += QStringLiteral("</table>\n");

    // Confusion matrix.
    h += QStringLiteral("<h2>%1</h2>\n").arg(sections[5]);
    h += img(QStringLiteral("confusion"), QObject::tr("Confusion matrix"));
    h += QStringLiteral("<table>\n<tr><th>%1</th>").arg(esc(QObject::tr("true \\ predicted")));
    for (int p = 0; p < r.numClasses(); ++p)
        h += QStringLiteral("<th>%1</th>").arg(esc(r.classNames[p]));
    h += QStringLiteral("</tr>\n");
    for (int t = 0; t < r.numClasses(); ++t) {
        h += QStringLiteral("<tr><th align=\"left\">%1</th>").arg(esc(r.classNames[t]));
        for (int p = 0; p < r.numClasses(); ++p)
            h += td(QString::number(r.confusion.count(t, p)), true,
                    t == p ? QStringLiteral("font-weight:bold") : QString());
        h += QStringLiteral("</tr>\n");
    }
    h += QStringLiteral("</table>\n");

    // Calibration.
    h += QStringLiteral("<h2>%1</h2>\n").arg(sections[6]);
    h += QStringLiteral("<p>%1</p>\n")
             .arg(esc(QObject::tr("Expected calibration error on the %1 split: %2.")
                          .arg(r.split)
                          .arg(r.calibration.ece, 0, 'f', 4)));
    if (r.temperature.available)
        h += QStringLiteral("<p>%1</p>\n")
                 .arg(esc(QObject::tr("Temperature scaling fitted on the %1 predictions: T = %2 (validation NLL "
                                      "%3 → %4). On the %5 split: ECE %6 → %7, NLL %8 → %9.")
                              .arg(r.temperature.fittedOn)
                              .arg(r.temperature.fit.temperature, 0, 'f', 3)
                              .arg(r.temperature.fit.nllBefore, 0, 'f', 4)
                              .arg(r.temperature.fit.nllAfter, 0, 'f', 4)
                              .arg(r.split)
                              .arg(r.temperature.eceBefore, 0, 'f', 4)
                              .arg(r.temperature.eceAfter, 0, 'f', 4)
                              .arg(r.temperature.nllBefore, 0, 'f', 4)
                              .arg(r.temperature.nllAfter, 0, 'f', 4)));
    else if (!r.temperature.reason.isEmpty())
        h += QStringLiteral("<p class=\"note\">%1</p>\n")
                 .arg(esc(QObject::tr("No temperature scaling: %1").arg(r.temperature.reason)));
    h += img(QStringLiteral("reliability"), QObject::tr("Reliability diagram"));
    h += img(QStringLiteral("roc"), QObject::tr("ROC curves"));
    h += img(QStringLiteral("pr"), QObject::tr("Precision-recall curves"));

    // Reproducibility.
    h += QStringLiteral("<h2>%1</h2>\n<table>\n").arg(sections[7]);
    const QList<QPair<QString, QString>> repro = {
        {QObject::tr("Run folder"), r.dir},
        {QObject::tr("Created"), r.header.value(QStringLiteral("created")).toString()},
        {QObject::tr("Host"), r.header.value(QStringLiteral("host")).toString()},
        {QObject::tr("Seed"), QString::number(config.value(QStringLiteral("seed")).toDouble(), 'f', 0)},
        {QObject::tr("Dataset manifest"), dataset.value(QStringLiteral("manifest")).toString()},
        {QObject::tr("Manifest SHA-256"), dataset.value(QStringLiteral("sha256")).toString()},
        {QObject::tr("FoPro-KD Studio"), versions.value(QStringLiteral("app")).toString()},
        {QObject::tr("LibTorch"), versions.value(QStringLiteral("libtorch")).toString()},
        {QObject::tr("Qt"), versions.value(QStringLiteral("qt")).toString()},
        {QObject::tr("OpenCV"), versions.value(QStringLiteral("opencv")).toString()},
        {QObject::tr("Torch threads"), QString::number(r.header.value(QStringLiteral("threads")).toInt())},
    };
    for (const auto &[k, v] : repro)
        h += QStringLiteral("<tr><th align=\"left\">%1</th>%2</tr>\n").arg(esc(k), td(esc(v)));
    h += QStringLiteral("</table>\n<p class=\"note\">%1</p>\n")
             .arg(esc(QObject::tr("Re-check: fopro eval \"%1\" --split %2 recomputes these numbers from the "
                                  "run's best student.")
                          .arg(r.dir, r.split)));
    h += QStringLiteral("</body></html>\n");
    return h;
}

std::unique_ptr<QTextDocument> buildReportDocument(const ReportInput &input)
{
    QMap<QString, QImage> resources;
    const QString paged = buildReportHtml(input, false, &resources);
    auto doc = std::make_unique<QTextDocument>();
    for (auto it = resources.cbegin(); it != resources.cend(); ++it)
        doc->addResource(QTextDocument::ImageResource, QUrl(QStringLiteral("report:") + it.key()), it.value());
    QFont f = doc->defaultFont();
    f.setPointSizeF(9);
    doc->setDefaultFont(f);
    doc->setHtml(paged);
    return doc;
}

Result<void> writeReport(const ReportInput &input, const QString &htmlFile, const QString &pdfFile)
{
    if (!input.run) return makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("no results to report"));
    const QString html = buildReportHtml(input, true);
    if (auto w = fileio::writeAtomically(htmlFile, html.toUtf8()); !w) return w;
    if (pdfFile.isEmpty()) return {};

    const std::unique_ptr<QTextDocument> doc = buildReportDocument(input);
    const QString part = pdfFile + QStringLiteral(".part");
    {
        QPdfWriter writer(part);
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setResolution(144);
        writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
        writer.setTitle(QObject::tr("Results of %1").arg(input.run->title));
        writer.setCreator(QStringLiteral("FoPro-KD Studio"));
        doc->print(&writer);
    }
    QFile::remove(pdfFile);
    if (!QFileInfo::exists(part) || !QFile::rename(part, pdfFile))
        return makeError(ErrorCode::WriteFailed, pdfFile, QStringLiteral("cannot write the PDF"));
    return {};
}

} // namespace fopro::ui
