#include "ui/training/runcompareview.h"

#include "core/jobs/jobmanager.h"
#include "core/ml/strategies.h"
#include "ui/common/plotcontroller.h"
#include "ui/common/plotpalette.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/training/curveplot.h"

#include <QtCore/QSet>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QStyle>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

#include <cmath>
#include <limits>

namespace fopro::ui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const QChar kMinus(0x2212);

double numberOrNaN(const QJsonValue &v)
{
    return v.isDouble() ? v.toDouble() : kNaN;
}

/// tailGroups.<group>.meanRecall of a metrics object.
double groupRecall(const QJsonObject &metrics, const char *group)
{
    return numberOrNaN(metrics.value(QStringLiteral("tailGroups"))
                           .toObject()
                           .value(QLatin1String(group))
                           .toObject()
                           .value(QStringLiteral("meanRecall")));
}

/// The index of the best epoch: status.json's bestEpoch when epochs.csv has it with a validation
/// value, else the first epoch with the highest validation balanced accuracy; -1 when none.
int bestEpochIndex(const std::vector<project::EpochRecord> &epochs, int statusBest)
{
    int best = -1;
    for (size_t i = 0; i < epochs.size(); ++i) {
        const double v = epochs[i].valBalancedAccuracy;
        if (epochs[i].epoch == statusBest && std::isfinite(v)) return int(i);
        if (std::isfinite(v) && (best < 0 || v > epochs[size_t(best)].valBalancedAccuracy)) best = int(i);
    }
    return best;
}

enum class Kind { Rate, Count, Seconds };

Kind kindOf(RunCompareView::MetricRow row)
{
    switch (row) {
    case RunCompareView::BestEpoch:
    case RunCompareView::Epochs:
        return Kind::Count;
    case RunCompareView::Duration:
        return Kind::Seconds;
    default:
        return Kind::Rate;
    }
}

QString rowName(RunCompareView::MetricRow row)
{
    switch (row) {
    case RunCompareView::BestValBalancedAccuracy:
        return RunCompareView::tr("Best val. balanced accuracy");
    case RunCompareView::BestEpoch:
        return RunCompareView::tr("Best epoch");
    case RunCompareView::ValMacroF1:
        return RunCompareView::tr("Val. macro-F1 (best)");
    case RunCompareView::ValHeadRecall:
        return RunCompareView::tr("Val. head recall (best)");
    case RunCompareView::ValMediumRecall:
        return RunCompareView::tr("Val. medium recall (best)");
    case RunCompareView::ValTailRecall:
        return RunCompareView::tr("Val. tail recall (best)");
    case RunCompareView::TestBalancedAccuracy:
        return RunCompareView::tr("Test balanced accuracy");
    case RunCompareView::TestMacroF1:
        return RunCompareView::tr("Test macro-F1");
    case RunCompareView::TestHeadRecall:
        return RunCompareView::tr("Test head recall");
    case RunCompareView::TestMediumRecall:
        return RunCompareView::tr("Test medium recall");
    case RunCompareView::TestTailRecall:
        return RunCompareView::tr("Test tail recall");
    case RunCompareView::Epochs:
        return RunCompareView::tr("Epochs");
    case RunCompareView::Duration:
        return RunCompareView::tr("Duration");
    case RunCompareView::MetricRowCount:
        break;
    }
    return {};
}

QString signedCount(double v)
{
    const long long n = std::llround(v);
    return n < 0 ? kMinus + QString::number(-n) : QLatin1Char('+') + QString::number(n);
}

/// Reads the runs for the comparison (on a worker thread).
Result<std::vector<RunCompareView::Run>> readRuns(const QStringList &dirs, QStringList *errors, JobControl *control)
{
    std::vector<RunCompareView::Run> runs;
    for (const QString &dir : dirs) {
        if (isCancelled(control)) return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));
        auto details = project::RunFolder::details(dir, strategyHasTeacher);
        if (!details) {
            *errors << details.error().message();
            continue;
        }
        RunCompareView::Run r;
        r.details = std::move(details).value();
        const project::RunFolder folder(r.details.dir);
        if (auto e = folder.readEpochs())
            r.epochs = std::move(e).value();
        else
            *errors << e.error().message();
        if (folder.resultSplits().contains(QStringLiteral("test"))) {
            if (auto m = folder.readMetrics(QStringLiteral("test")))
                r.test = *m;
            else
                *errors << m.error().message();
        }
        r.bestIndex = bestEpochIndex(r.epochs, r.details.status.bestEpoch);
        runs.push_back(std::move(r));
    }
    // Unique labels: the legend and the table's headers tell runs apart by them.
    QSet<QString> used;
    for (auto &r : runs) {
        QString label = r.details.title;
        for (int n = 2; used.contains(label); ++n)
            label = QStringLiteral("%1 (%2)").arg(r.details.title).arg(n);
        used.insert(label);
        r.label = label;
    }
    return runs;
}

struct Loaded {
    std::vector<RunCompareView::Run> runs;
    QStringList errors;
};

} // namespace

// ---- formatting -----------------------------------------------------------------------------------

QString missingText()
{
    return QStringLiteral("–");
}

QString percentText(double rate)
{
    if (!std::isfinite(rate)) return missingText();
    return QString::number(rate * 100.0, 'f', 1) + QLatin1Char('%');
}

QString percentPointDeltaText(double value, double reference)
{
    if (!std::isfinite(value) || !std::isfinite(reference)) return missingText();
    const double pp = std::round((value - reference) * 1000.0) / 10.0; // one decimal, in points
    const QString number = QString::number(std::abs(pp), 'f', 1);
    return (pp < 0 ? QString(kMinus) : QStringLiteral("+")) + number + QStringLiteral(" pp");
}

QString shortDurationText(double seconds)
{
    if (!std::isfinite(seconds) || seconds <= 0) return missingText();
    if (seconds < 59.5) return RunCompareView::tr("%1 s").arg(std::max(1LL, std::llround(seconds)));
    const long long minutes = std::llround(seconds / 60.0);
    if (minutes < 60) return RunCompareView::tr("%1 min").arg(minutes);
    return RunCompareView::tr("%1 h %2 min").arg(minutes / 60).arg(minutes % 60, 2, 10, QLatin1Char('0'));
}

QString signedDurationText(double seconds)
{
    if (!std::isfinite(seconds)) return missingText();
    const QString sign = seconds < -0.5 ? QString(kMinus) : QStringLiteral("+");
    const double a = std::abs(seconds);
    return sign + (a < 0.5 ? RunCompareView::tr("0 s") : shortDurationText(a));
}

QString strategyDisplayName(const QString &id)
{
    const ml::StrategyInfo *s = ml::findStrategy(id);
    return s ? s->displayName : id;
}

bool strategyHasTeacher(const QString &id)
{
    const ml::StrategyInfo *s = ml::findStrategy(id);
    return !s || s->needsTeacher;
}

// ---- RunCompareView ---------------------------------------------------------------------------------

RunCompareView::RunCompareView(JobManager *jobs, QWidget *parent) : QWidget(parent), m_jobs(jobs)
{
    m_heading = new QLabel(this);
    m_heading->setTextFormat(Qt::PlainText);
    m_reference = new QComboBox(this);
    m_reference->setAccessibleName(tr("Reference run"));
    m_reference->setToolTip(tr("The Δ columns compare every other run with this one"));
    m_reference->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_reference->setMinimumContentsLength(14);
    connect(m_reference, &QComboBox::activated, this, &RunCompareView::setReferenceIndex);
    auto *close = new QToolButton(this);
    close->setText(tr("Close"));
    close->setToolTip(tr("Close the comparison"));
    close->setAutoRaise(true);
    connect(close, &QToolButton::clicked, this, &RunCompareView::closeRequested);

    auto *head = new QHBoxLayout;
    head->setContentsMargins(0, 0, 0, 0);
    head->addWidget(m_heading);
    head->addWidget(m_reference);
    head->addStretch(1);
    head->addWidget(close);

    auto *curves = new QWidget(this);
    m_legend = new QLabel(curves);
    m_legend->setTextFormat(Qt::RichText);
    m_legend->setWordWrap(true);
    m_legend->setAccessibleName(tr("Legend of the compared runs"));
    auto *curvesLayout = new QVBoxLayout(curves);
    curvesLayout->setContentsMargins(0, 2, 0, 0);
    curvesLayout->setSpacing(2);
    curvesLayout->addWidget(m_legend);
    auto *grid = new QGridLayout;
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(4);
    curvesLayout->addLayout(grid, 1);
    const struct {
        Plot plot;
        QString title;
    } specs[] = {
        {ValBalancedAccuracyPlot, tr("Validation balanced accuracy")},
        {LossPlot, tr("Total loss")},
        {ValTailRecallPlot, tr("Validation tail recall")},
        {ValMacroF1Plot, tr("Validation macro-F1")},
    };
    for (const auto &s : specs) {
        // The title names the value, so no y label; "epoch" under the bottom row only: the plots
        // share the space under the history table at 1024×700.
        auto *p = new CurvePlot(s.title, QString(), curves);
        p->plot()->setMinimumSize(180, 130);
        if (int(s.plot) < 2) p->plot()->xAxis->setLabel(QString());
        QSharedPointer<QCPAxisTickerFixed> epochs(new QCPAxisTickerFixed);
        epochs->setTickStep(1.0);
        epochs->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        p->plot()->xAxis->setTicker(epochs);
        p->plot()->yAxis->ticker()->setTickCount(3);
        p->controller()->setExportName(QStringLiteral("compare-") + p->controller()->exportName());
        m_plots[s.plot] = p;
        grid->addWidget(p, int(s.plot) / 2, int(s.plot) % 2);
    }

    m_table = new QTableWidget(MetricRowCount, 0, this);
    m_table->setAccessibleName(tr("Run comparison metrics"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionMode(QAbstractItemView::ContiguousSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    QStringList rows;
    for (int r = 0; r < MetricRowCount; ++r)
        rows << rowName(MetricRow(r));
    m_table->setVerticalHeaderLabels(rows);

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(curves, tr("C&urves"));
    m_tabs->addTab(m_table, tr("&Metrics"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(head);
    layout->addWidget(m_tabs, 1);
}

void RunCompareView::setRuns(const QStringList &dirs)
{
    m_dirs = dirs;
    m_referenceIndex = 0;
    reload();
}

void RunCompareView::reload()
{
    const quint64 generation = ++m_generation;
    const QStringList dirs = m_dirs;
    m_heading->setText(tr("Reading the runs…"));
    if (!m_jobs) {
        QStringList errors;
        auto runs = readRuns(dirs, &errors, nullptr);
        present(runs ? std::move(runs).value() : std::vector<Run>{}, errors);
        return;
    }
    ++m_pendingLoads;
    m_jobs->submit<Loaded>(
        JobManager::Kind::Io, tr("Compare runs"),
        [dirs](JobControl &control, const ProgressSink &) -> Result<Loaded> {
            Loaded l;
            auto runs = readRuns(dirs, &l.errors, &control);
            if (!runs) return runs.error();
            l.runs = std::move(runs).value();
            return l;
        },
        [this, generation](const Result<Loaded> &r) {
            --m_pendingLoads;
            if (generation != m_generation) return; // a newer setRuns() is on its way
            if (!r) {
                if (r.error().code != ErrorCode::Cancelled) Q_EMIT statusMessage(r.error().message());
                present({}, {});
                return;
            }
            present(r->runs, r->errors);
        },
        this);
}

void RunCompareView::present(std::vector<Run> runs, const QStringList &errors)
{
    m_runs = std::move(runs);
    m_referenceIndex = std::clamp(m_referenceIndex, 0, std::max(0, int(m_runs.size()) - 1));
    m_heading->setText(m_runs.empty() ? tr("No runs to compare.") : tr("%1 runs · Δ against").arg(m_runs.size()));
    m_reference->clear();
    for (const Run &r : m_runs)
        m_reference->addItem(r.label, r.details.dir);
    m_reference->setCurrentIndex(m_referenceIndex);
    m_reference->setVisible(m_runs.size() > 1);
    rebuildPlots();
    rebuildTable();
    if (!errors.isEmpty())
        Q_EMIT statusMessage(tr("Some runs could not be read completely: %1").arg(errors.join(QStringLiteral("; "))));
    Q_EMIT loaded();
}

void RunCompareView::setReferenceIndex(int index)
{
    if (index < 0 || index >= int(m_runs.size()) || index == m_referenceIndex) return;
    m_referenceIndex = index;
    if (m_reference->currentIndex() != index) m_reference->setCurrentIndex(index);
    rebuildTable();
}

void RunCompareView::rebuildPlots()
{
    for (CurvePlot *p : m_plots)
        p->clear();
    // A plot's series are created on first use and never removed: a fresh plot per comparison
    // would lose the user's zoom for nothing, so series of runs no longer compared are emptied
    // and hidden instead.
    for (CurvePlot *p : m_plots)
        for (int i = 0; i < p->plot()->graphCount(); ++i) {
            p->plot()->graph(i)->setVisible(false);
            p->plot()->graph(i)->removeFromLegend();
        }
    for (size_t i = 0; i < m_runs.size(); ++i) {
        const Run &r = m_runs[i];
        const QColor color = PlotPalette::categorical(int(i));
        for (CurvePlot *p : m_plots) {
            QCPGraph *g = p->series(r.label, color, CurvePlot::Style::LineMarkers, false);
            QPen pen = g->pen();
            pen.setColor(color);
            g->setPen(pen);
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, color, 5));
            g->setVisible(true);
            g->removeFromLegend(); // the shared legend above the plots names the runs
        }
        for (const project::EpochRecord &e : r.epochs) {
            m_plots[ValBalancedAccuracyPlot]->addPoint(r.label, e.epoch, e.valBalancedAccuracy);
            m_plots[LossPlot]->addPoint(r.label, e.epoch, e.loss(QStringLiteral("loss")));
            m_plots[ValTailRecallPlot]->addPoint(r.label, e.epoch, e.valTailRecall);
            m_plots[ValMacroF1Plot]->addPoint(r.label, e.epoch, e.valMacroF1);
        }
    }
    for (CurvePlot *p : m_plots)
        p->rescale(p == m_plots[LossPlot]);

    // One legend above the four plots: run titles are long, and four legends of three or more
    // of them do not fit beside each other at half the width of the History tab.
    QStringList entries;
    for (size_t i = 0; i < m_runs.size(); ++i)
        entries << QStringLiteral("<span style=\"color:%1\">&#x2501;&#x25cf;&#x2501;</span>&nbsp;%2")
                       .arg(PlotPalette::categorical(int(i)).name(),
                            m_runs[i].label.toHtmlEscaped().replace(QLatin1Char(' '), QStringLiteral("&nbsp;")));
    m_legend->setText(entries.join(QStringLiteral(" &nbsp; ")));
    m_legend->setVisible(!entries.isEmpty());
}

double RunCompareView::value(MetricRow row, const Run &run) const
{
    const project::EpochRecord *best = run.bestIndex >= 0 ? &run.epochs[size_t(run.bestIndex)] : nullptr;
    const auto atBest = [best](double project::EpochRecord::*field) { return best ? best->*field : kNaN; };
    switch (row) {
    case BestValBalancedAccuracy:
        return run.details.bestValBalancedAccuracy;
    case BestEpoch:
        return best ? best->epoch : kNaN;
    case ValMacroF1:
        return atBest(&project::EpochRecord::valMacroF1);
    case ValHeadRecall:
        return atBest(&project::EpochRecord::valHeadRecall);
    case ValMediumRecall:
        return atBest(&project::EpochRecord::valMediumRecall);
    case ValTailRecall:
        return atBest(&project::EpochRecord::valTailRecall);
    case TestBalancedAccuracy:
        return numberOrNaN(run.test.value(QStringLiteral("balancedAccuracy")));
    case TestMacroF1:
        return numberOrNaN(run.test.value(QStringLiteral("macroF1")));
    case TestHeadRecall:
        return groupRecall(run.test, "head");
    case TestMediumRecall:
        return groupRecall(run.test, "medium");
    case TestTailRecall:
        return groupRecall(run.test, "tail");
    case Epochs:
        return run.details.epochsDone;
    case Duration:
        return run.details.seconds > 0 ? run.details.seconds : kNaN;
    case MetricRowCount:
        break;
    }
    return kNaN;
}

void RunCompareView::rebuildTable()
{
    const int n = int(m_runs.size());
    const int deltas = n > 1 ? n - 1 : 0;
    m_table->clearContents();
    m_table->setColumnCount(n + deltas);
    const Run *reference = n > 0 ? &m_runs[size_t(m_referenceIndex)] : nullptr;
    const auto setHeader = [this](int column, const QString &text, const QString &tip) {
        auto *h = new QTableWidgetItem(text);
        h->setToolTip(tip);
        m_table->setHorizontalHeaderItem(column, h);
    };
    int column = 0;
    for (int i = 0; i < n; ++i, ++column)
        setHeader(column, m_runs[size_t(i)].label,
                  i == m_referenceIndex
                      ? tr("%1 (reference)\n%2").arg(m_runs[size_t(i)].label, m_runs[size_t(i)].details.dir)
                      : m_runs[size_t(i)].details.dir);
    QList<int> deltaRuns;
    for (int i = 0; i < n; ++i)
        if (i != m_referenceIndex) deltaRuns << i;
    for (int i : std::as_const(deltaRuns))
        setHeader(column++, QStringLiteral("Δ ") + m_runs[size_t(i)].label,
                  tr("%1 minus %2 (the reference)").arg(m_runs[size_t(i)].label, reference->label));

    const QFont deltaFont = [this] {
        QFont f = m_table->font();
        f.setItalic(true);
        return f;
    }();
    for (int row = 0; row < MetricRowCount; ++row) {
        const auto r = MetricRow(row);
        const Kind kind = kindOf(r);
        for (int i = 0; i < n; ++i) {
            const Run &run = m_runs[size_t(i)];
            const double v = value(r, run);
            QString text;
            if (r == Epochs)
                text = run.details.epochsTotal > 0
                           ? QStringLiteral("%1/%2").arg(run.details.epochsDone).arg(run.details.epochsTotal)
                           : QString::number(run.details.epochsDone);
            else if (kind == Kind::Rate)
                text = percentText(v);
            else if (kind == Kind::Seconds)
                text = shortDurationText(v);
            else
                text = std::isfinite(v) ? QString::number(std::llround(v)) : missingText();
            auto *item = new QTableWidgetItem(text);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (kind == Kind::Rate && std::isfinite(v)) item->setToolTip(QString::number(v, 'g', 6));
            m_table->setItem(row, i, item);
        }
        int c = n;
        for (int i : std::as_const(deltaRuns)) {
            const double v = value(r, m_runs[size_t(i)]);
            const double ref = value(r, *reference);
            QString text;
            if (kind == Kind::Rate)
                text = percentPointDeltaText(v, ref);
            else if (!std::isfinite(v) || !std::isfinite(ref))
                text = missingText();
            else if (kind == Kind::Seconds)
                text = signedDurationText(v - ref);
            else
                text = signedCount(v - ref);
            auto *item = new QTableWidgetItem(text);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            item->setFont(deltaFont);
            m_table->setItem(row, c++, item);
        }
    }
    // Columns as wide as their numbers (and at most 116 px): long run titles are elided in the
    // middle (the header's tool tip has the whole title).
    const QFontMetrics fm(m_table->horizontalHeader()->font());
    for (int c = 0; c < m_table->columnCount(); ++c) {
        QTableWidgetItem *h = m_table->horizontalHeaderItem(c);
        const QString full = h->text();
        h->setText(QStringLiteral("Δ"));
        m_table->resizeColumnToContents(c);
        const int width = std::clamp(std::max(m_table->columnWidth(c), fm.horizontalAdvance(full) + 16), 64, 116);
        m_table->setColumnWidth(c, width);
        h->setText(fm.elidedText(full, Qt::ElideMiddle, width - 12));
        h->setData(Qt::UserRole, full);
    }
}

QString RunCompareView::cellText(MetricRow row, int run, bool delta) const
{
    const int n = int(m_runs.size());
    if (run < 0 || run >= n) return {};
    int column = run;
    if (delta) {
        if (run == m_referenceIndex) return {};
        column = n + (run < m_referenceIndex ? run : run - 1);
    }
    const QTableWidgetItem *item = m_table->item(int(row), column);
    return item ? item->text() : QString();
}

} // namespace fopro::ui
