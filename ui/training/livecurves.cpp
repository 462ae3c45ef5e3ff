#include "ui/training/livecurves.h"

#include "core/project/epochmetrics.h"

#include "ui/common/plotpalette.h"
#include "ui/training/curveplot.h"

#include <QtWidgets/QGridLayout>

#include <cmath>

namespace fopro::ui {
namespace {

/// Metrics of an epoch event that are not loss terms.
bool isLossTerm(const QString &name)
{
    static const QStringList other{QStringLiteral("lr"), QStringLiteral("seconds"), QStringLiteral("images_per_second"),
                                   QStringLiteral("best")};
    return !name.startsWith(QLatin1String("val_")) && !other.contains(name);
}

/// The legend's words for a loss term of the worker's events ("main_bsm", "prompt_regulariser"...).
QString termLabel(const QString &name)
{
    if (name == QLatin1String("loss")) return LiveCurves::tr("total");
    if (name == QLatin1String("feature")) return LiveCurves::tr("feature");
    if (name == QLatin1String("kd")) return LiveCurves::tr("distillation");
    if (name == QLatin1String("ce")) return LiveCurves::tr("cross-entropy");
    if (name.startsWith(QLatin1String("main_"))) return LiveCurves::tr("main head");
    if (name.startsWith(QLatin1String("aux_"))) return LiveCurves::tr("aux. head");
    if (name == QLatin1String("prompt_discrepancy")) return LiveCurves::tr("prompt discr.");
    if (name == QLatin1String("prompt_regulariser")) return LiveCurves::tr("prompt reg.");
    QString text = name;
    return text.replace(QLatin1Char('_'), QLatin1Char(' '));
}

/// Running points closer than this (in epochs) are skipped, so a long run stays light to draw.
constexpr double kRunningStep = 1.0 / 200;

} // namespace

LiveCurves::LiveCurves(QWidget *parent) : QWidget(parent)
{
    m_loss = new CurvePlot(tr("Loss by term"), tr("loss"), this);
    m_validation = new CurvePlot(tr("Validation"), tr("score"), this);
    m_recall = new CurvePlot(tr("Recall by group"), tr("recall"), this);
    m_rate = new CurvePlot(tr("Learning rate and speed"), tr("learning rate"), this);
    m_validation->setFixedYRange(0, 1);
    m_recall->setFixedYRange(0, 1);
    m_rate->setLogY(true);
    m_loss->setLegendColumns(3); // six terms for FoPro-KD, in two rows

    m_validation->series(tr("balanced accuracy"), PlotPalette::categorical(0));
    m_validation->series(tr("macro-F1"), PlotPalette::categorical(1));
    m_validation->series(tr("accuracy"), PlotPalette::categorical(2), CurvePlot::Style::Dashed);
    m_recall->series(tr("head"), PlotPalette::tailGroupColor(0));
    m_recall->series(tr("medium"), PlotPalette::tailGroupColor(1));
    m_recall->series(tr("tail"), PlotPalette::tailGroupColor(2));
    m_rate->series(tr("learning rate"), PlotPalette::categorical(0));
    m_rate->rightSeries(tr("images/s"), PlotPalette::categorical(1), tr("images/s"));

    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(4);
    grid->addWidget(m_loss, 0, 0);
    grid->addWidget(m_validation, 0, 1);
    grid->addWidget(m_recall, 1, 0);
    grid->addWidget(m_rate, 1, 1);
}

QColor LiveCurves::termColor(const QString &term)
{
    auto it = m_termIndex.find(term);
    if (it == m_termIndex.end()) it = m_termIndex.insert(term, int(m_termIndex.size()));
    return PlotPalette::categorical(*it);
}

void LiveCurves::clear()
{
    for (CurvePlot *p : {m_loss, m_validation, m_recall, m_rate})
        p->clear();
    m_epochs = 0;
    m_lastRunningX = -1;
}

void LiveCurves::addProgress(const Progress &progress)
{
    if (progress.phase != QLatin1String("training") || progress.total <= 0) return;
    const double x = progress.stage + double(progress.done) / double(progress.total);
    if (std::abs(x - m_lastRunningX) < kRunningStep) return;
    m_lastRunningX = x;
    for (const auto &[name, value] : progress.metrics) {
        // The running mean is the legend's entry for its term; the epoch means share its colour.
        const QString label = termLabel(name);
        m_loss->series(label, termColor(name), CurvePlot::Style::Line, true);
        m_loss->addPoint(label, x, value);
    }
    if (progress.rate > 0) m_rate->addPoint(tr("images/s"), x, progress.rate);
    m_loss->rescale(true);
    m_rate->rescale();
    alignX();
}

void LiveCurves::addEpoch(int epoch, const EpochMetrics &metrics)
{
    if (epoch <= m_epochs) {
        // A resumed run repeats epochs after its checkpoint: drop what came later.
        for (CurvePlot *p : {m_loss, m_validation, m_recall, m_rate})
            p->truncateAfter(epoch - 1);
    }
    m_epochs = epoch;
    const double x = epoch;
    const auto value = [&metrics](const char *name) {
        for (const auto &[n, v] : metrics)
            if (n == QLatin1String(name)) return v;
        return qQNaN();
    };
    for (const auto &[name, v] : metrics) {
        if (!isLossTerm(name)) continue;
        const QString label = termLabel(name);
        const QString series = label + QStringLiteral(" (epoch mean)");
        m_loss->series(series, termColor(name), CurvePlot::Style::LineMarkers, !m_loss->hasSeries(label));
        m_loss->addPoint(series, x, v);
    }
    if (value("images_per_second") > 0 && m_lastRunningX < 0) // a stored history: no running rate
        m_rate->addPoint(tr("images/s"), x, value("images_per_second"));
    m_validation->addPoint(tr("balanced accuracy"), x, value("val_balanced_accuracy"));
    m_validation->addPoint(tr("macro-F1"), x, value("val_macro_f1"));
    m_validation->addPoint(tr("accuracy"), x, value("val_accuracy"));
    m_recall->addPoint(tr("head"), x, value("val_head_recall"));
    m_recall->addPoint(tr("medium"), x, value("val_medium_recall"));
    m_recall->addPoint(tr("tail"), x, value("val_tail_recall"));
    if (value("lr") > 0) m_rate->addPoint(tr("learning rate"), x, value("lr"));
    rescaleAll();
}

void LiveCurves::setHistory(const std::vector<project::EpochRecord> &history)
{
    clear();
    for (const project::EpochRecord &r : history)
        addEpoch(r.epoch, project::epochMetrics(r));
    rescaleAll();
}

void LiveCurves::rescaleAll()
{
    m_loss->rescale(true);
    m_validation->rescale();
    m_recall->rescale();
    m_rate->rescale();
    alignX();
}

void LiveCurves::alignX()
{
    // One x range for the four plots, a little past the last point so that a point at the edge
    // (the epoch just finished) shows whole.
    double upper = 1;
    for (CurvePlot *p : {m_loss, m_validation, m_recall, m_rate})
        upper = std::max(upper, p->lastX());
    for (CurvePlot *p : {m_loss, m_validation, m_recall, m_rate})
        p->setXUpper(upper * 1.03);
}

} // namespace fopro::ui
