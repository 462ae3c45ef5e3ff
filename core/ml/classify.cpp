// Classifying image files with an exported model: the job behind `fopro predict` and the Classify
// page (classify.h). Decoding goes through core/data (DICOM windowing included), the model
// through ExportedModel (export.h), so preprocessing is the export's own.

#include "core/ml/classify.h"

#include "core/common/fileio.h"
#include "core/data/dicomreader.h"
#include "core/data/imagefiles.h"
#include "core/ml/export.h"
#include "core/ml/torchinfo.h"

#include <QtConcurrent/QtConcurrentMap>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFileInfo>
#include <QtCore/QThreadPool>

#include <algorithm>

namespace fopro::ml {

namespace {

bool isDicomFile(const QString &file)
{
    const QString suffix = QFileInfo(file).suffix().toLower();
    return suffix == QLatin1String("dcm") || suffix == QLatin1String("dicom") || data::hasDicomMagic(file);
}

/// The entries of the inputs, in their order: each argument's problem or its files (a multi-frame
/// DICOM as one entry per frame when asked).
std::vector<ClassifiedImage> expandInputs(const QStringList &inputs, bool allFrames)
{
    std::vector<ClassifiedImage> entries;
    for (const QString &input : inputs) {
        const data::ImageFileList found = data::collectImageFiles({input});
        for (const Error &problem : found.problems) {
            ClassifiedImage e;
            e.file = problem.file.isEmpty() ? input : problem.file;
            e.error = problem;
            entries.push_back(std::move(e));
        }
        for (const QString &file : found.files) {
            int frames = 1;
            if (allFrames && isDicomFile(file))
                if (auto info = data::readDicomInfo(file)) frames = std::max(1, info->frames);
            for (int f = 0; f < frames; ++f) {
                ClassifiedImage e;
                e.file = file;
                e.frame = f;
                entries.push_back(std::move(e));
            }
        }
    }
    return entries;
}

Result<cv::Mat> decodeEntry(const ClassifiedImage &entry)
{
    if (entry.frame > 0) return data::decodeDicomFrame(entry.file, entry.frame);
    return data::decodeImageFile(entry.file);
}

/// Decodes entries [begin, end) on `pool`, then classifies the decoded ones; errors go into the
/// entries. A failure of the model itself fails the job.
Result<void> classifyBatch(const ExportedModel &model, std::vector<ClassifiedImage> &entries, size_t begin, size_t end,
                           QThreadPool *pool)
{
    std::vector<size_t> todo;
    for (size_t i = begin; i < end; ++i)
        if (entries[i].ok()) todo.push_back(i);
    std::vector<Result<cv::Mat>> decoded(todo.size(), Result<cv::Mat>(cv::Mat()));
    std::vector<size_t> slots(todo.size());
    for (size_t k = 0; k < slots.size(); ++k)
        slots[k] = k;
    QtConcurrent::blockingMap(pool, slots, [&](size_t k) {
        decoded[k] = callGuarded([&] { return decodeEntry(entries[todo[k]]); }, QStringLiteral("decoding"));
    });
    std::vector<cv::Mat> images;
    std::vector<size_t> owners;
    for (size_t k = 0; k < todo.size(); ++k) {
        ClassifiedImage &e = entries[todo[k]];
        if (!decoded[k]) {
            e.error = decoded[k].error();
            if (e.error.file.isEmpty()) e.error.file = e.file;
            continue;
        }
        images.push_back(std::move(decoded[k]).value());
        owners.push_back(todo[k]);
    }
    if (images.empty()) return {};
    auto probabilities = model.predictProbabilities(images);
    if (!probabilities) return probabilities.error();
    for (size_t k = 0; k < owners.size(); ++k)
        entries[owners[k]].probabilities = std::move((*probabilities)[k]);
    return {};
}

Result<ClassifyResult> classify(const ClassifyRequest &request, JobControl &control, const ProgressSink &progress)
{
    if (request.inputs.isEmpty())
        return makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("no images or folders to classify"));
    if (request.batchSize < 1)
        return makeError(ErrorCode::InvalidArgument, {},
                         QStringLiteral("the batch size must be at least 1, got %1").arg(request.batchSize));
    auto file = resolveExportedModel(request.model);
    if (!file) return file.error();
    configureTorchThreads(request.threads);
    auto model = ExportedModel::load(*file);
    if (!model) return model.error();
    ClassifyResult result;
    result.modelFile = *file;
    result.architecture = model->architecture();
    result.classNames = model->classNames();
    result.inputSize = model->inputSize();
    result.images = expandInputs(request.inputs, request.allFrames);

    QThreadPool pool; // decoding: as many threads as torch uses, never more than the cores
    pool.setMaxThreadCount(std::clamp(request.threads > 0 ? request.threads : QThread::idealThreadCount(), 1,
                                      std::max(1, QThread::idealThreadCount())));
    QElapsedTimer clock;
    clock.start();
    Progress p;
    p.phase = QStringLiteral("Classifying");
    p.total = qint64(result.images.size());
    report(progress, p);
    for (size_t begin = 0; begin < result.images.size(); begin += size_t(request.batchSize)) {
        if (control.isCancelled()) return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));
        control.waitWhilePaused();
        const size_t end = std::min(result.images.size(), begin + size_t(request.batchSize));
        if (auto ok = classifyBatch(*model, result.images, begin, end, &pool); !ok) return ok.error();
        p.done = qint64(end);
        p.elapsedSeconds = double(clock.nsecsElapsed()) * 1e-9;
        p.rate = p.elapsedSeconds > 0 ? double(p.done) / p.elapsedSeconds : 0;
        p.etaSeconds = p.rate > 0 ? double(p.total - p.done) / p.rate : -1;
        report(progress, p);
    }
    return result;
}

} // namespace

int ClassifiedImage::predictedClass() const
{
    if (!ok() || probabilities.empty()) return -1;
    return int(std::max_element(probabilities.begin(), probabilities.end()) - probabilities.begin());
}

float ClassifiedImage::confidence() const
{
    const int k = predictedClass();
    return k < 0 ? 0.0f : probabilities[size_t(k)];
}

int ClassifyResult::classifiedCount() const
{
    return int(std::count_if(images.begin(), images.end(), [](const ClassifiedImage &e) { return e.ok(); }));
}

int ClassifyResult::failedCount() const
{
    return int(images.size()) - classifiedCount();
}

Result<QString> resolveExportedModel(const QString &path)
{
    const QFileInfo fi(path);
    if (!fi.isDir()) {
        if (!fi.exists()) return makeError(ErrorCode::NotFound, path, QStringLiteral("exported model not found"));
        return path;
    }
    QStringList found;
    for (const QString &dir : {path, QDir(path).filePath(QStringLiteral("export"))})
        for (const QFileInfo &pt : QDir(dir).entryInfoList({QStringLiteral("*.pt")}, QDir::Files, QDir::Name))
            if (QFileInfo::exists(exportSidecarPath(pt.filePath()))) found << pt.filePath();
    if (found.size() == 1) return found.front();
    if (found.isEmpty())
        return makeError(ErrorCode::NotFound, path,
                         QStringLiteral("no exported model in this folder (a .pt file with its .json sidecar; make one "
                                        "with 'fopro export RUN')"));
    return makeError(
        ErrorCode::Ambiguous, path,
        QStringLiteral("several exported models (%1); name the file").arg(found.join(QStringLiteral(", "))));
}

JobFunction<ClassifyResult> classifyJob(ClassifyRequest request)
{
    return [request = std::move(request)](JobControl &control, const ProgressSink &progress) {
        return callGuarded([&] { return classify(request, control, progress); }, QStringLiteral("classification"));
    };
}

QString classifyResultToCsv(const ClassifyResult &result, bool withFrames)
{
    QStringList header{QStringLiteral("file")};
    if (withFrames) header << QStringLiteral("frame");
    header << QStringLiteral("predicted") << QStringLiteral("confidence");
    for (const QString &c : result.classNames)
        header << QStringLiteral("p_") + c;
    QString csv = fileio::csvRow(header);
    for (const ClassifiedImage &e : result.images) {
        const int best = e.predictedClass();
        if (best < 0) continue;
        QStringList line{e.file};
        if (withFrames) line << QString::number(e.frame);
        line << result.classNames.value(best, QString::number(best)) << QString::number(e.confidence(), 'f', 6);
        for (float v : e.probabilities)
            line << QString::number(v, 'f', 6);
        csv += fileio::csvRow(line);
    }
    return csv;
}

} // namespace fopro::ml
