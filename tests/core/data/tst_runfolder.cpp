// RunFolder (core/project/runfolder.h): a run's files written and read back equal, old epochs.csv
// files, run naming, listing the runs of a folder, and folders that are not runs refused with a
// clear error. Plain Qt: no torch, no training.

#include "core/project/runfolder.h"
#include "core/project/runlock.h"

#include <QtCore/QJsonArray>
#include <QtCore/QProcess>
#include <QtCore/QSysInfo>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <limits>

using namespace fopro;
using fopro::project::EpochRecord;
using fopro::project::RunFolder;
using fopro::project::RunLock;
using fopro::project::RunStatus;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool sameNumber(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(a));
}

bool sameRecord(const EpochRecord &a, const EpochRecord &b)
{
    if (a.epoch != b.epoch || a.best != b.best || a.losses.size() != b.losses.size()) return false;
    for (size_t i = 0; i < a.losses.size(); ++i)
        if (a.losses[i].first != b.losses[i].first || !sameNumber(a.losses[i].second, b.losses[i].second)) return false;
    for (const auto field : {&EpochRecord::lr, &EpochRecord::valAccuracy, &EpochRecord::valBalancedAccuracy,
                             &EpochRecord::valMacroF1, &EpochRecord::valHeadRecall, &EpochRecord::valMediumRecall,
                             &EpochRecord::valTailRecall, &EpochRecord::seconds, &EpochRecord::imagesPerSecond})
        if (!sameNumber(a.*field, b.*field)) return false;
    return true;
}

std::vector<EpochRecord> sampleHistory()
{
    EpochRecord a = EpochRecord::withoutValidation(1);
    a.lr = 0.001;
    a.losses = {{QStringLiteral("loss"), 1.25}, {QStringLiteral("aux_bsm"), 0.5}, {QStringLiteral("feature"), 0.125}};
    a.valAccuracy = 0.75;
    a.valBalancedAccuracy = 0.625;
    a.valMacroF1 = 0.6;
    a.valHeadRecall = 0.9;
    a.valMediumRecall = 0.5;
    a.valTailRecall = kNaN; // no tail class
    a.seconds = 12.5;
    a.imagesPerSecond = 40;
    EpochRecord b = a;
    b.epoch = 2;
    b.lr = 0.0005;
    b.losses = {{QStringLiteral("loss"), 0.75}, {QStringLiteral("aux_bsm"), 0.25}, {QStringLiteral("feature"), 0.0625}};
    b.valBalancedAccuracy = 0.7;
    b.best = true;
    return {a, b};
}

/// A run folder as the trainer leaves it (header and status), created inside `parent`.
RunFolder makeRun(const QString &dir, const QString &strategy, const QString &created)
{
    auto run = RunFolder::create(dir);
    if (!run) return RunFolder();
    const QJsonObject header{
        {"config", QJsonObject{{"strategy", strategy}, {"dataset", "/data/split.json"}, {"epochs", 3}}},
        {"dataset", QJsonObject{{"manifest", "/data/split.json"}, {"classes", QJsonArray{"nevus", "melanoma"}}}},
        {"created", created}};
    (void)run->writeHeader(header);
    RunStatus st;
    st.state = QStringLiteral("finished");
    st.epochsDone = st.epochs = 3;
    st.bestEpoch = 2;
    st.bestValBalancedAccuracy = 0.7;
    (void)run->writeStatus(st);
    return *run;
}

} // namespace

class TestRunFolder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void roundTrip()
    {
        QTemporaryDir tmp;
        const RunFolder run = makeRun(tmp.filePath(QStringLiteral("runs/r1")), QStringLiteral("bsm"),
                                      QStringLiteral("2025-01-02T03:04:05Z"));
        QVERIFY(!run.dir().isEmpty());
        QCOMPARE(run.name(), QStringLiteral("r1"));
        QVERIFY(RunFolder::isRun(run.dir()));

        // config.json: the header back with the format stamp; the configuration inside it.
        auto header = run.readHeader();
        QVERIFY(header);
        QCOMPARE(header->value(QStringLiteral("format")).toString(), QStringLiteral("fopro-run"));
        QCOMPARE(header->value(QStringLiteral("version")).toInt(), RunFolder::kFormatVersion);
        QCOMPARE(run.readConfig()->value(QStringLiteral("strategy")).toString(), QStringLiteral("bsm"));
        QCOMPARE(run.classNames(), QStringList({QStringLiteral("nevus"), QStringLiteral("melanoma")}));
        QJsonObject config = *run.readConfig();
        config.insert(QStringLiteral("epochs"), 6);
        QVERIFY(run.updateConfig(config));
        QCOMPARE(run.readConfig()->value(QStringLiteral("epochs")).toInt(), 6);
        QCOMPARE(run.readHeader()->value(QStringLiteral("created")).toString(), QStringLiteral("2025-01-02T03:04:05Z"));

        // status.json
        RunStatus st;
        st.state = QStringLiteral("cancelled");
        st.epochsDone = 1;
        st.epochs = 6;
        st.bestEpoch = 1;
        st.bestValBalancedAccuracy = kNaN;
        st.detail = QStringLiteral("stopped by the user");
        QVERIFY(run.writeStatus(st));
        auto back = run.readStatus();
        QVERIFY(back);
        QCOMPARE(back->state, st.state);
        QCOMPARE(back->epochsDone, 1);
        QCOMPARE(back->epochs, 6);
        QCOMPARE(back->bestEpoch, 1);
        QVERIFY(std::isnan(back->bestValBalancedAccuracy));
        QCOMPARE(back->detail, st.detail);
        QVERIFY(back->updated.isValid());

        // epochs.csv and the checkpoint's JSON form.
        const auto history = sampleHistory();
        QVERIFY(run.writeEpochs(history));
        auto epochs = run.readEpochs();
        QVERIFY2(epochs, qPrintable(epochs ? QString() : epochs.error().message()));
        QCOMPARE(int(epochs->size()), 2);
        const auto fromJson = project::epochsFromJson(project::epochsToJson(history));
        QCOMPARE(int(fromJson.size()), 2);
        for (size_t i = 0; i < history.size(); ++i) {
            QVERIFY2(sameRecord((*epochs)[i], history[i]), qPrintable(QString::number(i)));
            QVERIFY2(sameRecord(fromJson[i], history[i]), qPrintable(QString::number(i)));
        }

        // log.txt
        run.log(QStringLiteral("started"));
        run.log(QStringLiteral("finished"));
        const QStringList lines = run.readLog()->split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 2);
        QVERIFY(lines[1].endsWith(QLatin1String(" finished")));

        // prompt_gain.csv: a resumed run rewrites from its epoch on.
        QVERIFY(run.writePromptGain(1, {1.0, 1.5}));
        QVERIFY(run.writePromptGain(2, {0.5, 2.0}));
        QVERIFY(run.writePromptGain(2, {0.75, 1.25}));
        auto gain = run.readPromptGain();
        QVERIFY(gain);
        QCOMPARE(int(gain->size()), 2);
        QCOMPARE(gain->at(1).first, 2);
        QCOMPARE(gain->at(1).second, std::vector<double>({0.75, 1.25}));

        // results/
        project::SplitResults results;
        results.metrics = QJsonObject{{"balancedAccuracy", 0.625}, {"split", "test"}};
        results.perClass = QJsonObject{{"classes", QJsonArray{"nevus", "melanoma"}}};
        results.perClassCsv = QStringLiteral("class,recall\nnevus,1\nmelanoma,0.25\n");
        results.predictions.sampleIds = {QStringLiteral("a.png"), QStringLiteral("b, c.png")};
        results.predictions.yTrue = {0, 1};
        results.predictions.yPred = {0, 0};
        results.predictions.probabilities = {0.9, 0.1, 0.6, 0.4};
        QVERIFY(run.writeResults(QStringLiteral("test"), results, run.classNames()));
        QCOMPARE(*run.readMetrics(QStringLiteral("test")), results.metrics);
        QCOMPARE(run.resultSplits(), QStringList{QStringLiteral("test")});
        QFile predictions(run.predictionsFile(QStringLiteral("test")));
        QVERIFY(predictions.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(predictions.readAll()),
                 QStringLiteral("sample_id,true_label,predicted_label,p_nevus,p_melanoma\n"
                                "a.png,nevus,nevus,0.9,0.1\n\"b, c.png\",melanoma,nevus,0.6,0.4\n"));
        QVERIFY(QFileInfo::exists(run.perClassCsvFile(QStringLiteral("test"))));
        QVERIFY(QFileInfo::exists(run.perClassJsonFile(QStringLiteral("test"))));
    }

    void readsEpochsOfTheFirstFormat()
    {
        // The first version wrote no head/medium/tail columns and left NaN cells empty.
        const QByteArray old =
            "epoch,lr,loss,ce,val_accuracy,val_balanced_accuracy,val_macro_f1,seconds,images_per_second,best\n"
            "1,0.001,0.9,0.8,0.5,0.5,0.4,3.5,20,1\n"
            "2,0.001,0.7,0.6,,,,3.25,21,0\n";
        auto r = project::epochsFromCsv(old, QStringLiteral("epochs.csv"));
        QVERIFY2(r, qPrintable(r ? QString() : r.error().message()));
        QCOMPARE(int(r->size()), 2);
        QCOMPARE(r->at(0).loss(QStringLiteral("ce")), 0.8);
        QCOMPARE(r->at(0).valMacroF1, 0.4);
        QVERIFY(std::isnan(r->at(0).valTailRecall));
        QVERIFY(r->at(0).best);
        QVERIFY(std::isnan(r->at(1).valBalancedAccuracy));
        QCOMPARE(r->at(1).imagesPerSecond, 21.0);

        auto bad = project::epochsFromCsv("epoch,lr\n1,2,3\n", QStringLiteral("epochs.csv"));
        QVERIFY(!bad);
        QCOMPARE(bad.error().file, QStringLiteral("epochs.csv"));
        QVERIFY(!project::epochsFromCsv("step,loss\n", QStringLiteral("x.csv")));
    }

    void namingAndListing()
    {
        QTemporaryDir tmp;
        const QDateTime when(QDate(2025, 1, 2), QTime(3, 4, 5));
        QCOMPARE(RunFolder::defaultName(QStringLiteral("bsm"), when), QStringLiteral("20250102-030405-bsm"));
        const QString parent = tmp.filePath(QStringLiteral("runs"));
        const QString first = RunFolder::uniqueDir(parent, QStringLiteral("bsm"), when);
        QCOMPARE(first, QDir::cleanPath(parent + QStringLiteral("/20250102-030405-bsm")));
        QVERIFY(QDir().mkpath(first));
        QCOMPARE(RunFolder::uniqueDir(parent, QStringLiteral("bsm"), when), first + QStringLiteral("-2"));

        // Two runs, an empty folder, a folder of something else and a file: the runs, newest first.
        makeRun(parent + QStringLiteral("/older"), QStringLiteral("ce"), QStringLiteral("2025-01-01T00:00:00Z"));
        makeRun(parent + QStringLiteral("/newer"), QStringLiteral("fopro_kd"), QStringLiteral("2025-02-01T00:00:00Z"));
        QVERIFY(QDir().mkpath(parent + QStringLiteral("/other")));
        QFile other(parent + QStringLiteral("/other/config.json"));
        QVERIFY(other.open(QIODevice::WriteOnly));
        other.write("{\"epochs\": 3}");
        other.close();
        QFile stray(parent + QStringLiteral("/notes.txt"));
        QVERIFY(stray.open(QIODevice::WriteOnly));
        stray.close();
        const auto runs = RunFolder::list(parent);
        QCOMPARE(int(runs.size()), 2);
        QCOMPARE(runs[0].name, QStringLiteral("newer"));
        QCOMPARE(runs[0].strategy, QStringLiteral("fopro_kd"));
        QCOMPARE(runs[0].dataset, QStringLiteral("/data/split.json"));
        QCOMPARE(runs[0].status.state, QStringLiteral("finished"));
        QCOMPARE(runs[0].status.bestEpoch, 2);
        QCOMPARE(runs[1].name, QStringLiteral("older"));
        QVERIFY(RunFolder::list(tmp.filePath(QStringLiteral("nowhere"))).empty());
    }

    void nonRunsAreRefused()
    {
        QTemporaryDir tmp;
        auto missing = RunFolder::open(tmp.filePath(QStringLiteral("missing")));
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
        QVERIFY(missing.error().detail.contains(QLatin1String("no such run folder")));

        auto empty = RunFolder::open(tmp.path());
        QVERIFY(!empty);
        QCOMPARE(empty.error().code, ErrorCode::NotFound);
        QVERIFY2(empty.error().detail.contains(QLatin1String("not a training run")),
                 qPrintable(empty.error().message()));

        QFile file(tmp.filePath(QStringLiteral("file.txt")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        auto notDir = RunFolder::open(file.fileName());
        QVERIFY(!notDir);
        QCOMPARE(notDir.error().code, ErrorCode::InvalidArgument);

        QVERIFY(QDir().mkpath(tmp.filePath(QStringLiteral("project"))));
        QFile json(tmp.filePath(QStringLiteral("project/config.json")));
        QVERIFY(json.open(QIODevice::WriteOnly));
        json.write("{\"format\": \"something-else\"}");
        json.close();
        auto foreign = RunFolder::open(tmp.filePath(QStringLiteral("project")));
        QVERIFY(!foreign);
        QCOMPARE(foreign.error().code, ErrorCode::Malformed);
        QVERIFY(foreign.error().detail.contains(QLatin1String("fopro-run")));
        QVERIFY(!RunFolder::isRun(tmp.filePath(QStringLiteral("project"))));
        QVERIFY(
            RunFolder(tmp.filePath(QStringLiteral("project"))).readEpochs()->empty()); // config.json, no epochs.csv yet

        // A new run goes only into a missing or empty folder.
        auto occupied = RunFolder::create(tmp.filePath(QStringLiteral("project")));
        QVERIFY(!occupied);
        QCOMPARE(occupied.error().code, ErrorCode::InvalidArgument);
        QVERIFY(RunFolder::create(tmp.filePath(QStringLiteral("fresh/run"))));
        QVERIFY(!RunFolder(tmp.filePath(QStringLiteral("fresh/none"))).readEpochs());
    }
    void lockRefusesASecondWriter()
    {
        QTemporaryDir tmp;
        auto first = RunLock::acquire(tmp.path());
        QVERIFY2(first, qPrintable(first ? QString() : first.error().message()));
        QVERIFY(QFileInfo::exists(tmp.filePath(RunLock::fileName())));
        // A second claim (another writer; here the same process, as QLockFile treats it alike) is
        // refused and names the owner.
        auto second = RunLock::acquire(tmp.path());
        QVERIFY(!second);
        QCOMPARE(second.error().code, ErrorCode::InvalidArgument);
        const QString owner = QStringLiteral("process %1").arg(QCoreApplication::applicationPid());
        QVERIFY2(second.error().detail.contains(owner), qPrintable(second.error().message()));
        QVERIFY(second.error().detail.contains(QLatin1String("in use")));
        // Released: the folder is free again and the lock file is gone.
        first->release();
        QVERIFY(!QFileInfo::exists(tmp.filePath(RunLock::fileName())));
        auto third = RunLock::acquire(tmp.path());
        QVERIFY(third);
        auto missing = RunLock::acquire(tmp.filePath(QStringLiteral("missing")));
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
    }

    void staleLockOfADeadProcessIsTakenOver()
    {
        // The pid of a process that has ended (a crash or kill -9 leaves such a lock behind).
        QProcess p;
        p.start(QStringLiteral("/bin/true"), {});
        QVERIFY(p.waitForStarted());
        const qint64 deadPid = p.processId();
        QVERIFY(p.waitForFinished());
        QTemporaryDir tmp;
        QFile f(tmp.filePath(RunLock::fileName()));
        QVERIFY(f.open(QIODevice::WriteOnly));
        // QLockFile's format: pid, program, host.
        f.write(QStringLiteral("%1\nfopro\n%2\n").arg(deadPid).arg(QSysInfo::machineHostName()).toUtf8());
        f.close();
        auto lock = RunLock::acquire(tmp.path());
        QVERIFY2(lock, qPrintable(lock ? QString() : lock.error().message()));
        // Taken over: it is this process's now.
        auto other = RunLock::acquire(tmp.path());
        QVERIFY(!other);
        QVERIFY(other.error().detail.contains(QStringLiteral("process %1").arg(QCoreApplication::applicationPid())));
    }
};

QTEST_GUILESS_MAIN(TestRunFolder)
#include "tst_runfolder.moc"
