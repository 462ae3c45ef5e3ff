#include "app/cli/demotraining.h"

#include "app/cli/clioutput.h"
#include "app/cli/trainrunner.h"
#include "core/metrics/evaluation.h"
#include "core/ml/teacher.h"
#include "core/ml/trainer.h"
#include "core/project/demo.h"
#include "core/project/runfolder.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>

#include <algorithm>
#include <cmath>

namespace fopro::cli {

namespace {

/// A short but meaningful run: a small CIFAR ResNet on the 32 px images, flips only.
Result<ml::TrainConfig> demoConfig(const DemoTraining &d, const ml::Strategy &strategy, const QString &teacher)
{
    ml::TrainConfig c;
    c.dataset = d.manifest;
    c.imageSize = 32;
    c.student.architecture = "cifar_resnet";
    c.student.widthMultiplier = 0.5;
    c.student.cifarBlocks = {{1, 1, 1, 1}};
    c.strategy = strategy;
    c.epochs = d.epochs;
    c.batchSize = 64;
    c.lr = 1e-3;
    c.augment.enabled = true;
    c.augment.cropScaleMin = 1.0; // flips only: no crop, no colour jitter
    c.augment.horizontalFlip = true;
    c.augment.verticalFlip = false;
    c.augment.brightness = c.augment.contrast = c.augment.saturation = 0.0;
    c.seed = d.seed;
    c.threads = d.threads;
    c.maxTrainBatches = d.maxBatches;
    if (ml::strategyUsesTeacher(strategy) && !teacher.isEmpty()) {
        const auto source = ml::resolveTeacher(teacher); // the one place a teacher's kind is decided
        if (!source) return source.error();
        c.teacher.path = source->file;
        c.teacher.kind = ml::teacherKindName(source->kind);
        c.teacher.outputLayer = !d.teacherLayer.isEmpty()              ? d.teacherLayer
                                : project::isDemoTeacher(source->file) ? project::demoTeacherLayer()
                                                                       : QString();
        c.teacher.inputSize = d.teacherSize;
    }
    c.runDir =
        project::RunFolder::uniqueDir(QDir(d.outDir).filePath(QStringLiteral("runs")), ml::strategyName(strategy));
    if (auto ok = c.validate(); !ok) return ok.error();
    return c;
}

/// Trains one strategy with progress and Ctrl-C; prints its own evaluation when `evaluation`.
int trainOne(const DemoTraining &d, const ml::Strategy &strategy, const QString &teacher, ml::TrainOutcome *outcome,
             bool evaluation)
{
    auto c = demoConfig(d, strategy, teacher);
    if (!c) return fail(c.error());
    out() << "\n" << describeConfig(*c) << "\n";
    out().flush();
    return runTraining(&*c, {}, 0, outcome, evaluation);
}

QString signedNumber(double v)
{
    if (!std::isfinite(v)) return QStringLiteral("-");
    return (v >= 0 ? QStringLiteral("+") : QString()) + QString::number(v, 'f', 3);
}

QString fixed(double v)
{
    return std::isfinite(v) ? QString::number(v, 'f', 3) : QStringLiteral("-");
}

QString groupOf(const metrics::EvaluationReport &r, int k)
{
    const auto in = [k](const metrics::GroupRecall &g) {
        return std::find(g.classes.begin(), g.classes.end(), k) != g.classes.end();
    };
    if (!r.hasTailGroups) return {};
    return in(r.tailGroups.head)   ? QStringLiteral("head")
           : in(r.tailGroups.tail) ? QStringLiteral("tail")
                                   : QStringLiteral("medium");
}

/// The two runs' test results side by side.
void printComparison(const ml::SplitEvaluation &a, const ml::SplitEvaluation &b)
{
    const metrics::EvaluationReport &ra = a.report, &rb = b.report;
    TextTable t({QStringLiteral("class"), QStringLiteral("train"), QStringLiteral("group"),
                 QStringLiteral("recall BSM"), QStringLiteral("recall FoPro-KD"), QStringLiteral("difference")});
    for (int c : {1, 3, 4, 5})
        t.setRightAligned(c);
    for (int k = 0; k < ra.numClasses && k < rb.numClasses; ++k) {
        const double x = ra.perClass.recall[std::size_t(k)], y = rb.perClass.recall[std::size_t(k)];
        t.addRow({metrics::classLabel(k, a.classNames),
                  QString::number(std::size_t(k) < a.trainCounts.size() ? a.trainCounts[std::size_t(k)] : 0),
                  groupOf(ra, k), fixed(x), fixed(y), signedNumber(y - x)});
    }
    out() << t.render() << "\n";
    TextTable s({QString(), QStringLiteral("BSM"), QStringLiteral("FoPro-KD"), QStringLiteral("difference")});
    for (int c : {1, 2, 3})
        s.setRightAligned(c);
    const auto row = [&s](const QString &name, double x, double y) {
        s.addRow({name, fixed(x), fixed(y), signedNumber(y - x)});
    };
    QStringList empty;
    if (ra.hasTailGroups && rb.hasTailGroups) {
        const auto mean = [](const metrics::GroupRecall &g) {
            return g.evaluated.empty() ? std::nan("") : g.meanRecall;
        };
        const std::pair<QString, const metrics::GroupRecall metrics::TailGroupRecall::*> groups[] = {
            {QStringLiteral("head"), &metrics::TailGroupRecall::head},
            {QStringLiteral("medium"), &metrics::TailGroupRecall::medium},
            {QStringLiteral("tail"), &metrics::TailGroupRecall::tail}};
        for (const auto &[name, member] : groups) {
            const metrics::GroupRecall &ga = ra.tailGroups.*member, &gb = rb.tailGroups.*member;
            if (ga.classes.empty()) {
                empty << name;
                continue;
            }
            row(QStringLiteral("%1 recall (%2 classes)").arg(name).arg(ga.classes.size()), mean(ga), mean(gb));
        }
    }
    row(QStringLiteral("balanced accuracy"), ra.balancedAccuracy, rb.balancedAccuracy);
    row(QStringLiteral("macro-F1"), ra.macroF1, rb.macroF1);
    out() << s.render();
    if (!empty.isEmpty())
        out() << "  (no " << empty.join(QStringLiteral(" or ")) << " class with the thresholds head > "
              << ra.tailGroups.many << ", tail < " << ra.tailGroups.few << " training images)\n";
}

/// `text` in lines of at most `width` columns, each starting with `indent`.
QString wrapped(const QString &text, const QString &indent, int width = 100)
{
    QString result, line = indent;
    for (const QString &word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (line.size() > indent.size() && line.size() + 1 + word.size() > width) {
            result += line + QLatin1Char('\n');
            line = indent;
        }
        line += (line.size() > indent.size() ? QStringLiteral(" ") : QString()) + word;
    }
    return result + line + QLatin1Char('\n');
}

/// One sentence saying what the gain profile does.
QString gainReading(const std::vector<double> &g)
{
    const int k = int(g.size());
    double low = 0, high = 0;
    int nLow = 0, nHigh = 0, up = -1, down = -1;
    for (int b = 0; b < k; ++b) {
        const double v = g[std::size_t(b)];
        if (!std::isfinite(v)) continue;
        (b < k / 2 ? low : high) += v;
        ++(b < k / 2 ? nLow : nHigh);
        if (up < 0 || v > g[std::size_t(up)]) up = b;
        if (down < 0 || v < g[std::size_t(down)]) down = b;
    }
    if (!nLow || !nHigh) return QStringLiteral("Reading: too few frequency bins to say.");
    low /= nLow;
    high /= nHigh;
    const QString extremes = QStringLiteral("; the largest gain is %1 in band %2, the smallest %3 in band %4.")
                                 .arg(fixed(g[std::size_t(up)]))
                                 .arg(up + 1)
                                 .arg(fixed(g[std::size_t(down)]))
                                 .arg(down + 1);
    const QString means = QStringLiteral("mean gain %1 above 0.5 x Nyquist, %2 below").arg(fixed(high), fixed(low));
    if (std::fabs(high - low) < 0.005)
        return QStringLiteral("Reading: on average the prompt treats low and high frequencies alike (") + means +
               QLatin1Char(')') + extremes;
    return (high > low ? QStringLiteral("Reading: on average the prompt shows the teacher relatively more high "
                                        "frequencies, fine texture and edges (")
                       : QStringLiteral("Reading: on average the prompt shows the teacher relatively more low "
                                        "frequencies, shape and shading (")) +
           means + QLatin1Char(')') + extremes;
}

/// The learned prompt's radial gain (prompt_gain.csv's last row) as a small table and one reading.
void printPromptGain(const QString &runDir)
{
    const auto rows = project::RunFolder(runDir).readPromptGain();
    if (!rows || rows->empty()) {
        out() << "  (no prompt_gain.csv in " << QDir::toNativeSeparators(runDir) << ")\n";
        return;
    }
    const auto &[epoch, gain] = rows->back();
    const int k = int(gain.size());
    double deviation = 1e-9;
    for (double g : gain)
        if (std::isfinite(g)) deviation = std::max(deviation, std::fabs(g - 1));
    out() << "   Epoch " << epoch << ", gain = 1 leaves a band as it is, > 1 amplifies it, < 1 damps it:\n\n";
    TextTable t({QStringLiteral("band"), QStringLiteral("radius (x Nyquist)"), QStringLiteral("gain"), QString()});
    t.setRightAligned(0);
    t.setRightAligned(2);
    for (int b = 0; b < k; ++b) {
        const double g = gain[std::size_t(b)];
        const int bar = std::isfinite(g) ? int(std::lround(std::fabs(g - 1) / deviation * 20)) : 0;
        t.addRow({QString::number(b + 1),
                  QStringLiteral("%1-%2").arg(double(b) / k, 0, 'f', 3).arg(double(b + 1) / k, 0, 'f', 3) +
                      (b + 1 == k ? QStringLiteral("+") : QString()),
                  std::isfinite(g) ? QString::number(g, 'f', 4) : QStringLiteral("-"),
                  QString(bar, g >= 1 ? QLatin1Char('+') : QLatin1Char('-'))});
    }
    out() << t.render() << "\n" << wrapped(gainReading(gain), QStringLiteral("   "));
}

} // namespace

QString demoTrainingTeacher(const DemoTraining &d)
{
    return d.teacher.isEmpty() ? project::demoTeacherPath() : d.teacher;
}

int trainDemo(const DemoTraining &d)
{
    const QString teacher = demoTrainingTeacher(d);
    if (d.single) {
        out() << "\n5. Training " << ml::strategyName(d.strategy) << " alone (--strategy) and testing it on the "
              << "10,000 test images:\n";
        return trainOne(d, d.strategy, teacher, nullptr, true);
    }
    if (teacher.isEmpty()) {
        out()
            << "\n5. The demo teacher (ImageNet MobileNetV2 as a TF.js model) is not installed, so only the Balanced\n"
            << "   Softmax baseline is trained (FoPro-KD needs a teacher). packaging/install-deps.sh fetches it into\n"
            << "   .cache/assets/teachers/mobilenet_v2/; or give --teacher PATH.\n";
        return trainOne(d, ml::Strategy::BalancedSoftmax, {}, nullptr, true);
    }
    out() << "\n5. Training Balanced Softmax (the baseline), then FoPro-KD with the teacher "
          << QDir::toNativeSeparators(teacher) << "\n   (same student, data and seed; " << d.epochs << " epoch(s)"
          << (d.maxBatches > 0 ? QStringLiteral(" of at most %1 batches").arg(d.maxBatches) : QString())
          << " each), then testing both on the 10,000 test images:\n";
    ml::TrainOutcome bsm, fopro;
    if (int rc = trainOne(d, ml::Strategy::BalancedSoftmax, teacher, &bsm, false); rc != 0) return rc;
    if (int rc = trainOne(d, ml::Strategy::FoProKd, teacher, &fopro, false); rc != 0) return rc;
    const ml::SplitEvaluation *a = bsm.mainEvaluation(), *b = fopro.mainEvaluation();
    if (!a || !b) return fail(QStringLiteral("the demo runs have no test results"));
    out() << "\n6. Balanced Softmax vs FoPro-KD, " << a->split << " split (" << a->report.numSamples
          << " images), per class:\n\n";
    printComparison(*a, *b);
    out() << "\n7. The learned Fourier prompt: mean gain per radial band of the spectrum, low -> high frequency\n"
          << "   (" << QDir::toNativeSeparators(project::RunFolder(fopro.runDir).promptGainFile()) << "):\n";
    printPromptGain(fopro.runDir);
    return 0;
}

} // namespace fopro::cli
