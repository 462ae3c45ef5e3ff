#pragma once
// The machine-readable protocol between a worker process (`fopro train --events`) and the desktop
// application that supervises it: one JSON object per line on the worker's standard output, each
// with a "type":
//   {"type":"started","run":DIR,"pid":N}                       the run folder is open
//   {"type":"progress", done, total, stage, stages, phase, message, rate, eta, elapsed,
//    "metrics":{name:value,...}}                                throttled, at most 10 per second
//   {"type":"epoch","epoch":E,"metrics":{name:value,...}}       a finished epoch (losses, validation)
//   {"type":"log","text":LINE}                                  a line of the run's log
//   {"type":"error","code":NAME,"file":F,"detail":D}            the failure that ends the run
//   {"type":"finished","state":"finished"|"cancelled","run":DIR}
// Every event also carries "time": when the worker wrote it (ms since 1970, UTC), so that a
// supervisor can measure how long an event took to reach it.
// The supervisor writes commands, one per line, to the worker's standard input: "pause", "resume",
// "cancel". Numbers that are not finite travel as null and come back as NaN. Lines that are not
// valid events are reported as errors naming the reason, never guessed at.

#include "core/common/result.h"
#include "core/jobs/progress.h"

#include <QtCore/QByteArray>
#include <QtCore/QJsonObject>
#include <QtCore/QString>

#include <utility>
#include <vector>

namespace fopro::worker {

enum class EventType { Started, Progress, Epoch, Log, Error, Finished };

/// "started", "progress", ...
QString eventTypeName(EventType type);

struct Event {
    EventType type = EventType::Log;
    Progress progress;                               ///< Progress
    int epoch = 0;                                   ///< Epoch (1-based)
    std::vector<std::pair<QString, double>> metrics; ///< Epoch
    QString text;                                    ///< Log: the line; Started/Finished: the run folder
    qint64 pid = 0;                                  ///< Started
    QString state;                                   ///< Finished: "finished" or "cancelled"
    Error error;                                     ///< Error
    qint64 time = 0; ///< when the worker wrote it (ms since the epoch, UTC); encode() stamps 0 with now

    static Event started(const QString &runDir, qint64 pid);
    static Event ofProgress(const Progress &p);
    static Event ofEpoch(int epoch, std::vector<std::pair<QString, double>> metrics);
    static Event log(const QString &line);
    static Event failed(const Error &error);
    static Event finished(const QString &state, const QString &runDir);
};

/// One line of JSON, ending in '\n'.
QByteArray encode(const Event &event);
/// Parses one line (with or without its '\n'). Errors: Malformed, naming what is wrong.
Result<Event> decode(const QByteArray &line);

enum class Command { Pause, Resume, Cancel };
QByteArray encodeCommand(Command command);
/// Parses one command line; Malformed for anything else.
Result<Command> decodeCommand(const QByteArray &line);

/// ErrorCode ↔ its protocol name ("not-found", "malformed", ...).
QString errorCodeName(ErrorCode code);
ErrorCode errorCodeFromName(const QString &name);

/// Splits a growing byte stream into complete lines (a worker's output arrives in pieces).
class LineSplitter {
public:
    /// Appends bytes and returns the complete lines they finish (without their '\n'). A line
    /// longer than `maxLine` bytes is dropped whole and counted in overlongLines().
    std::vector<QByteArray> feed(const QByteArray &bytes);
    int overlongLines() const { return m_overlong; }
    static constexpr qsizetype maxLine = 1 << 20;

private:
    QByteArray m_pending;
    bool m_skipping = false;
    int m_overlong = 0;
};

} // namespace fopro::worker
