// checkpoints/last.ckpt: the full training state after the last finished epoch (student, heads,
// prompt, both optimisers' moments, counters and the history), written to a temporary file and
// renamed, so a crash leaves the previous checkpoint intact.

#include "core/common/fileio.h"
#include "core/data/imageloader.h"
#include "core/ml/archive_p.h"
#include "core/ml/errortext.h"
#include "core/ml/promptgain.h"
#include "core/ml/session_p.h"
#include "core/ml/strategies.h"
#include "core/ml/trainconfig.h"
#include "core/project/runfolder.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonDocument>
#include <QtCore/QSaveFile>

namespace fopro::ml {

using detail::firstLine;
using detail::qs;

namespace {

QJsonObject checkpointMeta(const Session &s)
{
    QJsonObject meta = project::epochsToJson(s.history);
    meta.insert(QStringLiteral("epochsDone"), s.epochsDone);
    meta.insert(QStringLiteral("bestEpoch"), s.bestEpoch);
    meta.insert(QStringLiteral("bestScore"), s.bestScore);
    meta.insert(QStringLiteral("steps"), double(s.steps));
    meta.insert(QStringLiteral("worldSize"), s.worldSize());
    return meta;
}

void readMeta(Session &s, const QJsonObject &meta)
{
    s.history = project::epochsFromJson(meta);
    s.epochsDone = meta.value(QStringLiteral("epochsDone")).toInt();
    s.bestEpoch = meta.value(QStringLiteral("bestEpoch")).toInt();
    s.bestScore = meta.value(QStringLiteral("bestScore")).toDouble(-1);
    s.steps = std::int64_t(meta.value(QStringLiteral("steps")).toDouble());
}

void writeTensors(torch::serialize::OutputArchive &ar, const std::string &prefix,
                  const std::vector<std::pair<std::string, torch::Tensor>> &state)
{
    for (const auto &[name, t] : state)
        ar.write(prefix + name, t, true);
}

void readTensors(torch::serialize::InputArchive &ar, const std::string &prefix,
                 std::vector<std::pair<std::string, torch::Tensor>> state)
{
    for (auto &[name, t] : state) {
        torch::Tensor v;
        ar.read(prefix + name, v, true);
        t.copy_(v);
    }
}

std::vector<std::pair<std::string, torch::Tensor>> promptState(FourierPrompt &prompt)
{
    std::vector<std::pair<std::string, torch::Tensor>> state;
    const auto params = prompt.parameters();
    for (size_t i = 0; i < params.size(); ++i)
        state.emplace_back(std::to_string(i), params[i]);
    return state;
}

} // namespace

Result<void> saveCheckpoint(Session &s)
{
    torch::serialize::OutputArchive ar;
    writeTensors(ar, "student.", s.student->namedState());
    if (s.heads) writeTensors(ar, "heads.", s.heads->namedState());
    if (s.prompt) writeTensors(ar, "prompt.", promptState(*s.prompt));
    torch::serialize::OutputArchive opt;
    s.optimizer->save(opt);
    ar.write("optimizer", opt);
    if (s.promptOptimizer) {
        torch::serialize::OutputArchive popt;
        s.promptOptimizer->save(popt);
        ar.write("prompt_optimizer", popt);
    }
    ar.write("meta", c10::IValue(QJsonDocument(checkpointMeta(s)).toJson(QJsonDocument::Compact).toStdString()));
    return detail::writeArchive(ar, s.run.lastCheckpoint(), true);
}

Result<void> loadCheckpoint(Session &s, const QString &path)
{
    if (auto ok = detail::verifyArchiveChecksum(path); !ok) return ok.error();
    try {
        torch::serialize::InputArchive ar;
        ar.load_from(path.toStdString());
        torch::NoGradGuard noGrad;
        readTensors(ar, "student.", s.student->namedState());
        if (s.heads) readTensors(ar, "heads.", s.heads->namedState());
        if (s.prompt) readTensors(ar, "prompt.", promptState(*s.prompt));
        torch::serialize::InputArchive opt;
        ar.read("optimizer", opt);
        s.optimizer->load(opt);
        if (s.promptOptimizer) {
            torch::serialize::InputArchive popt;
            ar.read("prompt_optimizer", popt);
            s.promptOptimizer->load(popt);
        }
        c10::IValue metaValue;
        ar.read("meta", metaValue);
        const QJsonObject meta = QJsonDocument::fromJson(QByteArray::fromStdString(metaValue.toStringRef())).object();
        // The sample shards, batch-norm statistics and the sequence of steps depend on the number
        // of processes: a run continues with the number it was trained with.
        const int world = meta.value(QStringLiteral("worldSize")).toInt(1);
        if (world != s.worldSize())
            return makeError(ErrorCode::InvalidArgument, path,
                             QStringLiteral("the run was trained with %1 process(es) and is resumed with %2: resume it "
                                            "with the same number (fopro train --resume RUN%3)")
                                 .arg(world)
                                 .arg(s.worldSize())
                                 .arg(world > 1 ? QStringLiteral(" --nproc %1").arg(world) : QString()));
        readMeta(s, meta);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, path,
                         QStringLiteral("not a usable checkpoint of this run: %1").arg(qs(firstLine(e))));
    }
    return {};
}

// ---- a run's conditional prompt ------------------------------------------------------------------

bool runHasConditionalPrompt(const QString &runDir)
{
    auto config = TrainConfig::load(project::RunFolder(runDir).configFile());
    return config && config->strategyInfo() && config->strategyInfo()->usesPrompt &&
           config->prompt.mode == FourierPromptMode::Conditional;
}

Result<spectral::GainMap> conditionalPromptGain(const QString &runDir, const cv::Mat &rgb8)
{
    const project::RunFolder run(runDir);
    auto config = TrainConfig::load(run.configFile());
    if (!config) return config.error();
    if (!config->strategyInfo() || !config->strategyInfo()->usesPrompt)
        return makeError(ErrorCode::InvalidArgument, run.configFile(), QStringLiteral("the run has no Fourier prompt"));
    if (config->prompt.mode != FourierPromptMode::Conditional)
        return makeError(ErrorCode::InvalidArgument, run.configFile(),
                         QStringLiteral("the run's prompt is global: its gain is the same for every image"));
    const QString checkpoint = run.lastCheckpoint();
    if (!QFileInfo::exists(checkpoint))
        return makeError(ErrorCode::NotFound, checkpoint, QStringLiteral("the run has no finished epoch yet"));
    if (rgb8.empty() || rgb8.type() != CV_8UC3)
        return makeError(ErrorCode::InvalidArgument, runDir, QStringLiteral("the image is not 8-bit RGB"));
    try {
        // The prompt as the session builds it (trainsession.cpp), its weights from the checkpoint.
        FourierPromptConfig pc = config->prompt;
        pc.imageSize = config->imageSize;
        pc.imageWidth = 0;
        pc.channels = 3;
        FourierPrompt prompt(pc);
        prompt.setTraining(false);
        torch::NoGradGuard noGrad;
        {
            torch::serialize::InputArchive ar;
            ar.load_from(checkpoint.toStdString());
            try {
                readTensors(ar, "prompt.", promptState(prompt));
            } catch (const std::exception &e) {
                return makeError(
                    ErrorCode::Malformed, checkpoint,
                    qs("the checkpoint holds no conditional prompt of this configuration: " + firstLine(e)));
            }
        }
        // The image as training saw it: resized by the run's policy, RGB in [0, 1] (b.x01).
        const int s = config->imageSize;
        const data::ResizePolicy policy =
            data::resizePolicyFromName(config->resizePolicy).value_or(data::ResizePolicy::ShorterSideCrop);
        const cv::Mat resized = data::resizeImage(rgb8, data::ResizeSpec{s, policy});
        const torch::Tensor x = torch::from_blob(const_cast<uchar *>(resized.ptr<uchar>()), {1, s, s, 3}, torch::kUInt8)
                                    .permute({0, 3, 1, 2})
                                    .to(torch::kFloat32)
                                    .div(255.0)
                                    .contiguous();
        prompt.apply(x);
        const torch::Tensor gain = prompt.gainMap().contiguous(); // C × H × (W/2+1), this image's own
        spectral::GainMap map;
        map.channels = int(gain.size(0));
        map.height = int(gain.size(1));
        map.width = s;
        map.values.assign(gain.data_ptr<float>(), gain.data_ptr<float>() + gain.numel());
        if (!map.isValid())
            return makeError(ErrorCode::Malformed, checkpoint,
                             QStringLiteral("the prompt's gain has an unexpected size"));
        return map;
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, checkpoint, qs("cannot apply the run's prompt: " + firstLine(e)));
    }
}

namespace detail {

namespace {
QString checksumFile(const QString &path)
{
    return path + QStringLiteral(".sha256");
}

/// The recorded checksums (hex), newest first; empty when there is no readable record.
QStringList recordedChecksums(const QString &path)
{
    QFile f(checksumFile(path));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QString::fromLatin1(f.read(1024)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}
} // namespace

Result<void> verifyArchiveChecksum(const QString &path)
{
    const QStringList recorded = recordedChecksums(path);
    if (recorded.isEmpty()) return {};
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Unreadable, path, QStringLiteral("cannot open: %1").arg(f.errorString()));
    QCryptographicHash sha(QCryptographicHash::Sha256);
    if (!sha.addData(&f))
        return makeError(ErrorCode::Unreadable, path, QStringLiteral("cannot read: %1").arg(f.errorString()));
    if (recorded.contains(QString::fromLatin1(sha.result().toHex()))) return {};
    return makeError(ErrorCode::Malformed, path,
                     QStringLiteral("the file is damaged: its SHA-256 is not the one recorded in %1 when it was "
                                    "written")
                         .arg(QFileInfo(checksumFile(path)).fileName()));
}

Result<void> writeArchive(torch::serialize::OutputArchive &archive, const QString &path, bool recordChecksum)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return makeError(ErrorCode::WriteFailed, path,
                         QStringLiteral("cannot open for writing: %1").arg(f.errorString()));
    QString failure;
    QCryptographicHash sha(QCryptographicHash::Sha256);
    try {
        archive.save_to([&f, &failure, &sha, recordChecksum](const void *data, size_t size) -> size_t {
            if (recordChecksum) sha.addData(QByteArrayView(static_cast<const char *>(data), qsizetype(size)));
            if (failure.isEmpty() && f.write(static_cast<const char *>(data), qint64(size)) != qint64(size))
                failure = f.errorString().isEmpty() ? QStringLiteral("write failed") : f.errorString();
            return size; // never a short write towards LibTorch (see archive_p.h)
        });
    } catch (const std::exception &e) {
        failure = qs(detail::firstLine(e));
    }
    // flush() before commit(): Qt 6.4's commit() does not report a failed flush of its buffer.
    if (failure.isEmpty() && !f.flush()) failure = f.errorString();
    if (!failure.isEmpty()) {
        f.cancelWriting();
        return makeError(ErrorCode::WriteFailed, path, QStringLiteral("cannot write the file: %1").arg(failure));
    }
    if (recordChecksum) {
        // The new checksum and the one of the archive still in place: killed before the rename
        // below, the old archive still matches its record.
        const QStringList old = recordedChecksums(path);
        QByteArray record = sha.result().toHex() + '\n';
        if (QFileInfo::exists(path) && !old.isEmpty()) record += old.front().toLatin1() + '\n';
        if (auto w = fileio::writeAtomically(checksumFile(path), record); !w) {
            f.cancelWriting();
            return w.error();
        }
    }
    if (!f.commit()) return makeError(ErrorCode::WriteFailed, path, f.errorString());
    return {};
}

} // namespace detail

} // namespace fopro::ml
