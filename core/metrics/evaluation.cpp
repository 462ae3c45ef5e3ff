#include "core/metrics/evaluation.h"

#include "core/common/fileio.h"
#include "core/metrics/scores.h"

#include <QtCore/QJsonArray>
#include <QtCore/QLocale>

#include <algorithm>
#include <cmath>
#include <limits>

namespace fopro::metrics {

namespace {

QJsonValue number(double v)
{
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null);
}

using fileio::csvField;
using fileio::csvNumber;

QJsonArray intArray(const std::vector<int> &values)
{
    QJsonArray out;
    for (int v : values)
        out.append(v);
    return out;
}

QString groupNameOf(const TailGroupRecall &groups, int k)
{
    auto contains = [k](const GroupRecall &g) {
        return std::find(g.classes.begin(), g.classes.end(), k) != g.classes.end();
    };
    if (contains(groups.head)) return QStringLiteral("head");
    if (contains(groups.medium)) return QStringLiteral("medium");
    return QStringLiteral("tail");
}

QJsonArray classArray(const EvaluationReport &report, const QStringList &classNames)
{
    QJsonArray classes;
    for (int k = 0; k < report.numClasses; ++k) {
        const size_t i = size_t(k);
        QJsonObject row;
        row.insert(QStringLiteral("index"), k);
        row.insert(QStringLiteral("class"), classLabel(k, classNames));
        row.insert(QStringLiteral("precision"), number(report.perClass.precision[i]));
        row.insert(QStringLiteral("recall"), number(report.perClass.recall[i]));
        row.insert(QStringLiteral("f1"), number(report.perClass.f1[i]));
        row.insert(QStringLiteral("support"), report.perClass.support[i]);
        row.insert(QStringLiteral("predicted"), report.perClass.predicted[i]);
        if (report.hasProbabilities) row.insert(QStringLiteral("rocAuc"), number(report.rocAuc.perClass[i]));
        if (report.hasTailGroups) {
            if (i < report.tailGroups.trainCounts.size())
                row.insert(QStringLiteral("trainCount"), report.tailGroups.trainCounts[i]);
            row.insert(QStringLiteral("group"), groupNameOf(report.tailGroups, k));
        }
        classes.append(row);
    }
    return classes;
}

QJsonObject groupJson(const GroupRecall &group)
{
    QJsonObject out;
    out.insert(QStringLiteral("meanRecall"), number(group.meanRecall));
    out.insert(QStringLiteral("classes"), intArray(group.classes));
    out.insert(QStringLiteral("evaluated"), intArray(group.evaluated));
    return out;
}

} // namespace

Result<EvaluationReport> evaluate(const std::vector<int> &yTrue, const std::vector<int> &yPred,
                                  const std::vector<double> &probabilities, const EvaluationOptions &options)
{
    const int c = options.numClasses;
    if (Result<void> ok = checkSamples(yTrue, c); !ok) return ok.error();
    const int n = int(yTrue.size());
    const bool hasProbabilities = !probabilities.empty();
    if (hasProbabilities) {
        if (Result<void> ok = checkScores(probabilities, n, c, ScoreRange::UnitRange); !ok) return ok.error();
    }
    if (yPred.empty() && !hasProbabilities) {
        return makeError(ErrorCode::InvalidArgument, QString(),
                         QStringLiteral("neither predictions nor probabilities were given"));
    }
    const std::vector<int> derived = yPred.empty() ? argmaxRows(probabilities, c) : std::vector<int>();
    const std::vector<int> &predictions = yPred.empty() ? derived : yPred;
    if (options.calibrationBins < 1) {
        return makeError(
            ErrorCode::InvalidArgument, QString(),
            QStringLiteral("the number of calibration bins must be at least 1 (got %1)").arg(options.calibrationBins));
    }

    Result<ConfusionMatrix> cm = ConfusionMatrix::fromLabels(yTrue, predictions, c);
    if (!cm) return cm.error();

    EvaluationReport report;
    report.numClasses = c;
    report.numSamples = n;
    report.confusion = std::move(cm.value());
    const ConfusionMatrix &m = report.confusion;

    // None of these can fail on a non-empty matrix; value() is safe.
    report.accuracy = *accuracy(m);
    report.balancedAccuracy = *balancedAccuracy(m);
    report.macroF1 = *macroF1(m, options.macroLabels);
    report.matthews = *matthewsCorrelation(m);
    report.kappa = *cohenKappa(m, KappaWeights::None, options.kappaLabels);
    report.quadraticKappa = *cohenKappa(m, KappaWeights::Quadratic, options.kappaLabels);
    report.perClass = classScores(m);

    if (!options.trainCounts.empty()) {
        Result<TailGroupRecall> groups = tailGroupRecall(m, options.trainCounts, options.many, options.few);
        if (!groups) return groups.error();
        report.hasTailGroups = true;
        report.tailGroups = std::move(groups.value());
    }

    if (hasProbabilities) {
        Result<RocAuc> auc = rocAucOneVsRest(yTrue, probabilities, c);
        if (!auc) return auc.error();
        Result<CalibrationResult> calibration = expectedCalibration(yTrue, probabilities, c, options.calibrationBins);
        if (!calibration) return calibration.error();
        report.hasProbabilities = true;
        report.rocAuc = std::move(auc.value());
        report.calibration = std::move(calibration.value());
    }
    return report;
}

QString classLabel(int k, const QStringList &classNames)
{
    if (k >= 0 && k < classNames.size() && !classNames.at(k).isEmpty()) return classNames.at(k);
    return QString::number(k);
}

QJsonObject classMetricsToJson(const EvaluationReport &report, const QStringList &classNames)
{
    QJsonObject out;
    out.insert(QStringLiteral("classes"), classArray(report, classNames));
    return out;
}

QString classMetricsToCsv(const EvaluationReport &report, const QStringList &classNames)
{
    QString out = QStringLiteral("class,precision,recall,f1,support\n");
    for (int k = 0; k < report.numClasses; ++k) {
        const size_t i = size_t(k);
        out += csvField(classLabel(k, classNames)) + QLatin1Char(',') + csvNumber(report.perClass.precision[i]) +
               QLatin1Char(',') + csvNumber(report.perClass.recall[i]) + QLatin1Char(',') +
               csvNumber(report.perClass.f1[i]) + QLatin1Char(',') + QString::number(report.perClass.support[i]) +
               QLatin1Char('\n');
    }
    return out;
}

QJsonObject reportToJson(const EvaluationReport &report, const QStringList &classNames)
{
    QJsonObject out;
    out.insert(QStringLiteral("numClasses"), report.numClasses);
    out.insert(QStringLiteral("numSamples"), report.numSamples);
    out.insert(QStringLiteral("accuracy"), number(report.accuracy));
    out.insert(QStringLiteral("balancedAccuracy"), number(report.balancedAccuracy));
    out.insert(QStringLiteral("macroF1"), number(report.macroF1));
    out.insert(QStringLiteral("matthewsCorrelation"), number(report.matthews));
    out.insert(QStringLiteral("cohenKappa"), number(report.kappa));
    out.insert(QStringLiteral("quadraticKappa"), number(report.quadraticKappa));
    out.insert(QStringLiteral("perClass"), classArray(report, classNames));

    QJsonArray matrix;
    for (int t = 0; t < report.confusion.numClasses(); ++t) {
        QJsonArray row;
        for (int p = 0; p < report.confusion.numClasses(); ++p)
            row.append(report.confusion.count(t, p));
        matrix.append(row);
    }
    out.insert(QStringLiteral("confusionMatrix"), matrix);

    if (report.hasProbabilities) {
        QJsonObject auc;
        auc.insert(QStringLiteral("macro"), number(report.rocAuc.macro));
        auc.insert(QStringLiteral("definedClasses"), report.rocAuc.definedClasses);
        QJsonArray perClass;
        for (double v : report.rocAuc.perClass)
            perClass.append(number(v));
        auc.insert(QStringLiteral("perClass"), perClass);
        out.insert(QStringLiteral("rocAuc"), auc);

        QJsonObject calibration;
        calibration.insert(QStringLiteral("ece"), number(report.calibration.ece));
        calibration.insert(QStringLiteral("mce"), number(report.calibration.mce));
        QJsonArray bins;
        for (const ReliabilityBin &bin : report.calibration.bins) {
            QJsonObject b;
            b.insert(QStringLiteral("lower"), bin.lower);
            b.insert(QStringLiteral("upper"), bin.upper);
            b.insert(QStringLiteral("count"), bin.count);
            b.insert(QStringLiteral("meanConfidence"), number(bin.meanConfidence));
            b.insert(QStringLiteral("accuracy"), number(bin.accuracy));
            bins.append(b);
        }
        calibration.insert(QStringLiteral("bins"), bins);
        out.insert(QStringLiteral("calibration"), calibration);
    }

    if (report.hasTailGroups) {
        QJsonObject groups;
        groups.insert(QStringLiteral("many"), report.tailGroups.many);
        groups.insert(QStringLiteral("few"), report.tailGroups.few);
        groups.insert(QStringLiteral("head"), groupJson(report.tailGroups.head));
        groups.insert(QStringLiteral("medium"), groupJson(report.tailGroups.medium));
        groups.insert(QStringLiteral("tail"), groupJson(report.tailGroups.tail));
        out.insert(QStringLiteral("tailGroups"), groups);
    }
    return out;
}

} // namespace fopro::metrics
