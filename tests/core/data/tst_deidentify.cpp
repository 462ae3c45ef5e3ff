// De-identified export. DICOM fixtures are written by DCMTK here (VL Photographic RGB, two images of
// patient "Doe^Jane"/12345 and one of another patient, with birth date, institution, accession
// number and UIDs); after export nothing identifying is left in any file name or text, pseudonyms
// are stable per secret, shifted dates keep their intervals, and PNG pixels equal the DICOM pixels.
#include "core/data/deidentify.h"
#include "core/data/dicomreader.h"
#include "core/data/importer.h"
#include "tests/support/dicomfixtures.h"
#include "tests/support/testsupport.h"

#include <QtCore/QDirIterator>
#include <QtCore/QRegularExpression>
#include <QtCore/QSet>
#include <QtTest/QtTest>

#include <csignal>
#include <sys/resource.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcuid.h"

#include <vector>

using namespace fopro::data;
using fopro::ErrorCode;
using fopro::Result;

namespace {

const QByteArray kSecret = QByteArrayLiteral("project-secret-0123456789");
const QByteArray kOtherSecret = QByteArrayLiteral("another-secret-9876543210");

struct Person {
    QString name, id, birthDate;
};

struct Written {
    QString file;
    QStringList uids; // study, series, SOP instance
};

bool writeVl(const QString &path, const Person &p, const QString &bodyPart, const cv::Mat &rgb, const QString &studyUid,
             Written *written)
{
    char uid[100];
    const QString series = QString::fromLatin1(dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT));
    const QString sop = QString::fromLatin1(dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT));
    const bool ok =
        fopro::test::writeVlPhotographic(path,
                                         {{QStringLiteral("SOPInstanceUID"), sop},
                                          {QStringLiteral("StudyInstanceUID"), studyUid},
                                          {QStringLiteral("SeriesInstanceUID"), series},
                                          {QStringLiteral("Modality"), QStringLiteral("XC")},
                                          {QStringLiteral("PatientName"), p.name},
                                          {QStringLiteral("PatientID"), p.id},
                                          {QStringLiteral("PatientBirthDate"), p.birthDate},
                                          {QStringLiteral("PatientSex"), QStringLiteral("F")},
                                          {QStringLiteral("StudyDate"), QStringLiteral("20240115")},
                                          {QStringLiteral("SeriesDate"), QStringLiteral("20240116")},
                                          {QStringLiteral("StudyTime"), QStringLiteral("101500")},
                                          {QStringLiteral("InstitutionName"), QStringLiteral("Saint Elsewhere Clinic")},
                                          {QStringLiteral("AccessionNumber"), QStringLiteral("ACC778899")},
                                          {QStringLiteral("ReferringPhysicianName"), QStringLiteral("House^Gregory")},
                                          {QStringLiteral("StudyDescription"), QStringLiteral("Mole check Jane")},
                                          {QStringLiteral("BodyPartExamined"), bodyPart}},
                                         rgb);
    if (written) *written = {path, {studyUid, series, sop}};
    return ok;
}

struct Manifest {
    QStringList columns;
    std::vector<QStringList> rows;
    int col(const QString &name) const { return int(columns.indexOf(name)); }
};

Manifest readManifest(const QString &file)
{
    Manifest m;
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) return m;
    const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (lines.isEmpty()) return m;
    m.columns = lines.front().split(QLatin1Char(','));
    for (int i = 1; i < lines.size(); ++i)
        m.rows.push_back(lines.at(i).split(QLatin1Char(','))); // fixtures hold no quoted fields
    return m;
}

cv::Mat readPngRgb(const QString &file)
{
    cv::Mat bgr = cv::imread(QFile::encodeName(file).toStdString(), cv::IMREAD_UNCHANGED);
    cv::Mat rgb;
    if (!bgr.empty() && bgr.channels() == 3) cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

bool sameImage(const cv::Mat &a, const cv::Mat &b)
{
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

} // namespace

class TestDeidentify : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_dicomDir;
    std::vector<Written> m_written;
    QStringList m_forbidden;

    /// The DICOM folder imported (labels from BodyPartExamined), with extra header attributes kept
    /// in each sample's metadata as an importer keeping more attributes would do.
    DatasetIndex dicomIndex()
    {
        ImportOptions o;
        o.format = QStringLiteral("dicom");
        o.dicomLabelAttribute = QStringLiteral("BodyPartExamined");
        Result<ImportResult> r = importDataset(m_dicomDir, o);
        if (!r) qWarning() << r.error().message();
        DatasetIndex index = r ? r->index : DatasetIndex();
        for (Sample &s : index.samples) {
            Result<DicomInfo> info = readDicomInfo(
                index.absolutePath(s),
                {QStringLiteral("InstitutionName"), QStringLiteral("AccessionNumber"),
                 QStringLiteral("PatientBirthDate"), QStringLiteral("PatientSex"), QStringLiteral("SOPInstanceUID"),
                 QStringLiteral("ReferringPhysicianName"), QStringLiteral("StudyTime")});
            if (info)
                for (auto it = info->meta.constBegin(); it != info->meta.constEnd(); ++it)
                    s.meta.insert(it.key(), it.value());
        }
        return index;
    }

    Result<ExportReport> exportTo(const QString &sub, const QByteArray &secret, DateMode mode,
                                  const DatasetIndex *index = nullptr)
    {
        ExportOptions o;
        o.outputDir = m_tmp.filePath(sub);
        o.secret = secret;
        o.dateMode = mode;
        const DatasetIndex d = index ? *index : dicomIndex();
        return exportDataset(d, o);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_dicomDir = m_tmp.filePath(QStringLiteral("dicom"));
        char uid[100];
        const QString study1 = QString::fromLatin1(dcmGenerateUniqueIdentifier(uid, SITE_STUDY_UID_ROOT));
        const QString study2 = QString::fromLatin1(dcmGenerateUniqueIdentifier(uid, SITE_STUDY_UID_ROOT));
        const Person jane{QStringLiteral("Doe^Jane"), QStringLiteral("12345"), QStringLiteral("19800202")};
        const Person rick{QStringLiteral("Roe^Richard"), QStringLiteral("67890"), QStringLiteral("19751111")};
        Written w;
        QVERIFY(writeVl(m_dicomDir + QStringLiteral("/Doe_Jane_12345_a.dcm"), jane, QStringLiteral("ARM"),
                        fopro::test::patternImage(40, 30, 1), study1, &w));
        m_written.push_back(w);
        QVERIFY(writeVl(m_dicomDir + QStringLiteral("/Doe_Jane_12345_b.dcm"), jane, QStringLiteral("LEG"),
                        fopro::test::patternImage(40, 30, 2), study1, &w));
        m_written.push_back(w);
        QVERIFY(writeVl(m_dicomDir + QStringLiteral("/Roe_Richard.dcm"), rick, QStringLiteral("ARM"),
                        fopro::test::patternImage(36, 28, 3), study2, &w));
        m_written.push_back(w);
        m_forbidden = QStringList{QStringLiteral("Doe"),        QStringLiteral("Jane"),     QStringLiteral("12345"),
                                  QStringLiteral("Roe"),        QStringLiteral("Richard"),  QStringLiteral("67890"),
                                  QStringLiteral("19800202"),   QStringLiteral("19751111"), QStringLiteral("Elsewhere"),
                                  QStringLiteral("ACC778899"),  QStringLiteral("House"),    QStringLiteral("Gregory"),
                                  QStringLiteral("Mole check"), QStringLiteral("101500"),   QStringLiteral("20240115"),
                                  QStringLiteral("20240116")};
        for (const Written &x : m_written)
            m_forbidden << x.uids;
    }

    void keywordList()
    {
        const QStringList k = confidentialityProfileKeywords();
        QVERIFY(k.size() >= 60);
        for (const char *must :
             {"PatientName", "PatientID", "PatientBirthDate", "PatientSex", "PatientAge", "InstitutionName",
              "ReferringPhysicianName", "OperatorsName", "AccessionNumber", "StudyInstanceUID", "SeriesInstanceUID",
              "SOPInstanceUID", "DeviceSerialNumber", "StudyDate", "StudyTime", "ImageComments", "StudyDescription"})
            QVERIFY2(k.contains(QLatin1String(must)), must);
        QVERIFY(isIdentifyingKey(QStringLiteral("patient_name")));
        QVERIFY(isIdentifyingKey(QStringLiteral("Institution Name")));
        QVERIFY(isIdentifyingKey(QStringLiteral("age")));
        QVERIFY(!isIdentifyingKey(QStringLiteral("Modality")));
        QVERIFY(!isIdentifyingKey(QStringLiteral("BodyPartExamined")));
        QVERIFY(!isIdentifyingKey(QStringLiteral("SOPClassUID")));
        QVERIFY(isDateKey(QStringLiteral("StudyDate")));
        QVERIFY(!isDateKey(QStringLiteral("PatientBirthDate")));
    }

    void badOptions()
    {
        DatasetIndex d = dicomIndex();
        ExportOptions o;
        o.outputDir = m_tmp.filePath(QStringLiteral("bad"));
        o.secret = QByteArrayLiteral("short");
        Result<ExportReport> r = exportDataset(d, o);
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        o.secret = kSecret;
        QVERIFY(fopro::test::writeText(o.outputDir + QStringLiteral("/keep.txt"), "mine"));
        r = exportDataset(d, o);
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        QVERIFY(r.error().detail.contains(QLatin1String("not empty")));
        o.overwrite = true;
        r = exportDataset(d, o);
        QVERIFY2(r, qPrintable(r.error().message()));
        QVERIFY(QFile::exists(o.outputDir + QStringLiteral("/keep.txt")));
        // A second overwrite replaces the previous export's images (no stale files pile up).
        r = exportDataset(d, o);
        QVERIFY(r);
        int pngs = 0;
        for (QDirIterator it(o.outputDir, {QStringLiteral("*.png")}, QDir::Files, QDirIterator::Subdirectories);
             it.hasNext(); it.next())
            ++pngs;
        QCOMPARE(pngs, 3);
    }

    void nothingIdentifyingLeft()
    {
        Result<ExportReport> r = exportTo(QStringLiteral("shift1"), kSecret, DateMode::Shift);
        QVERIFY2(r, qPrintable(r.error().message()));
        QCOMPARE(r->exported, 3);
        QCOMPARE(r->skipped, 0);
        QCOMPARE(r->patients, 2);
        QVERIFY(r->removedKeys.contains(QLatin1String("PatientName")));
        QVERIFY(r->removedKeys.contains(QLatin1String("InstitutionName")));
        const QString out = m_tmp.filePath(QStringLiteral("shift1"));
        int files = 0;
        for (QDirIterator it(out, QDir::Files, QDirIterator::Subdirectories); it.hasNext();) {
            const QString path = it.next();
            ++files;
            const QString rel = QDir(out).relativeFilePath(path);
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = f.readAll();
            const bool png = path.endsWith(QLatin1String(".png"));
            if (png) {
                // No text chunks in the PNG; the compressed pixel stream is not text.
                QVERIFY(!bytes.contains("tEXt") && !bytes.contains("iTXt") && !bytes.contains("zTXt"));
            }
            for (const QString &word : m_forbidden) {
                QVERIFY2(!rel.contains(word, Qt::CaseInsensitive), qPrintable(rel + QStringLiteral(" has ") + word));
                if (!png)
                    QVERIFY2(!QString::fromUtf8(bytes).contains(word, Qt::CaseInsensitive),
                             qPrintable(rel + QStringLiteral(" contains ") + word));
            }
        }
        QCOMPARE(files, 4); // 3 PNG + manifest
        const Manifest m = readManifest(r->manifestFile);
        QCOMPARE(m.columns.mid(0, 4), (QStringList{QStringLiteral("file"), QStringLiteral("class"),
                                                   QStringLiteral("split"), QStringLiteral("group")}));
        QVERIFY(m.col(QStringLiteral("Modality")) > 0);
        QVERIFY(m.col(QStringLiteral("BodyPartExamined")) > 0);
        QCOMPARE(m.col(QStringLiteral("PatientID")), -1);
        QCOMPARE(m.col(QStringLiteral("StudyInstanceUID")), -1);
        QCOMPARE(m.col(QStringLiteral("StudyTime")), -1);
        QCOMPARE(int(m.rows.size()), 3);
    }

    void pseudonymsAndDates()
    {
        const QString p1 = pseudonym(QStringLiteral("12345"), kSecret);
        const QString p2 = pseudonym(QStringLiteral("67890"), kSecret);
        QVERIFY(p1.startsWith(QLatin1String("P-")));
        QCOMPARE(p1.size(), 14);
        QVERIFY(p1 != p2);
        QVERIFY(p1 != pseudonym(QStringLiteral("12345"), kOtherSecret));
        const int shift = dateShiftDays(QStringLiteral("12345"), kSecret);
        QVERIFY(shift >= -365 && shift <= 365);
        QVERIFY(shift != 0); // holds for this secret; the test then sees dates that really moved

        Result<ExportReport> a = exportTo(QStringLiteral("stable-a"), kSecret, DateMode::Shift);
        Result<ExportReport> b = exportTo(QStringLiteral("stable-b"), kSecret, DateMode::Shift);
        Result<ExportReport> c = exportTo(QStringLiteral("stable-c"), kOtherSecret, DateMode::Shift);
        QVERIFY(a && b && c);
        QFile fa(a->manifestFile), fb(b->manifestFile), fc(c->manifestFile);
        QVERIFY(fa.open(QIODevice::ReadOnly) && fb.open(QIODevice::ReadOnly) && fc.open(QIODevice::ReadOnly));
        const QByteArray ma = fa.readAll();
        QCOMPARE(ma, fb.readAll()); // same secret: same names, pseudonyms and dates
        const Manifest m = readManifest(a->manifestFile);
        const Manifest mc = readManifest(c->manifestFile);
        const int g = m.col(QStringLiteral("group"));
        const int sd = m.col(QStringLiteral("StudyDate"));
        const int rd = m.col(QStringLiteral("SeriesDate"));
        QVERIFY(g >= 0 && sd >= 0 && rd >= 0);
        QSet<QString> groups, groupsOther, files, filesOther;
        int jane = 0;
        for (const QStringList &row : m.rows) {
            groups.insert(row[g]);
            files.insert(row[0]);
            if (row[g] == p1) {
                ++jane;
                const QDate study = QDate::fromString(row[sd], QStringLiteral("yyyyMMdd"));
                const QDate series = QDate::fromString(row[rd], QStringLiteral("yyyyMMdd"));
                QVERIFY(study.isValid() && series.isValid());
                QCOMPARE(study.daysTo(series), 1);
                QCOMPARE(QDate(2024, 1, 15).daysTo(study), qint64(shift));
            } else {
                QCOMPARE(row[g], p2);
            }
        }
        QCOMPARE(jane, 2); // same patient, same pseudonym
        QCOMPARE(groups.size(), 2);
        for (const QStringList &row : mc.rows) {
            groupsOther.insert(row[g]);
            filesOther.insert(row[0]);
        }
        QVERIFY(!groups.intersects(groupsOther));
        QVERIFY(!files.intersects(filesOther));

        Result<ExportReport> removed = exportTo(QStringLiteral("remove"), kSecret, DateMode::Remove);
        QVERIFY(removed);
        const Manifest mr = readManifest(removed->manifestFile);
        for (const QString &col : mr.columns)
            QVERIFY2(!col.endsWith(QLatin1String("Date")), qPrintable(col));
        QVERIFY(removed->removedKeys.contains(QLatin1String("StudyDate")));
    }

    void pixelsExact()
    {
        Result<ExportReport> r = exportTo(QStringLiteral("pixels"), kSecret, DateMode::Remove);
        QVERIFY(r);
        std::vector<cv::Mat> decoded;
        for (const Written &w : m_written) {
            Result<cv::Mat> d = decodeDicomFrame(w.file);
            QVERIFY(d);
            decoded.push_back(*d);
        }
        const Manifest m = readManifest(r->manifestFile);
        std::vector<bool> matched(decoded.size(), false);
        for (const QStringList &row : m.rows) {
            const cv::Mat png = readPngRgb(r->outputDir + QLatin1Char('/') + row[0]);
            QVERIFY2(!png.empty(), qPrintable(row[0]));
            bool any = false;
            for (std::size_t i = 0; i < decoded.size(); ++i)
                if (!matched[i] && sameImage(png, decoded[i])) {
                    matched[i] = any = true;
                    break;
                }
            QVERIFY2(any, qPrintable(row[0]));
        }
    }

    void unreadableSkipped()
    {
        DatasetIndex d = dicomIndex();
        QVERIFY(fopro::test::writeText(m_dicomDir + QStringLiteral("/../junk/Doe_broken.dcm"), "not a dicom file"));
        Sample bad = d.samples.front();
        bad.path = QDir::cleanPath(m_dicomDir + QStringLiteral("/../junk/Doe_broken.dcm"));
        d.samples.push_back(bad);
        std::vector<int> seen;
        ExportOptions o;
        o.outputDir = m_tmp.filePath(QStringLiteral("partial"));
        o.secret = kSecret;
        Result<ExportReport> r =
            exportDataset(d, o, nullptr, [&seen](const fopro::Progress &p) { seen.push_back(int(p.done)); });
        QVERIFY2(r, qPrintable(r.error().message()));
        QCOMPARE(r->exported, 3);
        QCOMPARE(r->skipped, 1);
        QCOMPARE(int(r->problems.size()), 1);
        QVERIFY(r->problems.front().file.endsWith(QLatin1String("Doe_broken.dcm")));
        QVERIFY(!r->problems.front().reason.isEmpty());
        QCOMPARE(seen.back(), 4);

        fopro::JobControl cancel;
        cancel.cancel();
        o.outputDir = m_tmp.filePath(QStringLiteral("cancelled"));
        r = exportDataset(d, o, &cancel);
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::Cancelled);
    }

    void plainFolder()
    {
        const QString root = m_tmp.filePath(QStringLiteral("plain"));
        const cv::Mat a = fopro::test::patternImage(32, 32, 7);
        QVERIFY(fopro::test::writeImage(root + QStringLiteral("/cat/Doe_Jane_face.png"), a));
        QVERIFY(fopro::test::writeImage(root + QStringLiteral("/dog/Roe_Richard.jpg"),
                                        fopro::test::patternImage(32, 32, 8)));
        QVERIFY(fopro::test::writeImage(root + QStringLiteral("/dog/other.png"), fopro::test::patternImage(32, 32, 9)));
        Result<ImportResult> imp = importDataset(root);
        QVERIFY2(imp, qPrintable(imp.error().message()));
        DatasetIndex d = imp->index;
        QCOMPARE(int(d.samples.size()), 3);
        for (Sample &s : d.samples) {
            if (s.path.contains(QLatin1String("other"))) s.set(FlagExcluded, true); // inactive: not exported
            // CSV-style metadata goes through the same filter by name (and by value).
            s.meta.insert(QStringLiteral("image_id"), QFileInfo(s.path).completeBaseName());
            s.meta.insert(QStringLiteral("age"), QStringLiteral("45"));
            s.meta.insert(QStringLiteral("patient_name"), QStringLiteral("Jane Doe"));
            s.meta.insert(QStringLiteral("exam_date"), QStringLiteral("2024-01-15"));
            s.meta.insert(QStringLiteral("localization"), QStringLiteral("back"));
        }
        Result<ExportReport> r = exportTo(QStringLiteral("plain-out"), kSecret, DateMode::Remove, &d);
        QVERIFY2(r, qPrintable(r.error().message()));
        QCOMPARE(r->exported, 2);
        QCOMPARE(r->inactive, 1);
        const Manifest m = readManifest(r->manifestFile);
        QCOMPARE(int(m.rows.size()), 2);
        QCOMPARE(m.columns, (QStringList{QStringLiteral("file"), QStringLiteral("class"), QStringLiteral("split"),
                                         QStringLiteral("group"), QStringLiteral("localization")}));
        bool foundCat = false;
        for (const QStringList &row : m.rows) {
            QVERIFY(!row[0].contains(QLatin1String("Doe")) && !row[0].contains(QLatin1String("Roe")));
            QVERIFY(QFile::exists(r->outputDir + QLatin1Char('/') + row[0]));
            if (row[1] == QLatin1String("cat")) {
                foundCat = true;
                QVERIFY(row[0].startsWith(QLatin1String("images/cat/img-")));
                QVERIFY(sameImage(readPngRgb(r->outputDir + QLatin1Char('/') + row[0]), a));
            }
        }
        QVERIFY(foundCat);
    }

    void auditOfPydicomFiles()
    {
        // Debian's pydicom test files (CT, MR, RGB, JPEG, RLE, big endian, RT, SR...) carry real
        // header values of every kind. Every value of every PS3.15 basic-profile attribute of every
        // source file is collected; the files are imported with all those attributes kept as
        // metadata (the worst case: an importer that keeps everything), exported, and every
        // artefact (file and folder names, the CSV manifest, any JSON or text file, PNG text chunks)
        // is scanned: none of those values may appear.
        const QString src = fopro::test::pydicomTestFiles();
        if (!QFileInfo::exists(src + QStringLiteral("/CT_small.dcm")))
            QSKIP("pydicom's test files absent: run packaging/install-deps.sh");
        ImportOptions io;
        io.format = QStringLiteral("dicom");
        io.dicomLabelAttribute = QStringLiteral("Modality");
        Result<ImportResult> imp = importDataset(src, io);
        QVERIFY2(imp, qPrintable(imp.error().message()));
        DatasetIndex d = imp->index;
        QVERIFY(d.samples.size() >= 30);
        // The profile's keywords that DCMTK's dictionary knows (a few retired ones it does not).
        QStringList profile;
        for (const QString &k : confidentialityProfileKeywords())
            if (parseDicomTag(k)) profile << k;
        QVERIFY(profile.size() >= 50);
        QSet<QString> forbidden;
        QSet<QString> sources;
        // What the importer keeps of each file that is not identifying (Modality, Manufacturer...),
        // which the export rightly writes: a profile value that is part of one of those is not a
        // leak (pydicom's MR_small.dcm names "TOSHIBA" as its institution and "TOSHIBA_MEC" as its
        // manufacturer).
        QStringList retained;
        for (const Sample &s : d.samples)
            for (auto it = s.meta.constBegin(); it != s.meta.constEnd(); ++it)
                if (!isIdentifyingKey(it.key())) retained << it.value();
        for (Sample &s : d.samples) {
            const QString file = d.absolutePath(s);
            sources.insert(file);
            Result<DicomInfo> info = readDicomInfo(file, profile);
            QVERIFY2(info, qPrintable(info.error().message()));
            for (auto it = info->requested.constBegin(); it != info->requested.constEnd(); ++it) {
                s.meta.insert(it.key(), it.value());
                // Values of 4 characters and more, each person-name component and each value of a
                // multi-valued attribute too ("Doe^Jane" gives "Doe^Jane", "Jane"): shorter ones
                // ("M", "CT") occur by chance in any text.
                const QString v = it.value().trimmed();
                QStringList parts{v};
                for (const QString &part :
                     v.split(QRegularExpression(QStringLiteral("[\\^\\\\=]")), Qt::SkipEmptyParts))
                    parts << part.trimmed();
                for (const QString &part : parts)
                    if (part.size() >= 4) forbidden.insert(part);
            }
        }
        for (auto it = forbidden.begin(); it != forbidden.end();) {
            const QString word = *it;
            const bool kept =
                std::any_of(retained.cbegin(), retained.cend(), [&word](const QString &r) { return r.contains(word); });
            it = kept ? forbidden.erase(it) : std::next(it);
        }
        QVERIFY2(forbidden.size() >= 40, qPrintable(QString::number(forbidden.size()))); // the scan has teeth
        QVERIFY(forbidden.contains(QStringLiteral("CompressedSamples^CT1")));            // CT_small.dcm's PatientName
        for (const DateMode mode : {DateMode::Shift, DateMode::Remove}) {
            const QString sub =
                mode == DateMode::Shift ? QStringLiteral("audit-shift") : QStringLiteral("audit-remove");
            Result<ExportReport> r = exportTo(sub, kSecret, mode, &d);
            QVERIFY2(r, qPrintable(r.error().message()));
            QVERIFY2(r->exported >= 20, qPrintable(QString::number(r->exported)));
            const QString out = m_tmp.filePath(sub);
            int scanned = 0;
            QStringList hits;
            for (QDirIterator it(out, QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden,
                                 QDirIterator::Subdirectories);
                 it.hasNext();) {
                const QString path = it.next();
                const QString rel = QDir(out).relativeFilePath(path);
                for (const QString &word : forbidden)
                    if (rel.contains(word)) hits << rel + QStringLiteral(" names ") + word;
                if (QFileInfo(path).isDir()) continue;
                ++scanned;
                QFile f(path);
                QVERIFY(f.open(QIODevice::ReadOnly));
                const QByteArray bytes = f.readAll();
                if (path.endsWith(QLatin1String(".png"))) {
                    // No text chunks at all; the compressed pixel stream is not text.
                    QVERIFY2(!bytes.contains("tEXt") && !bytes.contains("iTXt") && !bytes.contains("zTXt") &&
                                 !bytes.contains("eXIf"),
                             qPrintable(rel));
                    continue;
                }
                const QString text = QString::fromUtf8(bytes);
                for (const QString &word : forbidden)
                    if (text.contains(word)) hits << rel + QStringLiteral(" contains ") + word;
            }
            hits.removeDuplicates();
            QVERIFY2(hits.isEmpty(), qPrintable(hits.mid(0, 40).join(QLatin1Char('\n'))));
            QVERIFY(scanned >= r->exported + 1); // the images and the manifest
        }
    }

    void failedOverwriteKeepsThePreviousExport()
    {
        // An export into a folder holding a previous one fails half-way (a full disk: a 4 KiB file
        // size limit, SIGXFSZ ignored, so writes fail with EFBIG; then a cancel): the previous
        // export is left exactly as it was, every image its manifest lists still there, and no
        // staging folder remains.
        const QString out = m_tmp.filePath(QStringLiteral("replace"));
        Result<ExportReport> first = exportTo(QStringLiteral("replace"), kSecret, DateMode::Remove);
        QVERIFY2(first, qPrintable(first.error().message()));
        QFile manifestFile(first->manifestFile);
        QVERIFY(manifestFile.open(QIODevice::ReadOnly));
        const QByteArray manifest = manifestFile.readAll();
        manifestFile.close();
        const Manifest listed = readManifest(first->manifestFile);
        QCOMPARE(int(listed.rows.size()), 3);

        ExportOptions o;
        o.outputDir = out;
        o.secret = kOtherSecret; // other names: a leftover of either export would show
        o.overwrite = true;
        rlimit before{};
        QVERIFY(::getrlimit(RLIMIT_FSIZE, &before) == 0);
        ::signal(SIGXFSZ, SIG_IGN);
        rlimit small = before;
        small.rlim_cur = 1024; // smaller than any of the PNGs
        QVERIFY(::setrlimit(RLIMIT_FSIZE, &small) == 0);
        Result<ExportReport> failed = exportDataset(dicomIndex(), o);
        QVERIFY(::setrlimit(RLIMIT_FSIZE, &before) == 0);
        QVERIFY(!failed);
        QCOMPARE(failed.error().code, ErrorCode::WriteFailed);

        fopro::JobControl cancel;
        cancel.cancel();
        Result<ExportReport> cancelled = exportDataset(dicomIndex(), o, &cancel);
        QVERIFY(!cancelled);

        for (const Result<ExportReport> *r : {&failed, &cancelled}) {
            Q_UNUSED(r);
            QFile again(first->manifestFile);
            QVERIFY(again.open(QIODevice::ReadOnly));
            QCOMPARE(again.readAll(), manifest);
        }
        for (const QStringList &row : listed.rows)
            QVERIFY2(QFile::exists(out + QLatin1Char('/') + row[0]), qPrintable(row[0]));
        int pngs = 0;
        for (QDirIterator it(out, {QStringLiteral("*.png")}, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
             it.hasNext(); it.next())
            ++pngs;
        QCOMPARE(pngs, 3);
        QVERIFY(!QFileInfo::exists(out + QStringLiteral("/.partial-export")));

        // Done without a limit, the new export replaces the old one completely.
        Result<ExportReport> replaced = exportDataset(dicomIndex(), o);
        QVERIFY2(replaced, qPrintable(replaced.error().message()));
        const Manifest now = readManifest(replaced->manifestFile);
        QCOMPARE(int(now.rows.size()), 3);
        for (const QStringList &row : now.rows)
            QVERIFY(QFile::exists(out + QLatin1Char('/') + row[0]));
        pngs = 0;
        for (QDirIterator it(out, {QStringLiteral("*.png")}, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
             it.hasNext(); it.next())
            ++pngs;
        QCOMPARE(pngs, 3);

        // An images/ folder that no manifest explains is refused, not replaced.
        const QString foreign = m_tmp.filePath(QStringLiteral("foreign"));
        QVERIFY(fopro::test::writeText(foreign + QStringLiteral("/images/mine.txt"), "keep"));
        o.outputDir = foreign;
        Result<ExportReport> refused = exportDataset(dicomIndex(), o);
        QVERIFY(!refused);
        QVERIFY(QFile::exists(foreign + QStringLiteral("/images/mine.txt")));
    }

    void hostileClassNames()
    {
        DatasetIndex d;
        d.root = m_tmp.filePath(QStringLiteral("plain"));
        d.classes = {QStringLiteral("../../escape"), QStringLiteral("..")};
        Sample s;
        s.path = QStringLiteral("cat/Doe_Jane_face.png");
        s.label = 0;
        d.samples.push_back(s);
        s.label = 1;
        d.samples.push_back(s);
        Result<ExportReport> r = exportTo(QStringLiteral("hostile/out"), kSecret, DateMode::Remove, &d);
        QVERIFY2(r, qPrintable(r.error().message()));
        QCOMPARE(r->exported, 2);
        const QStringList outside =
            QDir(m_tmp.filePath(QStringLiteral("hostile"))).entryList(QDir::AllEntries | QDir::NoDotAndDotDot);
        QCOMPARE(outside, QStringList{QStringLiteral("out")});
        QVERIFY(!QDir(m_tmp.filePath(QStringLiteral("escape"))).exists());
    }
};

QTEST_GUILESS_MAIN(TestDeidentify)
#include "tst_deidentify.moc"
