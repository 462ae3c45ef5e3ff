#include "core/jobs/workerrun.h"

#include "core/common/fileio.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QThread>
#include <QtCore/QTimer>

#include <csignal>

#include <signal.h>

namespace fopro::worker {
namespace {

constexpr int kPollMs = 50;
constexpr int kLivenessEvery = 6; ///< polls between two liveness checks (0.3 s)
constexpr int kLogLinesKept = 200;

QString stateFile(const QString &stateDir, const QString &name, const char *suffix)
{
    return QDir(stateDir).filePath(name + QLatin1String(suffix));
}

QStringList tailLines(const QStringList &lines, int n)
{
    return lines.mid(std::max<qsizetype>(0, lines.size() - n));
}

} // namespace

QJsonObject WorkerRecord::toJson() const
{
    return QJsonObject{
        {"format", "fopro-worker"},
        {"name", name},
        {"events", QFileInfo(eventsFile).fileName()},
        {"stderr", QFileInfo(stderrFile).fileName()},
        {"runDir", runDir},
        {"program", program},
        {"arguments", QJsonArray::fromStringList(arguments)},
        {"kind", kind},
        {"pid", double(pid)},
        {"ticks", double(ticks)},
        {"started", started.toString(Qt::ISODate)},
    };
}

Result<WorkerRecord> WorkerRecord::fromJson(const QJsonObject &o, const QString &file)
{
    if (o.value(QStringLiteral("format")).toString() != QLatin1String("fopro-worker"))
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("not a worker record (no \"format\": \"fopro-worker\")"));
    WorkerRecord r;
    const QString dir = QFileInfo(file).absolutePath();
    r.recordFile = QFileInfo(file).absoluteFilePath();
    r.name = o.value(QStringLiteral("name")).toString();
    r.eventsFile = QDir(dir).filePath(o.value(QStringLiteral("events")).toString());
    r.stderrFile = QDir(dir).filePath(o.value(QStringLiteral("stderr")).toString());
    r.runDir = o.value(QStringLiteral("runDir")).toString();
    r.program = o.value(QStringLiteral("program")).toString();
    for (const QJsonValue &a : o.value(QStringLiteral("arguments")).toArray())
        r.arguments << a.toString();
    r.kind = o.value(QStringLiteral("kind")).toString();
    r.pid = qint64(o.value(QStringLiteral("pid")).toDouble());
    r.ticks = qint64(o.value(QStringLiteral("ticks")).toDouble(-1));
    r.started = QDateTime::fromString(o.value(QStringLiteral("started")).toString(), Qt::ISODate);
    if (r.name.isEmpty() || r.runDir.isEmpty() || r.pid <= 0)
        return makeError(ErrorCode::Malformed, file,
                         QStringLiteral("a worker record needs a name, a run folder and a pid"));
    return r;
}

Result<WorkerRecord> WorkerRecord::load(const QString &recordFile)
{
    auto json = fileio::readJsonObject(recordFile);
    if (!json) return json.error();
    return fromJson(*json, recordFile);
}

QString workerProgram()
{
    const QString env = qEnvironmentVariable("FOPRO_CLI");
    if (!env.isEmpty()) return env;
    const QString beside = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("fopro"));
    if (QFileInfo(beside).isExecutable()) return beside;
    const QString onPath = QStandardPaths::findExecutable(QStringLiteral("fopro"));
    return onPath.isEmpty() ? QStringLiteral("fopro") : onPath;
}

qint64 processStartTicks(qint64 pid)
{
    if (pid <= 0) return -1;
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    const QByteArray stat = f.readAll();
    // "pid (comm) state ppid ... starttime(22) ...": comm may hold spaces and ')', so split after the last ')'.
    const qsizetype close = stat.lastIndexOf(')');
    if (close < 0) return -1;
    const QList<QByteArray> fields = stat.mid(close + 2).split(' ');
    if (fields.size() < 20 || fields[0] == "Z" || fields[0] == "X") return -1;
    bool ok = false;
    const qint64 ticks = fields[19].toLongLong(&ok); // field 22 of the whole line
    return ok ? ticks : -1;
}

WorkerRun::WorkerRun(WorkerRecord record, QObject *parent) : QObject(parent), m_record(std::move(record))
{
    m_timer = new QTimer(this);
    m_timer->setInterval(kPollMs);
    connect(m_timer, &QTimer::timeout, this, &WorkerRun::poll);
    m_timer->start();
}

WorkerRun::~WorkerRun() = default;

Result<WorkerRun *> WorkerRun::launch(const QString &stateDir, const QString &name, const QString &runDir,
                                      const QString &kind, const QString &program, const QStringList &arguments,
                                      QObject *parent)
{
    if (!QDir().mkpath(stateDir))
        return makeError(ErrorCode::WriteFailed, stateDir,
                         QStringLiteral("cannot create the folder for worker records"));
    WorkerRecord r;
    r.name = name;
    r.recordFile = stateFile(stateDir, name, ".json");
    r.eventsFile = stateFile(stateDir, name, ".events.jsonl");
    r.stderrFile = stateFile(stateDir, name, ".stderr.txt");
    r.runDir = runDir;
    r.program = program;
    r.arguments = arguments;
    r.kind = kind;
    r.started = QDateTime::currentDateTimeUtc();
    QFile::remove(r.eventsFile);
    QFile::remove(r.stderrFile);

    QProcess process;
    process.setProgram(program);
    process.setArguments(arguments);
    process.setStandardInputFile(QProcess::nullDevice());
    process.setStandardOutputFile(r.eventsFile, QIODevice::Append);
    process.setStandardErrorFile(r.stderrFile, QIODevice::Append);
    qint64 pid = 0;
    if (!process.startDetached(&pid) || pid <= 0)
        return makeError(ErrorCode::Internal, program,
                         QStringLiteral("the training worker did not start: %1").arg(process.errorString()));
    r.pid = pid;
    r.ticks = processStartTicks(pid);
    if (auto ok = fileio::writeJson(r.recordFile, r.toJson()); !ok) return ok.error();
    return new WorkerRun(std::move(r), parent);
}

Result<WorkerRun *> WorkerRun::attach(const QString &recordFile, QObject *parent)
{
    auto record = WorkerRecord::load(recordFile);
    if (!record) return record.error();
    auto *run = new WorkerRun(std::move(record).value(), parent);
    return run;
}

QStringList WorkerRun::records(const QString &stateDir)
{
    QStringList files;
    const QFileInfoList entries =
        QDir(stateDir).entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Time | QDir::Reversed);
    for (const QFileInfo &fi : entries)
        files << fi.absoluteFilePath();
    return files;
}

bool WorkerRun::isEnded() const
{
    return m_state == State::Finished || m_state == State::Cancelled || m_state == State::Failed ||
           m_state == State::Died;
}

bool WorkerRun::isAlive() const
{
    const qint64 ticks = processStartTicks(m_record.pid);
    return ticks >= 0 && (m_record.ticks < 0 || ticks == m_record.ticks);
}

void WorkerRun::pause()
{
    if (isEnded() || !isAlive()) return;
    m_pauseRequested = true;
    // Before its "started" event the worker may not handle SIGUSR1 yet (its default ends the
    // process): the pause is sent when the event arrives.
    if (m_started) ::kill(pid_t(m_record.pid), SIGUSR1);
}

void WorkerRun::resume()
{
    if (isEnded() || !isAlive()) return;
    const bool sent = m_started;
    m_pauseRequested = false;
    if (sent) ::kill(pid_t(m_record.pid), SIGUSR2);
}

void WorkerRun::cancel()
{
    if (isEnded() || !isAlive()) return;
    ::kill(pid_t(m_record.pid), SIGTERM);
    // A paused worker waits in waitWhilePaused, which returns on cancel; nothing else to do.
}

void WorkerRun::kill()
{
    if (isAlive()) ::kill(pid_t(m_record.pid), SIGKILL);
}

bool WorkerRun::waitForExit(int msecs) const
{
    QElapsedTimer clock;
    clock.start();
    while (isAlive()) {
        if (clock.elapsed() >= msecs) return false;
        QThread::msleep(20);
    }
    return true;
}

QStringList WorkerRun::lastLogLines(int n) const
{
    return tailLines(m_log, n);
}

QStringList WorkerRun::stderrTail(int n) const
{
    QFile f(m_record.stderrFile);
    if (!f.open(QIODevice::ReadOnly)) return {};
    const qint64 size = f.size();
    if (size > 64 * 1024) f.seek(size - 64 * 1024);
    QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return tailLines(lines, n);
}

void WorkerRun::discardFiles() const
{
    QFile::remove(m_record.recordFile);
    QFile::remove(m_record.eventsFile);
    QFile::remove(m_record.stderrFile);
}

void WorkerRun::poll()
{
    QFile f(m_record.eventsFile);
    if (f.size() > m_offset && f.open(QIODevice::ReadOnly)) {
        f.seek(m_offset);
        const QByteArray bytes = f.readAll();
        m_offset += bytes.size();
        for (const QByteArray &line : m_splitter.feed(bytes)) {
            if (line.trimmed().isEmpty()) continue;
            auto event = decode(line);
            if (event)
                handle(*event);
            else
                m_log << QStringLiteral("(unreadable worker output: %1)").arg(event.error().detail);
        }
    }
    if (isEnded()) {
        m_timer->stop();
        return;
    }
    if (++m_ticksSinceLivenessCheck >= kLivenessEvery) {
        m_ticksSinceLivenessCheck = 0;
        checkAlive();
    }
}

void WorkerRun::settle()
{
    poll();
    if (!isEnded() && !isAlive()) checkAlive();
}

void WorkerRun::checkAlive()
{
    if (isAlive()) return;
    // Gone: read what it wrote last, then decide.
    QFile f(m_record.eventsFile);
    if (f.size() > m_offset) return; // more to read first; the next poll comes back here
    if (isEnded()) return;
    const QStringList err = stderrTail(8);
    m_failure =
        Error{ErrorCode::Internal, m_record.runDir,
              err.isEmpty()
                  ? QStringLiteral("the training process ended without a word (killed, or out of "
                                   "memory)")
                  : QStringLiteral("the training process ended unexpectedly: %1").arg(err.join(QStringLiteral(" | ")))};
    setState(State::Died);
}

void WorkerRun::handle(const Event &event)
{
    if (event.type == EventType::Started && !m_started) {
        m_started = true;
        if (m_pauseRequested) ::kill(pid_t(m_record.pid), SIGUSR1);
    }
    if (event.type == EventType::Log) {
        m_log << event.text;
        if (m_log.size() > kLogLinesKept) m_log.erase(m_log.begin(), m_log.begin() + (m_log.size() - kLogLinesKept));
        if (event.text == QLatin1String("paused") && m_state == State::Running) setState(State::Paused);
        if (event.text == QLatin1String("resumed") && m_state == State::Paused) setState(State::Running);
    }
    Q_EMIT eventReceived(event);
    if (event.type == EventType::Error) {
        m_failure = event.error;
        setState(State::Failed);
    } else if (event.type == EventType::Finished && !isEnded()) {
        setState(event.state == QLatin1String("cancelled") ? State::Cancelled : State::Finished);
    }
}

void WorkerRun::setState(State state)
{
    if (m_state == state) return;
    m_state = state;
    Q_EMIT stateChanged(state);
    if (isEnded() && !m_endedEmitted) {
        m_endedEmitted = true;
        Q_EMIT ended(state);
    }
}

} // namespace fopro::worker
