#include "core/jobs/workerprotocol.h"

#include <QtCore/QDateTime>

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonValue>

#include <cmath>
#include <limits>
#include <optional>

namespace fopro::worker {

namespace {

const char *const kTypes[] = {"started", "progress", "epoch", "log", "error", "finished"};

QJsonValue number(double v)
{
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null);
}

double numberOf(const QJsonValue &v, double fallback = 0)
{
    if (v.isNull()) return std::numeric_limits<double>::quiet_NaN();
    return v.isDouble() ? v.toDouble() : fallback;
}

/// `v` as a 64-bit integer (a fraction truncated), or nothing when it is null or outside qint64's
/// range: converting such a double to an integer is undefined behaviour, and a line of the protocol
/// is untrusted input.
std::optional<qint64> int64Of(const QJsonValue &v, double fallback = 0)
{
    const double d = numberOf(v, fallback);
    constexpr double kLimit = 9223372036854775808.0; // 2^63, exact as a double
    if (!(d >= -kLimit && d < kLimit)) return std::nullopt;
    return qint64(d);
}

QJsonObject metricsObject(const std::vector<std::pair<QString, double>> &metrics)
{
    QJsonObject o;
    for (const auto &m : metrics)
        o.insert(m.first, number(m.second));
    return o;
}

std::vector<std::pair<QString, double>> metricsOf(const QJsonValue &v)
{
    std::vector<std::pair<QString, double>> out;
    const QJsonObject o = v.toObject();
    for (auto it = o.begin(); it != o.end(); ++it)
        out.emplace_back(it.key(), numberOf(it.value()));
    return out;
}

Error malformed(const QString &detail)
{
    return makeError(ErrorCode::Malformed, {}, detail);
}

struct CodeName {
    ErrorCode code;
    const char *name;
};
const CodeName kCodes[] = {
    {ErrorCode::None, "none"},
    {ErrorCode::NotFound, "not-found"},
    {ErrorCode::Unreadable, "unreadable"},
    {ErrorCode::Malformed, "malformed"},
    {ErrorCode::Unsupported, "unsupported"},
    {ErrorCode::Ambiguous, "ambiguous"},
    {ErrorCode::InvalidArgument, "invalid-argument"},
    {ErrorCode::WriteFailed, "write-failed"},
    {ErrorCode::Cancelled, "cancelled"},
    {ErrorCode::Internal, "internal"},
};

} // namespace

QString eventTypeName(EventType type)
{
    return QString::fromLatin1(kTypes[int(type)]);
}

QString errorCodeName(ErrorCode code)
{
    for (const CodeName &c : kCodes)
        if (c.code == code) return QString::fromLatin1(c.name);
    return QStringLiteral("internal");
}

ErrorCode errorCodeFromName(const QString &name)
{
    for (const CodeName &c : kCodes)
        if (name == QLatin1String(c.name)) return c.code;
    return ErrorCode::Internal;
}

Event Event::started(const QString &runDir, qint64 pid)
{
    Event e;
    e.type = EventType::Started;
    e.text = runDir;
    e.pid = pid;
    return e;
}

Event Event::ofProgress(const Progress &p)
{
    Event e;
    e.type = EventType::Progress;
    e.progress = p;
    return e;
}

Event Event::ofEpoch(int epoch, std::vector<std::pair<QString, double>> metrics)
{
    Event e;
    e.type = EventType::Epoch;
    e.epoch = epoch;
    e.metrics = std::move(metrics);
    return e;
}

Event Event::log(const QString &line)
{
    Event e;
    e.type = EventType::Log;
    e.text = line;
    return e;
}

Event Event::failed(const Error &error)
{
    Event e;
    e.type = EventType::Error;
    e.error = error;
    return e;
}

Event Event::finished(const QString &state, const QString &runDir)
{
    Event e;
    e.type = EventType::Finished;
    e.state = state;
    e.text = runDir;
    return e;
}

QByteArray encode(const Event &e)
{
    QJsonObject o{{QStringLiteral("type"), eventTypeName(e.type)},
                  {QStringLiteral("time"), double(e.time > 0 ? e.time : QDateTime::currentMSecsSinceEpoch())}};
    switch (e.type) {
    case EventType::Started:
        o.insert(QStringLiteral("run"), e.text);
        o.insert(QStringLiteral("pid"), double(e.pid));
        break;
    case EventType::Progress: {
        const Progress &p = e.progress;
        o.insert(QStringLiteral("done"), double(p.done));
        o.insert(QStringLiteral("total"), double(p.total));
        o.insert(QStringLiteral("stage"), p.stage);
        o.insert(QStringLiteral("stages"), p.stages);
        o.insert(QStringLiteral("phase"), p.phase);
        if (!p.message.isEmpty()) o.insert(QStringLiteral("message"), p.message);
        o.insert(QStringLiteral("rate"), number(p.rate));
        o.insert(QStringLiteral("eta"), number(p.etaSeconds));
        o.insert(QStringLiteral("elapsed"), number(p.elapsedSeconds));
        if (!p.metrics.empty()) o.insert(QStringLiteral("metrics"), metricsObject(p.metrics));
        break;
    }
    case EventType::Epoch:
        o.insert(QStringLiteral("epoch"), e.epoch);
        o.insert(QStringLiteral("metrics"), metricsObject(e.metrics));
        break;
    case EventType::Log:
        o.insert(QStringLiteral("text"), e.text);
        break;
    case EventType::Error:
        o.insert(QStringLiteral("code"), errorCodeName(e.error.code));
        if (!e.error.file.isEmpty()) o.insert(QStringLiteral("file"), e.error.file);
        o.insert(QStringLiteral("detail"), e.error.detail);
        break;
    case EventType::Finished:
        o.insert(QStringLiteral("state"), e.state);
        o.insert(QStringLiteral("run"), e.text);
        break;
    }
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

Result<Event> decode(const QByteArray &line)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(line.trimmed(), &pe);
    if (pe.error != QJsonParseError::NoError)
        return malformed(QStringLiteral("not JSON (%1 at byte %2)").arg(pe.errorString()).arg(pe.offset));
    if (!doc.isObject()) return malformed(QStringLiteral("not a JSON object"));
    const QJsonObject o = doc.object();
    const QString type = o.value(QStringLiteral("type")).toString();
    Event e;
    int t = -1;
    for (int i = 0; i < int(std::size(kTypes)); ++i)
        if (type == QLatin1String(kTypes[i])) t = i;
    if (t < 0)
        return malformed(type.isEmpty() ? QStringLiteral("no event type")
                                        : QStringLiteral("unknown event type \"%1\"").arg(type.left(40)));
    e.type = EventType(t);
    e.time = int64Of(o.value(QStringLiteral("time"))).value_or(0);
    switch (e.type) {
    case EventType::Started:
        e.text = o.value(QStringLiteral("run")).toString();
        e.pid = int64Of(o.value(QStringLiteral("pid"))).value_or(0);
        if (e.text.isEmpty()) return malformed(QStringLiteral("a started event without its run folder"));
        break;
    case EventType::Progress: {
        Progress &p = e.progress;
        const auto done = int64Of(o.value(QStringLiteral("done")));
        const auto total = int64Of(o.value(QStringLiteral("total")));
        if (!done || !total) return malformed(QStringLiteral("progress without a valid done or total"));
        p.done = *done;
        p.total = *total;
        p.stage = o.value(QStringLiteral("stage")).toInt();
        p.stages = o.value(QStringLiteral("stages")).toInt();
        p.phase = o.value(QStringLiteral("phase")).toString();
        p.message = o.value(QStringLiteral("message")).toString();
        p.rate = numberOf(o.value(QStringLiteral("rate")));
        p.etaSeconds = numberOf(o.value(QStringLiteral("eta")), -1);
        p.elapsedSeconds = numberOf(o.value(QStringLiteral("elapsed")));
        p.metrics = metricsOf(o.value(QStringLiteral("metrics")));
        if (p.done < 0 || p.total < 0) return malformed(QStringLiteral("negative progress"));
        break;
    }
    case EventType::Epoch:
        e.epoch = o.value(QStringLiteral("epoch")).toInt();
        if (e.epoch < 1) return malformed(QStringLiteral("an epoch event without a valid epoch"));
        e.metrics = metricsOf(o.value(QStringLiteral("metrics")));
        break;
    case EventType::Log:
        e.text = o.value(QStringLiteral("text")).toString();
        break;
    case EventType::Error:
        e.error.code = errorCodeFromName(o.value(QStringLiteral("code")).toString());
        if (e.error.code == ErrorCode::None) e.error.code = ErrorCode::Internal;
        e.error.file = o.value(QStringLiteral("file")).toString();
        e.error.detail = o.value(QStringLiteral("detail")).toString();
        break;
    case EventType::Finished:
        e.state = o.value(QStringLiteral("state")).toString();
        e.text = o.value(QStringLiteral("run")).toString();
        if (e.state != QLatin1String("finished") && e.state != QLatin1String("cancelled"))
            return malformed(QStringLiteral("unknown final state \"%1\"").arg(e.state.left(40)));
        break;
    }
    return e;
}

QByteArray encodeCommand(Command command)
{
    switch (command) {
    case Command::Pause:
        return "pause\n";
    case Command::Resume:
        return "resume\n";
    case Command::Cancel:
        return "cancel\n";
    }
    return {};
}

Result<Command> decodeCommand(const QByteArray &line)
{
    const QByteArray w = line.trimmed();
    if (w == "pause") return Command::Pause;
    if (w == "resume") return Command::Resume;
    if (w == "cancel") return Command::Cancel;
    return malformed(QStringLiteral("unknown command \"%1\"").arg(QString::fromUtf8(w.left(40))));
}

std::vector<QByteArray> LineSplitter::feed(const QByteArray &bytes)
{
    std::vector<QByteArray> lines;
    qsizetype start = 0;
    while (start < bytes.size()) {
        const qsizetype nl = bytes.indexOf('\n', start);
        const qsizetype end = nl < 0 ? bytes.size() : nl;
        if (!m_skipping) {
            m_pending.append(bytes.constData() + start, end - start);
            if (m_pending.size() > maxLine) {
                m_pending.clear();
                m_skipping = true;
                ++m_overlong;
            }
        }
        if (nl < 0) break;
        if (!m_skipping) {
            if (m_pending.endsWith('\r')) m_pending.chop(1);
            lines.push_back(m_pending);
        }
        m_pending.clear();
        m_skipping = false;
        start = nl + 1;
    }
    return lines;
}

} // namespace fopro::worker
