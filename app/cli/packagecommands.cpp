// fopro package RUN OUT | fopro eval PACKAGE: study packages (core/project/studypackage.h) from the
// command line. `eval` on a package verifies its hashes, re-runs the packaged model on the test
// split of the packaged manifest (its images read where the manifest says) and compares the
// metrics with the packaged results/test_metrics.json.

#include "app/cli/cliargs.h"
#include "app/cli/clioutput.h"
#include "app/cli/commands.h"
#include "app/cli/trainrunner.h"
#include "core/common/fileio.h"
#include "core/data/datasetindex.h"
#include "core/data/imageloader.h"
#include "core/metrics/evaluation.h"
#include "core/ml/export.h"
#include "core/project/studypackage.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>

#include <cmath>

namespace fopro::cli {

namespace {

QString native(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

/// The test split of the packaged manifest, its labels mapped to the model's classes.
struct TestSplit {
    data::DatasetIndex index;
    std::vector<int> samples; ///< indices into index.samples
    std::vector<int> labels;  ///< model class indices
};

Result<TestSplit> packagedTestSplit(const QString &package, const QJsonObject &json, const QStringList &modelClasses)
{
    const QJsonObject dataset = json.value(QStringLiteral("dataset")).toObject();
    const QString manifest = QDir(package).filePath(dataset.value(QStringLiteral("manifest")).toString());
    const QString original = dataset.value(QStringLiteral("originalManifest")).toString();
    auto object = fileio::readJsonObject(manifest);
    if (!object) return object.error();
    // Relative image paths resolve against the folder the manifest was trained from.
    auto index = data::DatasetIndex::fromJson(*object, QFileInfo(original).absolutePath(), manifest);
    if (!index) return index.error();
    TestSplit split{std::move(index).value(), {}, {}};
    for (int i = 0; i < int(split.index.samples.size()); ++i) {
        const data::Sample &s = split.index.samples[size_t(i)];
        if (s.split != data::Split::Test || !data::DatasetIndex::isActive(s)) continue;
        const int label = int(modelClasses.indexOf(split.index.classes.value(s.label)));
        if (label < 0)
            return makeError(ErrorCode::Malformed, manifest,
                             QStringLiteral("class '%1' of the manifest is not one of the model's classes")
                                 .arg(split.index.classes.value(s.label)));
        split.samples.push_back(i);
        split.labels.push_back(label);
    }
    if (split.samples.empty())
        return makeError(ErrorCode::InvalidArgument, manifest, QStringLiteral("the manifest has no test images"));
    return split;
}

/// Row-major N×C probabilities of the model on the split's images (read where the manifest says).
JobFunction<std::vector<double>> predictJob(const ml::ExportedModel &model, const TestSplit &split)
{
    return [&model, &split](JobControl &control, const ProgressSink &progress) -> Result<std::vector<double>> {
        std::vector<double> probabilities;
        Progress p;
        p.phase = QStringLiteral("Re-checking");
        p.total = qint64(split.samples.size());
        constexpr size_t kBatch = 32;
        for (size_t begin = 0; begin < split.samples.size(); begin += kBatch) {
            if (control.isCancelled()) return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));
            std::vector<cv::Mat> images;
            for (size_t k = begin; k < std::min(split.samples.size(), begin + kBatch); ++k) {
                auto image = data::loadImage(split.index, split.index.samples[size_t(split.samples[k])]);
                if (!image) return image.error();
                images.push_back(std::move(image).value());
            }
            auto rows = model.predictProbabilities(images);
            if (!rows) return rows.error();
            for (const auto &row : *rows)
                for (float v : row)
                    probabilities.push_back(std::clamp(double(v), 0.0, 1.0));
            p.done = qint64(begin + images.size());
            report(progress, p);
        }
        return probabilities;
    };
}

/// Differences between two metric JSON values ("path: packaged X, re-checked Y"); numbers match
/// within 1e-9, NaN is written as null on both sides.
void compareJson(const QString &path, const QJsonValue &packaged, const QJsonValue &rechecked, QStringList *diffs)
{
    if (packaged.isObject() && rechecked.isObject()) {
        const QJsonObject a = packaged.toObject(), b = rechecked.toObject();
        for (auto it = a.begin(); it != a.end(); ++it)
            if (it.key() != QLatin1String("bestEpoch") && it.key() != QLatin1String("split"))
                compareJson(path.isEmpty() ? it.key() : path + QLatin1Char('.') + it.key(), it.value(),
                            b.value(it.key()), diffs);
        return;
    }
    if (packaged.isArray() && rechecked.isArray() && packaged.toArray().size() == rechecked.toArray().size()) {
        const QJsonArray a = packaged.toArray(), b = rechecked.toArray();
        for (int i = 0; i < a.size(); ++i)
            compareJson(QStringLiteral("%1[%2]").arg(path).arg(i), a[i], b[i], diffs);
        return;
    }
    if (packaged.isDouble() && rechecked.isDouble() && std::fabs(packaged.toDouble() - rechecked.toDouble()) <= 1e-9)
        return;
    if (packaged == rechecked) return;
    const auto text = [](const QJsonValue &v) {
        if (v.isDouble()) return QString::number(v.toDouble(), 'g', 10);
        if (v.isUndefined()) return QStringLiteral("(absent)");
        if (v.isObject() || v.isArray()) return QStringLiteral("(%1)").arg(v.isObject() ? "object" : "array");
        return v.toVariant().toString();
    };
    *diffs << QStringLiteral("%1: packaged %2, re-checked %3").arg(path, text(packaged), text(rechecked));
}

/// The evaluation options the run used: class count, training counts, many/few thresholds.
metrics::EvaluationOptions runOptions(const QJsonObject &header, int numClasses)
{
    metrics::EvaluationOptions o;
    o.numClasses = numClasses;
    for (const QJsonValue &v :
         header.value(QStringLiteral("dataset")).toObject().value(QStringLiteral("trainCounts")).toArray())
        o.trainCounts.push_back(v.toInt());
    if (int(o.trainCounts.size()) != numClasses) o.trainCounts.clear();
    const QJsonObject config = header.value(QStringLiteral("config")).toObject();
    o.many = config.value(QStringLiteral("many")).toInt(o.many);
    o.few = config.value(QStringLiteral("few")).toInt(o.few);
    return o;
}

} // namespace

bool namesStudyPackage(const QStringList &args)
{
    for (const QString &a : args)
        if (!a.startsWith(QLatin1Char('-'))) return project::isStudyPackage(a);
    return false;
}

int evaluatePackage(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Re-checks a study package ('fopro package'): verifies every file's SHA-256 and the manifest's, re-runs\n"
        "the packaged model on the test split of the packaged manifest (the images must be where the manifest\n"
        "says) and compares the metrics with the packaged results/test_metrics.json."));
    p.addPositionalArgument(QStringLiteral("PACKAGE"), QStringLiteral("Study package folder (holds package.json)."));
    if (int rc = parseArgs(p, args, QStringLiteral("eval"), 1); rc >= 0) return rc;
    const QString package = QDir::cleanPath(QFileInfo(p.positionalArguments().front()).absoluteFilePath());
    if (auto ok = project::verifyStudyPackage(package); !ok) return fail(ok.error());
    auto json = project::readStudyPackage(package);
    if (!json) return fail(json.error());
    out() << "Package     " << native(package) << "\n"
          << "Hashes      " << json->value(QStringLiteral("files")).toArray().size()
          << " files verified (SHA-256), manifest hash matches\n";
    const QString modelFile = json->value(QStringLiteral("model")).toString();
    if (modelFile.isEmpty()) return fail(QStringLiteral("%1: the package holds no model to re-run").arg(package));
    auto model = ml::ExportedModel::load(QDir(package).filePath(modelFile), ml::ExportedModel::Arithmetic::AsTrained);
    if (!model) return fail(model.error());
    auto split = packagedTestSplit(package, *json, model->classNames());
    if (!split) return fail(split.error());
    auto header = fileio::readJsonObject(QDir(package).filePath(QStringLiteral("config.json")));
    if (!header) return fail(header.error());
    auto packaged = fileio::readJsonObject(QDir(package).filePath(QStringLiteral("results/test_metrics.json")));
    if (!packaged) return fail(packaged.error());

    JobControl control;
    ProgressPrinter progress;
    const auto probabilities =
        runWithSignals(predictJob(*model, *split), control, progress, QStringLiteral("re-check"));
    if (control.isCancelled() || (!probabilities && probabilities.error().code == ErrorCode::Cancelled)) {
        err() << "cancelled" << Qt::endl;
        return kCancelledExitCode;
    }
    if (!probabilities) return fail(probabilities.error());
    auto report = metrics::evaluate(split->labels, {}, *probabilities, runOptions(*header, model->numClasses()));
    if (!report) return fail(report.error());
    QStringList diffs;
    compareJson({}, *packaged, metrics::reportToJson(*report, model->classNames()), &diffs);
    out() << "Model       " << native(QDir(package).filePath(modelFile)) << "\n"
          << "Test split  " << split->samples.size() << " images from "
          << native(
                 json->value(QStringLiteral("dataset")).toObject().value(QStringLiteral("originalManifest")).toString())
          << "\n"
          << "Metrics     balanced accuracy " << percent(report->balancedAccuracy) << ", accuracy "
          << percent(report->accuracy) << ", macro-F1 " << percent(report->macroF1) << "\n\n";
    if (diffs.isEmpty()) {
        out() << "re-checked: identical\n";
        return 0;
    }
    out() << "re-checked: " << diffs.size() << " difference(s) from the packaged metrics\n";
    for (const QString &d : diffs)
        out() << "  " << d << "\n";
    return 1;
}

int package(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Writes a study package: a self-contained folder with the run's config.json, the dataset manifest and its\n"
        "SHA-256, the exported model (optional), results/*, the report files and package.json listing every file\n"
        "with its SHA-256. Check it later with 'fopro eval PACKAGE'."));
    p.addPositionalArgument(QStringLiteral("RUN"), QStringLiteral("Run folder made by 'fopro train'."));
    p.addPositionalArgument(QStringLiteral("OUT"), QStringLiteral("New (or empty) package folder."));
    p.addOptions({
        {QStringLiteral("model"),
         QStringLiteral("Exported model to include (.pt with its sidecar; default: RUN/export/model.pt when present)."),
         QStringLiteral("file")},
        {QStringLiteral("report"), QStringLiteral("A report file to include (repeatable)."), QStringLiteral("file")},
    });
    if (int rc = parseArgs(p, args, QStringLiteral("package"), 2); rc >= 0) return rc;
    project::StudyPackageInput input;
    input.runDir = QFileInfo(p.positionalArguments().at(0)).absoluteFilePath();
    input.exportedModel = p.value(QStringLiteral("model"));
    if (input.exportedModel.isEmpty()) {
        const QString exported = QDir(input.runDir).filePath(QStringLiteral("export/model.pt"));
        if (QFileInfo::exists(exported)) input.exportedModel = exported;
    }
    input.reportFiles = p.values(QStringLiteral("report"));
    auto written = project::writeStudyPackage(input, p.positionalArguments().at(1));
    if (!written) return fail(written.error());
    out() << "Package     " << native(*written) << "\n"
          << "Model       "
          << (input.exportedModel.isEmpty() ? QStringLiteral("none (export the run first to include one)")
                                            : native(input.exportedModel))
          << "\n"
          << "Check       fopro eval " << shellQuote(native(*written)) << "\n";
    return 0;
}

} // namespace fopro::cli
