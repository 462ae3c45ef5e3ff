#include "core/ml/trainconfig.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QSet>

#include <cmath>
#include <limits>
#include <type_traits>

namespace fopro::ml {

namespace {

QJsonArray floats3(const std::array<float, 3> &v)
{
    return QJsonArray{double(v[0]), double(v[1]), double(v[2])};
}

/// Reads the keys of one JSON object into fields, remembering which keys were used so that the
/// rest can be reported as unknown.
class Reader {
public:
    Reader(const QJsonObject &o, QString prefix, QString file)
        : m_o(o), m_prefix(std::move(prefix)), m_file(std::move(file))
    {
    }

    template <typename T> void num(const char *key, T *out)
    {
        const QJsonValue v = take(key);
        if (v.isUndefined()) return;
        if (!v.isDouble()) return fail(key, QStringLiteral("must be a number"));
        const double d = v.toDouble();
        if constexpr (std::is_integral_v<T>) {
            if (d != std::floor(d)) return fail(key, QStringLiteral("must be a whole number"));
            // Converting a double outside T's range is undefined behaviour: refuse it. T's range is
            // [-2^digits, 2^digits) for the signed types used here; both bounds are exact doubles.
            static_assert(std::is_signed_v<T>);
            const double limit = std::ldexp(1.0, std::numeric_limits<T>::digits);
            if (!(d >= -limit && d < limit)) return fail(key, QStringLiteral("is out of range"));
        }
        *out = static_cast<T>(d);
    }
    void boolean(const char *key, bool *out)
    {
        const QJsonValue v = take(key);
        if (v.isUndefined()) return;
        if (!v.isBool()) return fail(key, QStringLiteral("must be true or false"));
        *out = v.toBool();
    }
    void text(const char *key, QString *out)
    {
        const QJsonValue v = take(key);
        if (v.isUndefined()) return;
        if (!v.isString()) return fail(key, QStringLiteral("must be a string"));
        *out = v.toString();
    }
    void triple(const char *key, std::array<float, 3> *out)
    {
        const QJsonValue v = take(key);
        if (v.isUndefined()) return;
        const QJsonArray a = v.toArray();
        if (!v.isArray() || a.size() != 3 || !a[0].isDouble() || !a[1].isDouble() || !a[2].isDouble())
            return fail(key, QStringLiteral("must be an array of three numbers"));
        for (int i = 0; i < 3; ++i)
            (*out)[size_t(i)] = float(a[i].toDouble());
    }
    QJsonObject object(const char *key)
    {
        const QJsonValue v = take(key);
        if (v.isUndefined()) return {};
        if (!v.isObject()) fail(key, QStringLiteral("must be an object"));
        return v.toObject();
    }
    QJsonValue take(const char *key)
    {
        const QString k = QString::fromLatin1(key);
        m_used.insert(k);
        return m_o.value(k);
    }
    void fail(const char *key, const QString &why)
    {
        if (m_error.isEmpty()) m_error = m_prefix + QString::fromLatin1(key) + QLatin1Char(' ') + why;
    }
    /// The first problem: a bad value, or else an unknown key.
    QString finish() const
    {
        if (!m_error.isEmpty()) return m_error;
        for (auto it = m_o.begin(); it != m_o.end(); ++it)
            if (!m_used.contains(it.key())) return QStringLiteral("unknown setting \"%1%2\"").arg(m_prefix, it.key());
        return {};
    }

private:
    QJsonObject m_o;
    QString m_prefix, m_file, m_error;
    QSet<QString> m_used;
};

} // namespace

QString strategyName(const Strategy &s)
{
    return s.id();
}

bool parseStrategy(const QString &text, Strategy *s)
{
    if (!findStrategy(text)) return false;
    *s = Strategy(text);
    return true;
}

static QString unknownStrategyMessage(const QString &id)
{
    return QStringLiteral("strategy \"%1\" is not one of %2").arg(id, strategyIds().join(QStringLiteral(", ")));
}

QString promptUpdateName(PromptUpdate u)
{
    return u == PromptUpdate::Adversarial ? QStringLiteral("akd") : QStringLiteral("explore");
}

bool parsePromptUpdate(const QString &text, PromptUpdate *u)
{
    if (text == QLatin1String("akd") || text == QLatin1String("adversarial"))
        *u = PromptUpdate::Adversarial;
    else if (text == QLatin1String("explore"))
        *u = PromptUpdate::Explore;
    else
        return false;
    return true;
}

bool strategyUsesTeacher(const Strategy &s)
{
    const StrategyInfo *info = s.info();
    return info && info->needsTeacher;
}

QJsonObject TrainConfig::toJson() const
{
    QJsonObject st{
        {"architecture", QString::fromStdString(student.architecture)},
        {"widthMultiplier", student.widthMultiplier},
        {"cifarBlocks",
         QJsonArray{student.cifarBlocks[0], student.cifarBlocks[1], student.cifarBlocks[2], student.cifarBlocks[3]}},
    };
    QJsonObject te{
        {"kind", teacher.kind},
        {"path", teacher.path},
        {"outputLayer", teacher.outputLayer},
        {"inputSize", teacher.inputSize},
        {"mean", floats3(teacher.mean)},
        {"std", floats3(teacher.std)},
        {"cacheFeatures", teacher.cacheFeatures},
    };
    QJsonObject pr{
        {"mode", prompt.mode == FourierPromptMode::Global ? "global" : "conditional"},
        {"alpha", prompt.alpha},
        {"bandRadius", prompt.bandRadius},
        {"generatorWidth", prompt.generatorWidth},
        {"generatorGrid", prompt.generatorGrid},
        {"update", promptUpdateName(promptUpdate)},
        {"regulariser", promptRegulariser},
        {"lr", promptLr},
        {"every", promptEvery},
    };
    QJsonObject au{
        {"enabled", augment.enabled},
        {"cropScaleMin", augment.cropScaleMin},
        {"horizontalFlip", augment.horizontalFlip},
        {"verticalFlip", augment.verticalFlip},
        {"brightness", augment.brightness},
        {"contrast", augment.contrast},
        {"saturation", augment.saturation},
    };
    return QJsonObject{
        {"dataset", dataset},
        {"imageSize", imageSize},
        {"resizePolicy", resizePolicy},
        {"mean", floats3(mean)},
        {"std", floats3(std)},
        {"augment", au},
        {"sampler", sampler},
        {"student", st},
        {"studentInit", studentInit},
        {"teacher", te},
        {"strategy", strategyName(strategy)},
        {"focalGamma", focalGamma},
        {"cbBeta", cbBeta},
        {"ldamMaxMargin", ldamMaxMargin},
        {"ldamScale", ldamScale},
        {"laTau", laTau},
        {"kdTemperature", kdTemperature},
        {"kdAlpha", kdAlpha},
        {"ekdLambda", ekdLambda},
        {"cbFeatureLoss", cbFeatureLoss},
        {"cbFeatureBeta", cbFeatureBeta},
        {"ekdHiddenDim", ekdHiddenDim},
        {"prompt", pr},
        {"optimizer", optimizer},
        {"lr", lr},
        {"momentum", momentum},
        {"nesterov", nesterov},
        {"weightDecay", weightDecay},
        {"schedule", schedule},
        {"stepEpochs", stepEpochs},
        {"stepGamma", stepGamma},
        {"warmupEpochs", warmupEpochs},
        {"clipNorm", clipNorm},
        {"epochs", epochs},
        {"batchSize", batchSize},
        {"seed", double(seed)},
        {"threads", threads},
        {"workers", workers},
        {"cacheMegabytes", double(cacheMegabytes)},
        {"many", many},
        {"few", few},
        {"maxTrainBatches", maxTrainBatches},
        {"freezeBatchNorm", freezeBatchNorm},
        {"device", device},
        {"runDir", runDir},
    };
}

namespace {

/// The top-level knobs (not the nested objects, not the strategy).
void readTopLevel(Reader &r, TrainConfig &c)
{
    r.text("dataset", &c.dataset);
    r.num("imageSize", &c.imageSize);
    r.text("resizePolicy", &c.resizePolicy);
    r.triple("mean", &c.mean);
    r.triple("std", &c.std);
    r.text("sampler", &c.sampler);
    r.text("studentInit", &c.studentInit);
    r.num("focalGamma", &c.focalGamma);
    r.num("cbBeta", &c.cbBeta);
    r.num("ldamMaxMargin", &c.ldamMaxMargin);
    r.num("ldamScale", &c.ldamScale);
    r.num("laTau", &c.laTau);
    r.num("kdTemperature", &c.kdTemperature);
    r.num("kdAlpha", &c.kdAlpha);
    r.num("ekdLambda", &c.ekdLambda);
    r.boolean("cbFeatureLoss", &c.cbFeatureLoss);
    r.num("cbFeatureBeta", &c.cbFeatureBeta);
    r.num("ekdHiddenDim", &c.ekdHiddenDim);
    r.text("optimizer", &c.optimizer);
    r.num("lr", &c.lr);
    r.num("momentum", &c.momentum);
    r.boolean("nesterov", &c.nesterov);
    r.num("weightDecay", &c.weightDecay);
    r.text("schedule", &c.schedule);
    r.num("stepEpochs", &c.stepEpochs);
    r.num("stepGamma", &c.stepGamma);
    r.num("warmupEpochs", &c.warmupEpochs);
    r.num("clipNorm", &c.clipNorm);
    r.num("epochs", &c.epochs);
    r.num("batchSize", &c.batchSize);
    r.num("seed", &c.seed);
    r.num("threads", &c.threads);
    r.num("workers", &c.workers);
    r.num("cacheMegabytes", &c.cacheMegabytes);
    r.num("many", &c.many);
    r.num("few", &c.few);
    r.num("maxTrainBatches", &c.maxTrainBatches);
    r.boolean("freezeBatchNorm", &c.freezeBatchNorm);
    r.text("device", &c.device);
    r.text("runDir", &c.runDir);
}

QString readStudent(const QJsonObject &st, const QString &file, TrainConfig &c)
{
    Reader s(st, QStringLiteral("student."), file);
    QString arch = QString::fromStdString(c.student.architecture);
    s.text("architecture", &arch);
    c.student.architecture = arch.toStdString();
    s.num("widthMultiplier", &c.student.widthMultiplier);
    const QJsonValue blocks = s.take("cifarBlocks");
    if (!blocks.isUndefined()) {
        const QJsonArray a = blocks.toArray();
        if (a.size() != 4)
            s.fail("cifarBlocks", QStringLiteral("must be an array of four whole numbers"));
        else
            for (int i = 0; i < 4; ++i)
                c.student.cifarBlocks[size_t(i)] = a[i].toInt(0);
    }
    return s.finish();
}

QString readTeacher(const QJsonObject &te, const QString &file, TrainConfig &c)
{
    Reader t(te, QStringLiteral("teacher."), file);
    t.text("kind", &c.teacher.kind);
    t.text("path", &c.teacher.path);
    t.text("outputLayer", &c.teacher.outputLayer);
    t.num("inputSize", &c.teacher.inputSize);
    t.triple("mean", &c.teacher.mean);
    t.triple("std", &c.teacher.std);
    t.boolean("cacheFeatures", &c.teacher.cacheFeatures);
    return t.finish();
}

QString readPrompt(const QJsonObject &pr, const QString &file, TrainConfig &c)
{
    Reader p(pr, QStringLiteral("prompt."), file);
    QString mode = QStringLiteral("global"), update = promptUpdateName(c.promptUpdate);
    p.text("mode", &mode);
    if (mode == QLatin1String("global"))
        c.prompt.mode = FourierPromptMode::Global;
    else if (mode == QLatin1String("conditional"))
        c.prompt.mode = FourierPromptMode::Conditional;
    else
        p.fail("mode", QStringLiteral("must be \"global\" or \"conditional\""));
    p.num("alpha", &c.prompt.alpha);
    p.num("bandRadius", &c.prompt.bandRadius);
    p.num("generatorWidth", &c.prompt.generatorWidth);
    p.num("generatorGrid", &c.prompt.generatorGrid);
    p.text("update", &update);
    if (!parsePromptUpdate(update, &c.promptUpdate)) p.fail("update", QStringLiteral("must be \"akd\" or \"explore\""));
    p.num("regulariser", &c.promptRegulariser);
    p.num("lr", &c.promptLr);
    p.num("every", &c.promptEvery);
    return p.finish();
}

QString readAugment(const QJsonObject &au, const QString &file, TrainConfig &c)
{
    Reader a(au, QStringLiteral("augment."), file);
    a.boolean("enabled", &c.augment.enabled);
    a.num("cropScaleMin", &c.augment.cropScaleMin);
    a.boolean("horizontalFlip", &c.augment.horizontalFlip);
    a.boolean("verticalFlip", &c.augment.verticalFlip);
    a.num("brightness", &c.augment.brightness);
    a.num("contrast", &c.augment.contrast);
    a.num("saturation", &c.augment.saturation);
    return a.finish();
}

} // namespace

Result<TrainConfig> TrainConfig::fromJson(const QJsonObject &object, const QString &file)
{
    TrainConfig c;
    Reader r(object, {}, file);
    readTopLevel(r, c);
    QString strategy = strategyName(c.strategy);
    r.text("strategy", &strategy);
    const QJsonObject st = r.object("student");
    const QJsonObject te = r.object("teacher");
    const QJsonObject pr = r.object("prompt");
    const QJsonObject au = r.object("augment");
    QString error = r.finish();
    if (error.isEmpty()) error = readStudent(st, file, c);
    if (error.isEmpty()) error = readTeacher(te, file, c);
    if (error.isEmpty()) error = readPrompt(pr, file, c);
    if (error.isEmpty()) error = readAugment(au, file, c);
    if (error.isEmpty() && !parseStrategy(strategy, &c.strategy)) error = unknownStrategyMessage(strategy);
    if (!error.isEmpty()) return makeError(ErrorCode::InvalidArgument, file, error);
    const auto valid = c.validate();
    if (!valid) return makeError(ErrorCode::InvalidArgument, file, valid.error().detail);
    return c;
}

Result<QJsonObject> TrainConfig::readJson(const QString &file)
{
    QFile f(file);
    if (!f.exists()) return makeError(ErrorCode::NotFound, file, QStringLiteral("configuration file not found"));
    if (!f.open(QIODevice::ReadOnly)) return makeError(ErrorCode::Unreadable, file, f.errorString());
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
    if (doc.isNull() || !doc.isObject())
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("not a JSON object: %1 at offset %2").arg(pe.errorString()).arg(pe.offset));
    QJsonObject o = doc.object();
    // A run folder's config.json wraps the configuration.
    if (o.value(QStringLiteral("format")).toString() == QLatin1String("fopro-run"))
        o = o.value(QStringLiteral("config")).toObject();
    return o;
}

Result<TrainConfig> TrainConfig::load(const QString &file)
{
    auto o = readJson(file);
    if (!o) return o.error();
    return fromJson(o.value(), file);
}

Result<void> TrainConfig::validate() const
{
    const auto bad = [](const QString &why) { return makeError(ErrorCode::InvalidArgument, {}, why); };
    if (imageSize < 8 || imageSize > 1024) return bad(QStringLiteral("imageSize must be in [8, 1024]"));
    if (resizePolicy != QLatin1String("crop") && resizePolicy != QLatin1String("stretch") &&
        resizePolicy != QLatin1String("letterbox"))
        return bad(QStringLiteral("resizePolicy must be crop, stretch or letterbox"));
    for (float s : std)
        if (!(s > 0)) return bad(QStringLiteral("std values must be positive"));
    if (sampler != QLatin1String("shuffle") && sampler != QLatin1String("class_balanced"))
        return bad(QStringLiteral("sampler must be shuffle or class_balanced"));
    {
        bool ok = device == QLatin1String("auto") || device == QLatin1String("cpu") || device == QLatin1String("cuda");
        if (device.startsWith(QLatin1String("cuda:"))) (void)device.mid(5).toUInt(&ok);
        if (!ok) return bad(QStringLiteral("device must be auto, cpu, cuda or cuda:N, not \"%1\"").arg(device));
    }
    if (augment.cropScaleMin <= 0 || augment.brightness < 0 || augment.contrast < 0 || augment.saturation < 0 ||
        augment.brightness >= 1 || augment.contrast >= 1 || augment.saturation >= 1)
        return bad(QStringLiteral("augment: cropScaleMin must be > 0 and jitter values in [0, 1)"));
    if (!strategy.info()) return bad(unknownStrategyMessage(strategy.id()));
    StudentConfig sc = student;
    sc.numClasses = 1;
    if (auto v = validateStudentConfig(sc); !v) return bad(QStringLiteral("student: ") + v.error().detail);
    if (strategyUsesTeacher(strategy)) {
        if (teacher.path.isEmpty())
            return bad(QStringLiteral("strategy %1 needs teacher.path").arg(strategyName(strategy)));
        if (teacher.kind != QLatin1String("tfjs") && teacher.kind != QLatin1String("torchscript"))
            return bad(QStringLiteral("teacher.kind must be tfjs or torchscript"));
    }
    if (teacher.inputSize < -1) return bad(QStringLiteral("teacher.inputSize must be -1, 0 or a side in pixels"));
    if (!(prompt.alpha > 0 && prompt.alpha < 1)) return bad(QStringLiteral("prompt.alpha must be in (0, 1)"));
    if (promptEvery < 1) return bad(QStringLiteral("prompt.every must be at least 1"));
    if (promptLr <= 0 || promptRegulariser < 0)
        return bad(QStringLiteral("prompt.lr must be > 0 and prompt.regulariser ≥ 0"));
    if (optimizer != QLatin1String("adam") && optimizer != QLatin1String("sgd"))
        return bad(QStringLiteral("optimizer must be adam or sgd"));
    if (!(lr > 0)) return bad(QStringLiteral("lr must be positive"));
    if (weightDecay < 0 || momentum < 0) return bad(QStringLiteral("weightDecay and momentum must be ≥ 0"));
    if (schedule != QLatin1String("constant") && schedule != QLatin1String("cosine") &&
        schedule != QLatin1String("step"))
        return bad(QStringLiteral("schedule must be constant, cosine or step"));
    if (stepEpochs < 1 || warmupEpochs < 0) return bad(QStringLiteral("stepEpochs must be ≥ 1 and warmupEpochs ≥ 0"));
    if (epochs < 1) return bad(QStringLiteral("epochs must be at least 1"));
    if (batchSize < 2) return bad(QStringLiteral("batchSize must be at least 2 (batch norm)"));
    if (threads < 0 || workers < 1) return bad(QStringLiteral("threads must be ≥ 0 and workers ≥ 1"));
    if (cacheMegabytes < 0) return bad(QStringLiteral("cacheMegabytes must be ≥ 0"));
    if (many < 0 || few < 0 || few > many) return bad(QStringLiteral("few and many must be ≥ 0 with few ≤ many"));
    if (ekdLambda < 0 || ekdHiddenDim < 1) return bad(QStringLiteral("ekdLambda must be ≥ 0 and ekdHiddenDim ≥ 1"));
    if (!(kdTemperature > 0) || kdAlpha < 0 || kdAlpha > 1)
        return bad(QStringLiteral("kdTemperature must be > 0 and kdAlpha in [0, 1]"));
    if (!(ldamScale > 0) || ldamMaxMargin < 0)
        return bad(QStringLiteral("ldamScale must be > 0 and ldamMaxMargin ≥ 0"));
    if (!(cbBeta > 0 && cbBeta < 1) || !(cbFeatureBeta > 0 && cbFeatureBeta < 1))
        return bad(QStringLiteral("cbBeta must be in (0, 1)"));
    return {};
}

} // namespace fopro::ml
