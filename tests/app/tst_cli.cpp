// The headless tool as a user runs it: help everywhere, one-line errors with non-zero exits,
// inspect / split / longtail / dedup on a dataset written here, and train / eval / export / predict
// end to end on a tiny stripes dataset (plus Ctrl-C and resume).
#include "core/data/datasetindex.h"
#include "core/ml/strategies.h"
#include "tests/support/testsupport.h"

#include <QtCore/QProcessEnvironment>
#include <QtCore/QRegularExpression>
#include <QtTest/QtTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <signal.h>

using fopro::test::patternImage;
using fopro::test::writeImage;

namespace {

struct Run {
    int code = -1;
    QString out;
    QString err;
};

QString cliPath()
{
    QString exe = qEnvironmentVariable("FOPRO_CLI");
    if (exe.isEmpty()) exe = QStringLiteral(FOPRO_BINARY_DIR "/app/fopro");
    return exe;
}

Run runCli(const QStringList &args)
{
    QProcess p;
    p.start(cliPath(), args);
    if (!p.waitForFinished(120000)) return {};
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

/// A 16x16 RGB image of stripes: horizontal (class A) or vertical (class B); period, phase, levels
/// and noise vary with `seed`, so no two images are alike.
cv::Mat stripes(bool horizontal, int seed)
{
    cv::Mat m(16, 16, CV_8UC3);
    cv::RNG rng(quint64(seed) + 1);
    const int period = 2 + seed % 3, phase = seed % period;
    const int high = 170 + seed % 60, low = 20 + (seed * 7) % 60;
    for (int y = 0; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x) {
            const int t = horizontal ? y : x;
            const int level = ((t + phase) / period) % 2 == 0 ? high : low;
            for (int c = 0; c < 3; ++c)
                m.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<uchar>(level + rng.uniform(-15, 16) + c * 5);
        }
    return m;
}

int csvRows(const QString &file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) return -1;
    const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return int(lines.size()) - 1; // without the header
}

/// The common training arguments of the end-to-end tests: a tiny CIFAR ResNet on 16 px images.
QStringList tinyTraining(const QString &manifest, const QString &run, int epochs)
{
    return {QStringLiteral("train"),
            QStringLiteral("--dataset"),
            manifest,
            QStringLiteral("--run"),
            run,
            QStringLiteral("--strategy"),
            QStringLiteral("ce"),
            QStringLiteral("--student"),
            QStringLiteral("cifar_resnet"),
            QStringLiteral("--width"),
            QStringLiteral("0.25"),
            QStringLiteral("--blocks"),
            QStringLiteral("1,1,1,1"),
            QStringLiteral("--image-size"),
            QStringLiteral("16"),
            QStringLiteral("--epochs"),
            QString::number(epochs),
            QStringLiteral("--batch"),
            QStringLiteral("4"),
            QStringLiteral("--lr"),
            QStringLiteral("0.001"),
            QStringLiteral("--threads"),
            QStringLiteral("1"),
            QStringLiteral("--workers"),
            QStringLiteral("1"),
            QStringLiteral("--seed"),
            QStringLiteral("0")};
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    QString m_data;
    QString m_stripes;  // folder per class: horizontal / vertical, 12 PNGs each
    QString m_manifest; // its train/val/test split (6/3/3 per class)

private Q_SLOTS:
    void initTestCase()
    {
        // A long-tailed folder dataset: 30 / 12 / 4 images; one exact copy across folders; one
        // patient group with two images.
        m_data = m_tmp.filePath(QStringLiteral("skin"));
        int seed = 0;
        const std::vector<std::pair<QString, int>> classes = {{"nevus", 30}, {"melanoma", 12}, {"dermatofibroma", 4}};
        for (const auto &[cls, n] : classes)
            for (int i = 0; i < n; ++i)
                QVERIFY(writeImage(QStringLiteral("%1/%2/%2_%3.png").arg(m_data, cls).arg(i),
                                   patternImage(64, 48, seed++)));
        QVERIFY(QFile::copy(m_data + QStringLiteral("/nevus/nevus_0.png"),
                            m_data + QStringLiteral("/melanoma/copy_of_nevus_0.png")));

        // Two classes of 16x16 stripes, split 50/25/25 by the tool itself.
        m_stripes = m_tmp.filePath(QStringLiteral("stripes"));
        for (int i = 0; i < 12; ++i) {
            QVERIFY(writeImage(QStringLiteral("%1/horizontal/h_%2.png").arg(m_stripes).arg(i), stripes(true, i)));
            QVERIFY(writeImage(QStringLiteral("%1/vertical/v_%2.png").arg(m_stripes).arg(i), stripes(false, 100 + i)));
        }
        const QString splitDir = m_tmp.filePath(QStringLiteral("stripes-split"));
        const Run r = runCli({QStringLiteral("dataset"), QStringLiteral("split"), m_stripes, QStringLiteral("--out"),
                              splitDir, QStringLiteral("--train"), QStringLiteral("0.5"), QStringLiteral("--val"),
                              QStringLiteral("0.25"), QStringLiteral("--test"), QStringLiteral("0.25")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        m_manifest = splitDir + QStringLiteral("/split.json");
        auto split = fopro::data::DatasetIndex::load(m_manifest);
        QVERIFY(split.ok());
        QCOMPARE(split->classCounts(fopro::data::Split::Train), (std::vector<int>{6, 6}));
        QCOMPARE(split->classCounts(fopro::data::Split::Test), (std::vector<int>{3, 3}));
    }

    void helpEverywhere()
    {
        for (const QStringList &args :
             {QStringList{"--help"}, QStringList{"dataset", "inspect", "--help"},
              QStringList{"dataset", "split", "--help"}, QStringList{"dataset", "longtail", "--help"},
              QStringList{"dataset", "dedup", "--help"}, QStringList{"demo", "--help"}, QStringList{"train", "--help"},
              QStringList{"eval", "--help"}, QStringList{"export", "--help"}, QStringList{"predict", "--help"},
              QStringList{"probe", "--help"}}) {
            const Run r = runCli(args);
            QVERIFY2(r.code == 0, qPrintable(args.join(QLatin1Char(' ')) + QStringLiteral(": ") + r.err));
            QVERIFY(r.out.contains(QLatin1String("Usage")) || r.out.contains(QLatin1String("Options")));
        }
    }

    void trainHelpListsEveryStrategy()
    {
        // The strategies come from the registry: each is listed with its display name, and the
        // --strategy option names every id.
        const Run r = runCli({QStringLiteral("train"), QStringLiteral("--help")});
        QCOMPARE(r.code, 0);
        QVERIFY(!fopro::ml::strategies().empty());
        for (const fopro::ml::StrategyInfo &s : fopro::ml::strategies()) {
            const QRegularExpression line(
                QStringLiteral("\\n  %1 +%2: ")
                    .arg(QRegularExpression::escape(s.id), QRegularExpression::escape(s.displayName)));
            QVERIFY2(line.match(r.out).hasMatch(), qPrintable(s.id + QStringLiteral(" missing from:\n") + r.out));
        }
        // The --strategy option names every id (its text is wrapped, hence simplified()).
        QVERIFY2(r.out.simplified().contains(fopro::ml::strategyIds().join(QStringLiteral(", "))), qPrintable(r.out));
        // An unknown strategy's error names every registered one.
        const Run bad = runCli({QStringLiteral("train"), QStringLiteral("--dataset"), m_manifest,
                                QStringLiteral("--strategy"), QStringLiteral("nope")});
        QCOMPARE(bad.code, 2);
        for (const QString &id : fopro::ml::strategyIds())
            QVERIFY2(bad.err.contains(id), qPrintable(bad.err));
    }

    void errorsAreOneLineNamingTheCause()
    {
        const QString missing = m_tmp.filePath(QStringLiteral("does-not-exist"));
        Run r = runCli({QStringLiteral("dataset"), QStringLiteral("inspect"), missing});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QVERIFY(r.err.startsWith(QLatin1String("fopro: error: ")));
        QVERIFY(r.err.contains(missing));
        r = runCli({QStringLiteral("frobnicate")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("frobnicate")));
        r = runCli({QStringLiteral("dataset"), QStringLiteral("split"), m_data});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("--out")));
        r = runCli({QStringLiteral("dataset"), QStringLiteral("longtail"), m_data, QStringLiteral("--factor"),
                    QStringLiteral("3"), QStringLiteral("--out"), m_tmp.filePath(QStringLiteral("x.json"))});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("--factor")));
    }

    void inspectJson()
    {
        const Run r = runCli({QStringLiteral("dataset"), QStringLiteral("inspect"), m_data, QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o.value(QStringLiteral("format")).toString(), QStringLiteral("folder"));
        QCOMPARE(o.value(QStringLiteral("images")).toInt(), 47);
        const QJsonArray classes = o.value(QStringLiteral("classes")).toArray();
        QCOMPARE(classes.size(), 3);
        QCOMPARE(classes[0].toObject().value(QStringLiteral("name")).toString(), QStringLiteral("nevus"));
        QCOMPARE(classes[0].toObject().value(QStringLiteral("count")).toInt(), 30);
        QCOMPARE(classes[2].toObject().value(QStringLiteral("group")).toString(), QStringLiteral("tail")); // 4 < 20
        QCOMPARE(o.value(QStringLiteral("imbalanceRatio")).toDouble(), 7.5);                               // 30 / 4
        const QJsonObject dup = o.value(QStringLiteral("duplicates")).toObject();
        QCOMPARE(dup.value(QStringLiteral("exactClusters")).toInt(), 1);
    }

    void inspectTable()
    {
        const Run r = runCli({QStringLiteral("dataset"), QStringLiteral("inspect"), m_data});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains(QLatin1String("Imbalance   7.5 (nevus 30 : dermatofibroma 4)")));
        QVERIFY(r.out.contains(QLatin1String("1 exact")));
    }

    void unusableFilesCountNowhere()
    {
        // A CSV-described dataset: class "a" has 7 good images plus an empty file, a text file named
        // .jpg, a JPEG cut in half and a JPEG whose body is garbage; class "b" has 3 good images and
        // one with stray bytes before its end marker (libjpeg warns, the image decodes).
        const QString root = m_tmp.filePath(QStringLiteral("csvset"));
        QByteArray csv = "path,label\n";
        std::vector<uchar> jpeg;
        for (int i = 0; i < 10; ++i) {
            const QString name = QStringLiteral("img/good_%1.jpg").arg(i);
            QVERIFY(writeImage(root + QLatin1Char('/') + name, patternImage(48, 40, 500 + i)));
            csv += name.toUtf8() + (i < 7 ? ",a\n" : ",b\n");
        }
        cv::imencode(".jpg", patternImage(48, 40, 600), jpeg);
        const QByteArray whole(reinterpret_cast<const char *>(jpeg.data()), qsizetype(jpeg.size()));
        QVERIFY(fopro::test::writeText(root + QStringLiteral("/img/empty.jpg"), QByteArray()));
        QVERIFY(fopro::test::writeText(root + QStringLiteral("/img/notes.jpg"), "patient notes, not an image\n"));
        QVERIFY(fopro::test::writeText(root + QStringLiteral("/img/cut.jpg"), whole.left(whole.size() / 2)));
        QVERIFY(fopro::test::writeText(root + QStringLiteral("/img/garbage.jpg"),
                                       whole.left(4) + QByteArray(2000, '\x5a') + whole.right(2)));
        QVERIFY(
            fopro::test::writeText(root + QStringLiteral("/img/stray.jpg"),
                                   whole.left(whole.size() - 2) + QByteArray("\x01\x02\x03\x04", 4) + whole.right(2)));
        csv += "img/empty.jpg,a\nimg/notes.jpg,a\nimg/cut.jpg,a\nimg/garbage.jpg,a\nimg/stray.jpg,b\n";
        QVERIFY(fopro::test::writeText(root + QStringLiteral("/labels.csv"), csv));

        const QString log = m_tmp.filePath(QStringLiteral("library.log"));
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("FOPRO_LOG"), log);
        p.setProcessEnvironment(env);
        p.start(cliPath(), {QStringLiteral("dataset"), QStringLiteral("inspect"), root + QStringLiteral("/labels.csv"),
                            QStringLiteral("--json")});
        QVERIFY(p.waitForFinished(120000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitCode(), 0);
        const QJsonObject o = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        QCOMPARE(o.value(QStringLiteral("images")).toInt(), 11); // 7 + 3 + the decodable stray.jpg
        QJsonObject a, b;
        for (const QJsonValue &c : o.value(QStringLiteral("classes")).toArray())
            (c.toObject().value(QStringLiteral("name")).toString() == QLatin1String("a") ? a : b) = c.toObject();
        QCOMPARE(a.value(QStringLiteral("count")).toInt(), 7);
        QCOMPARE(b.value(QStringLiteral("count")).toInt(), 4);
        QCOMPARE(o.value(QStringLiteral("imbalanceRatio")).toDouble(), 7.0 / 4.0);
        QStringList problems;
        for (const QJsonValue &v : o.value(QStringLiteral("problems")).toArray())
            problems << QFileInfo(v.toObject().value(QStringLiteral("file")).toString()).fileName() +
                            QStringLiteral(": ") + v.toObject().value(QStringLiteral("reason")).toString();
        const QString listed = problems.join(QLatin1Char('\n'));
        for (const char *bad :
             {"empty.jpg: empty file", "notes.jpg: not an image", "cut.jpg: truncated JPEG", "garbage.jpg: "})
            QVERIFY2(listed.contains(QLatin1String(bad)), qPrintable(listed));
        QVERIFY2(!listed.contains(QLatin1String("stray.jpg")), qPrintable(listed));

        // The libraries' own warnings went to the log, not between the tool's lines.
        QVERIFY2(!err.contains(QLatin1String("JPEG")) && !err.contains(QLatin1String("libpng")), qPrintable(err));
        QFile logFile(log);
        QVERIFY(logFile.open(QIODevice::ReadOnly));
        const QString logged = QString::fromUtf8(logFile.readAll());
        QVERIFY2(logged.contains(QLatin1String("[fopro] Corrupt JPEG data")), qPrintable(logged));

        // --verbose shows them on the terminal too, marked as the libraries'.
        p.start(cliPath(), {QStringLiteral("dataset"), QStringLiteral("inspect"), root + QStringLiteral("/labels.csv"),
                            QStringLiteral("--verbose")});
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        const QString table = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(table.contains(QLatin1String("Images      11 (1 more")), qPrintable(table));
        const QString shown = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(shown.contains(QLatin1String("fopro: library: Corrupt JPEG data")), qPrintable(shown));

        // --quick decodes nothing: the cheap checks still refuse three files, and it says so.
        const Run quick = runCli({QStringLiteral("dataset"), QStringLiteral("inspect"),
                                  root + QStringLiteral("/labels.csv"), QStringLiteral("--quick")});
        QCOMPARE(quick.code, 0);
        QVERIFY2(quick.out.contains(QLatin1String("Images      12")), qPrintable(quick.out));
        QVERIFY2(quick.out.contains(QLatin1String("not decoded")), qPrintable(quick.out));
    }

    void splitFolds()
    {
        const QString out = m_tmp.filePath(QStringLiteral("folds"));
        const Run r =
            runCli({QStringLiteral("dataset"), QStringLiteral("split"), m_data, QStringLiteral("--folds"),
                    QStringLiteral("3"), QStringLiteral("--seed"), QStringLiteral("7"), QStringLiteral("--out"), out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        int testTotal = 0;
        for (int k = 1; k <= 3; ++k) {
            auto fold = fopro::data::DatasetIndex::load(QStringLiteral("%1/fold_%2.json").arg(out).arg(k));
            QVERIFY(fold.ok());
            const auto test = fold->classCounts(fopro::data::Split::Test);
            for (int c : test)
                QVERIFY(c > 0); // every class in every fold (all have >= 3 images)
            for (int c : test)
                testTotal += c;
        }
        QCOMPARE(testTotal, 47); // the folds partition the dataset
        QVERIFY(QFile::exists(out + QStringLiteral("/folds.csv")));
    }

    void longTailAndDedup()
    {
        const QString manifest = m_tmp.filePath(QStringLiteral("lt.json"));
        Run r = runCli({QStringLiteral("dataset"), QStringLiteral("longtail"), m_data, QStringLiteral("--factor"),
                        QStringLiteral("0.1"), QStringLiteral("--out"), manifest});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        auto lt = fopro::data::DatasetIndex::load(manifest);
        QVERIFY(lt.ok());
        // Ranked: nevus 30, melanoma 13 (12 + the copy), dermatofibroma 4; classes sorted by name.
        // n_i = min(available_i, floor(30 * 0.1^(i/2))): 30, min(13, 9) = 9, min(4, 3) = 3.
        QCOMPARE(lt->classCounts(fopro::data::Split::Train), (std::vector<int>{3, 9, 30}));
        r = runCli({QStringLiteral("dataset"), QStringLiteral("dedup"), m_data, QStringLiteral("--exact-only")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains(QLatin1String("copy_of_nevus_0.png")));
    }

    // ---- ML commands: argument errors (no training needed) -------------------------------------

    void trainArgumentErrors()
    {
        // Unknown strategy: a usage error naming it.
        Run r = runCli({QStringLiteral("train"), QStringLiteral("--dataset"), m_manifest, QStringLiteral("--strategy"),
                        QStringLiteral("frobnicate")});
        QCOMPARE(r.code, 2);
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QVERIFY2(r.err.contains(QLatin1String("frobnicate")), qPrintable(r.err));
        QVERIFY(r.err.contains(QLatin1String("fopro_kd"))); // lists the valid ones
        // Missing configuration file: a failure naming the file.
        const QString missing = m_tmp.filePath(QStringLiteral("no-such-config.json"));
        r = runCli({QStringLiteral("train"), QStringLiteral("--config"), missing});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QVERIFY2(r.err.contains(missing), qPrintable(r.err));
        // Nothing to train on.
        r = runCli({QStringLiteral("train")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("--dataset")));
        // --resume takes only --epochs.
        r = runCli({QStringLiteral("train"), QStringLiteral("--resume"), m_tmp.path(), QStringLiteral("--lr"),
                    QStringLiteral("0.1")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("--lr")));
        // Bad numbers and choices name the option.
        r = runCli({QStringLiteral("train"), QStringLiteral("--dataset"), m_manifest, QStringLiteral("--epochs"),
                    QStringLiteral("zero")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("--epochs")));
        r = runCli({QStringLiteral("train"), QStringLiteral("--dataset"), m_manifest, QStringLiteral("--student"),
                    QStringLiteral("vgg")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("vgg")));
        // A misspelt configuration key is an error naming it, never a silent default.
        r = runCli({QStringLiteral("train"), QStringLiteral("--dataset"), m_manifest, QStringLiteral("--strategy"),
                    QStringLiteral("ce"), QStringLiteral("--set"), QStringLiteral("prompt.alhpa=0.3")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QLatin1String("prompt.alhpa")), qPrintable(r.err));
        // A teacher strategy without a teacher says what is missing.
        r = runCli({QStringLiteral("train"), QStringLiteral("--dataset"), m_manifest, QStringLiteral("--strategy"),
                    QStringLiteral("ekd")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QLatin1String("teacher")), qPrintable(r.err));
        // A dataset as it comes (not a manifest): says how to make one.
        r = runCli({QStringLiteral("train"), QStringLiteral("--dataset"), m_stripes, QStringLiteral("--strategy"),
                    QStringLiteral("ce")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(m_stripes) && r.err.contains(QLatin1String("fopro dataset split")), qPrintable(r.err));
        // A missing dataset names it.
        const QString noData = m_tmp.filePath(QStringLiteral("no-such-dataset.json"));
        r = runCli({QStringLiteral("train"), QStringLiteral("--dataset"), noData, QStringLiteral("--strategy"),
                    QStringLiteral("ce")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(noData), qPrintable(r.err));
    }

    void trainPrintsTheResultingConfiguration()
    {
        // A configuration file with relative paths (relative to the file), overridden on the command line.
        const QString dir = m_tmp.filePath(QStringLiteral("configs"));
        QVERIFY(QDir().mkpath(dir));
        const QString relative = QDir(dir).relativeFilePath(m_manifest);
        QVERIFY(fopro::test::writeText(dir + QStringLiteral("/exp.json"),
                                       QStringLiteral("{\"dataset\": \"%1\", \"strategy\": \"focal\", \"epochs\": 7, "
                                                      "\"student\": {\"architecture\": \"cifar_resnet\"}}")
                                           .arg(relative)
                                           .toUtf8()));
        const Run r = runCli({QStringLiteral("train"), QStringLiteral("--config"), dir + QStringLiteral("/exp.json"),
                              QStringLiteral("--strategy"), QStringLiteral("bsm"), QStringLiteral("--blocks"),
                              QStringLiteral("1,2,1,1"), QStringLiteral("--set"),
                              QStringLiteral("augment.verticalFlip=true"), QStringLiteral("--run"),
                              m_tmp.filePath(QStringLiteral("unused-run")), QStringLiteral("--print-config")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o.value(QStringLiteral("strategy")).toString(), QStringLiteral("bsm"));
        QCOMPARE(o.value(QStringLiteral("epochs")).toInt(), 7);
        QCOMPARE(QFileInfo(o.value(QStringLiteral("dataset")).toString()).canonicalFilePath(),
                 QFileInfo(m_manifest).canonicalFilePath());
        QCOMPARE(o.value(QStringLiteral("student")).toObject().value(QStringLiteral("architecture")).toString(),
                 QStringLiteral("cifar_resnet"));
        QCOMPARE(
            o.value(QStringLiteral("student")).toObject().value(QStringLiteral("cifarBlocks")).toArray().at(1).toInt(),
            2);
        QCOMPARE(o.value(QStringLiteral("augment")).toObject().value(QStringLiteral("verticalFlip")).toBool(), true);
        QVERIFY(!QFileInfo::exists(m_tmp.filePath(QStringLiteral("unused-run"))));
    }

    void evalExportPredictArgumentErrors()
    {
        // A folder that is not a run: a failure naming it.
        Run r = runCli({QStringLiteral("eval"), m_data});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QVERIFY2(r.err.contains(m_data), qPrintable(r.err));
        r = runCli({QStringLiteral("eval"), m_data, QStringLiteral("--split"), QStringLiteral("everything")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("everything")));
        r = runCli({QStringLiteral("export"), m_data});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(m_data), qPrintable(r.err));
        r = runCli({QStringLiteral("train"), QStringLiteral("--resume"), m_data});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(m_data), qPrintable(r.err));
        // A model that does not exist.
        const QString model = m_tmp.filePath(QStringLiteral("no-such-model.pt"));
        r = runCli({QStringLiteral("predict"), model, m_stripes, QStringLiteral("--csv"),
                    m_tmp.filePath(QStringLiteral("p.csv"))});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(model), qPrintable(r.err));
        // predict needs --csv and at least one image argument.
        r = runCli({QStringLiteral("predict"), model, m_stripes});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("--csv")));
        r = runCli({QStringLiteral("predict"), model});
        QCOMPARE(r.code, 2);
        // probe: a missing teacher is named.
        const QString teacher = m_tmp.filePath(QStringLiteral("no-such-teacher/model.json"));
        r = runCli({QStringLiteral("probe"), teacher, m_manifest});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(teacher), qPrintable(r.err));
    }

    // ---- ML commands end to end ----------------------------------------------------------------

    void trainExportPredict()
    {
        const QString run = m_tmp.filePath(QStringLiteral("runs/ce"));
        Run r = runCli(tinyTraining(m_manifest, run, 2));
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        QVERIFY(QFile::exists(run + QStringLiteral("/config.json")));
        QCOMPARE(csvRows(run + QStringLiteral("/epochs.csv")), 2);
        QVERIFY(QFile::exists(run + QStringLiteral("/results/test_predictions.csv")));
        QVERIFY2(r.out.contains(QLatin1String("Finished")), qPrintable(r.out));
        // Not a terminal: plain progress lines, no carriage returns.
        QVERIFY(!r.err.contains(QLatin1Char('\r')));
        // The run folder is not reused.
        Run again = runCli(tinyTraining(m_manifest, run, 2));
        QCOMPARE(again.code, 1);
        QVERIFY2(again.err.contains(run), qPrintable(again.err));

        // Evaluation prints a summary and writes the results again.
        r = runCli({QStringLiteral("eval"), run, QStringLiteral("--split"), QStringLiteral("val")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains(QLatin1String("horizontal")) && r.out.contains(QLatin1String("vertical")));
        QVERIFY(QFile::exists(run + QStringLiteral("/results/val_predictions.csv")));

        // Export, then classify the test images.
        const QString exportDir = m_tmp.filePath(QStringLiteral("exported"));
        r = runCli({QStringLiteral("export"), run, QStringLiteral("--out"), exportDir});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QStringList models = QDir(exportDir).entryList({QStringLiteral("*.pt")}, QDir::Files);
        QCOMPARE(models.size(), 1);
        const QString model = QDir(exportDir).filePath(models.front());
        QVERIFY(r.out.contains(model));

        auto split = fopro::data::DatasetIndex::load(m_manifest);
        QVERIFY(split.ok());
        QStringList testImages;
        for (const auto &s : split->samples)
            if (s.split == fopro::data::Split::Test) testImages << split->absolutePath(s);
        QCOMPARE(testImages.size(), 6);
        const QString csv = m_tmp.filePath(QStringLiteral("predictions/test.csv"));
        r = runCli(QStringList{QStringLiteral("predict"), model} + testImages +
                   QStringList{QStringLiteral("--csv"), csv, QStringLiteral("--top"), QStringLiteral("2")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(csvRows(csv), 6);
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.front(), QStringLiteral("file,predicted,confidence,p_horizontal,p_vertical"));
        for (const QString &line : lines.mid(1)) {
            const QStringList cells = line.split(QLatin1Char(','));
            QCOMPARE(cells.size(), 5);
            QVERIFY(testImages.contains(cells[0]));
            QVERIFY(cells[1] == QLatin1String("horizontal") || cells[1] == QLatin1String("vertical"));
            QVERIFY(qAbs(cells[3].toDouble() + cells[4].toDouble() - 1.0) < 1e-3);
            QCOMPARE(cells[2].toDouble(), qMax(cells[3].toDouble(), cells[4].toDouble()));
        }

        // A folder (searched recursively) with a broken image and a path that needs quoting: the broken
        // file is named on stderr and skipped, the others are classified, the exit code is 1.
        const QString mixed = m_tmp.filePath(QStringLiteral("mixed"));
        QVERIFY(writeImage(mixed + QStringLiteral("/sub, with comma/a.png"), stripes(true, 50)));
        QVERIFY(writeImage(mixed + QStringLiteral("/b.png"), stripes(false, 51)));
        QVERIFY(fopro::test::writeText(mixed + QStringLiteral("/broken.png"), "this is not a PNG file"));
        QVERIFY(fopro::test::writeText(mixed + QStringLiteral("/notes.txt"), "ignored: not an image"));
        const QString mixedCsv = m_tmp.filePath(QStringLiteral("predictions/mixed.csv"));
        r = runCli({QStringLiteral("predict"), exportDir, mixed, QStringLiteral("--csv"), mixedCsv});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QLatin1String("broken.png")), qPrintable(r.err));
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QCOMPARE(csvRows(mixedCsv), 2);
        QFile m(mixedCsv);
        QVERIFY(m.open(QIODevice::ReadOnly));
        QVERIFY(QString::fromUtf8(m.readAll()).contains(QStringLiteral("\"%1/sub, with comma/a.png\"").arg(mixed)));

        // The exported model is a TorchScript file with a sidecar, so it also serves as a teacher for
        // the frequency probe (its logits are the features).
        const QString probeCsv = m_tmp.filePath(QStringLiteral("probe/exported.csv"));
        r = runCli({QStringLiteral("probe"), model, m_manifest, QStringLiteral("--bands"), QStringLiteral("4"),
                    QStringLiteral("--images"), QStringLiteral("6"), QStringLiteral("--csv"), probeCsv});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QLatin1String("6 from")), qPrintable(r.out));
        QCOMPARE(csvRows(probeCsv), 4);
    }

    void probeDemoTeacher()
    {
        const QString teacher = fopro::test::assetsDir() + QStringLiteral("/teachers/mobilenet_v2/model.json");
        if (!QFile::exists(teacher)) QSKIP("the demo teacher is not installed (packaging/install-deps.sh fetches it)");
        const QString csv = m_tmp.filePath(QStringLiteral("probe/demo-teacher.csv"));
        const Run r = runCli({QStringLiteral("probe"), teacher, m_manifest, QStringLiteral("--layer"),
                              QStringLiteral("block_10_project_BN"), QStringLiteral("--bands"), QStringLiteral("2"),
                              QStringLiteral("--images"), QStringLiteral("2"), QStringLiteral("--csv"), csv});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QLatin1String("96 features")), qPrintable(r.out)); // the ImageNet part, pooled
        QCOMPARE(csvRows(csv), 2);
        // Two images, one per class.
        QVERIFY2(r.out.contains(QLatin1String("2 classes")), qPrintable(r.out));
    }

    void cancelAndResume()
    {
        // Ctrl-C (SIGINT) stops at the next batch with exit code 130 and says how to resume.
        const QString run = m_tmp.filePath(QStringLiteral("runs/cancelled"));
        QProcess p;
        p.start(cliPath(), tinyTraining(m_manifest, run, 2000));
        QVERIFY(p.waitForStarted());
        QString err;
        QElapsedTimer clock;
        clock.start();
        while (!err.contains(QLatin1String("epoch 2/")) && clock.elapsed() < 120000 && p.state() == QProcess::Running) {
            p.waitForReadyRead(200);
            err += QString::fromUtf8(p.readAllStandardError());
        }
        QVERIFY2(err.contains(QLatin1String("epoch 2/")), qPrintable(err));
        // While it trains, the run folder is locked: neither a resume nor a new run writes into it,
        // and the refusal names the owner.
        const QString owner = QStringLiteral("in use by process %1").arg(p.processId());
        const Run second = runCli({QStringLiteral("train"), QStringLiteral("--resume"), run});
        QVERIFY2(second.code != 0 && second.err.contains(owner), qPrintable(second.err));
        const Run again = runCli(tinyTraining(m_manifest, run, 1));
        QVERIFY2(again.code != 0 && (again.err.contains(owner) || again.err.contains(QLatin1String("not empty"))),
                 qPrintable(again.err));
        QVERIFY(QFile::exists(run + QStringLiteral("/.lock")));
        QVERIFY(::kill(pid_t(p.processId()), SIGINT) == 0);
        QVERIFY(p.waitForFinished(60000));
        err += QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(err.contains(QStringLiteral("cancelled; resume with: fopro train --resume %1").arg(run)),
                 qPrintable(err));
        const int done = csvRows(run + QStringLiteral("/epochs.csv"));
        QVERIFY2(done >= 1 && done < 2000, qPrintable(QString::number(done)));

        // Resume with fewer epochs in total: one more than were done.
        const Run r = runCli({QStringLiteral("train"), QStringLiteral("--resume"), run, QStringLiteral("--epochs"),
                              QString::number(done + 1)});
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        QCOMPARE(csvRows(run + QStringLiteral("/epochs.csv")), done + 1);
        QVERIFY(QFile::exists(run + QStringLiteral("/results/test_predictions.csv")));
        QVERIFY(!QFile::exists(run + QStringLiteral("/.lock"))); // released when the run ended
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
