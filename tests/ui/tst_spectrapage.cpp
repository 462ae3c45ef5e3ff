// The Spectra page offscreen, on a small generated project: the single-image view shows a grating's
// spectrum with its peaks, the band filter removes the grating and amplitude swap produces an
// image; per-class spectra compute as a job, fill the class grid, the profile plot (one curve per
// class) and the outlier table (the blurred image first), are cached in the project and marked out
// of date after a curation; the learned-prompt view reads a run's gain snapshots (radial gain equal
// to the map's own profile) and the epoch slider switches snapshots; the teacher probe runs on the
// demo teacher when it is installed. The page is rendered at 1024×700 and checked for content.
#include "core/jobs/jobmanager.h"
#include "core/project/demo.h"
#include "core/project/runfolder.h"
#include "core/spectral/gainmap.h"
#include "tests/support/imagecheck.h"
#include "tests/support/testsupport.h"
#include "ui/common/qcustomplotinclude.h"
#include "ui/shell/projectdocument.h"
#include "ui/spectra/classspectratab.h"
#include "ui/spectra/probetab.h"
#include "ui/spectra/prompttab.h"
#include "ui/spectra/singleimagetab.h"
#include "ui/spectra/spectrapage.h"
#include "ui/spectra/spectrummapview.h"

#include <QtTest/QtTest>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QTabWidget>
#include <QtWidgets/QTableWidget>

#include <opencv2/imgproc.hpp>

#include <cmath>

using namespace fopro;

namespace {

/// An 8-bit RGB cosine grating: u cycles across, v down.
cv::Mat grating(int size, int u, int v)
{
    cv::Mat m(size, size, CV_8UC3);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            const auto g = cv::saturate_cast<uchar>(
                127.5 + 100 * std::cos(2 * M_PI * (double(u) * x / size + double(v) * y / size)));
            m.at<cv::Vec3b>(y, x) = cv::Vec3b(g, g, g);
        }
    return m;
}

} // namespace

class TestSpectraPage : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    JobManager m_jobs;
    ui::ProjectDocument m_doc;
    ui::SpectraPage *m_page = nullptr;
    int m_blurred = -1;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        project::Project p;
        p.folder = m_tmp.filePath(QStringLiteral("project"));
        p.name = QStringLiteral("spectra test");
        data::DatasetIndex &d = p.dataset;
        d.root = m_tmp.filePath(QStringLiteral("images"));
        d.classes = {QStringLiteral("common"), QStringLiteral("middle"), QStringLiteral("rare")};
        const int counts[3] = {12, 6, 3};
        int seed = 0;
        for (int c = 0; c < 3; ++c)
            for (int i = 0; i < counts[c]; ++i) {
                cv::Mat img = test::photoLikeImage(96, 96, seed);
                const bool blur = c == 0 && i == 5;
                if (blur) cv::GaussianBlur(img, img, cv::Size(0, 0), 3.0);
                const QString name = QStringLiteral("%1/%2.png").arg(d.classes[c]).arg(i);
                QVERIFY(test::writeImage(QDir(d.root).filePath(name), img));
                data::Sample s;
                s.path = name;
                s.label = s.originalLabel = c;
                s.split = data::Split::Train;
                if (blur) m_blurred = int(d.samples.size());
                d.samples.push_back(s);
                ++seed;
            }
        QVERIFY(p.save().ok());
        m_doc.reset(p, false);
        m_doc.setThresholds({10, 4}); // common: head (12), middle: medium (6), rare: tail (3)
        ui::PageContext context;
        context.jobs = &m_jobs;
        context.document = &m_doc;
        context.navigate = [](const QString &, const QVariantMap &) {};
        m_page = new ui::SpectraPage(context);
        m_page->resize(1024, 700);
        m_page->activate({});
    }

    void cleanupTestCase()
    {
        m_jobs.shutdown();
        delete m_page;
    }

    void singleImageShowsPeaksFiltersAndSwaps()
    {
        ui::SingleImageTab *tab = m_page->singleImage();
        tab->setImage(grating(64, 8, 4), QStringLiteral("grating"));
        QTRY_VERIFY(tab->hasImage() && !tab->isComputing());
        const cv::Mat &amp = tab->amplitudeView()->map();
        QCOMPARE(amp.rows, 64);
        // The brightest non-DC bins are the grating's two peaks.
        cv::Mat rest = amp.clone();
        rest.at<float>(32, 32) = 0;
        cv::Point peak;
        cv::minMaxLoc(rest, nullptr, nullptr, nullptr, &peak);
        QVERIFY2((peak == cv::Point(32 + 8, 32 + 4)) || (peak == cv::Point(32 - 8, 32 - 4)),
                 qPrintable(QStringLiteral("peak at %1, %2").arg(peak.x).arg(peak.y)));

        // A low-pass below the grating's radius (0.28 × Nyquist) leaves a flat image.
        tab->setFilter(spectral::BandFilter{spectral::FilterShape::LowPass, 0.0, 0.2, 0.0}, true);
        QTRY_VERIFY(!tab->isComputing() && !tab->filteredImage().empty());
        cv::Scalar mean, sd;
        cv::meanStdDev(tab->filteredImage(), mean, sd);
        QVERIFY2(sd[0] < 2.0, qPrintable(QString::number(sd[0])));
        // A low-pass above it keeps it.
        tab->setFilter(spectral::BandFilter{spectral::FilterShape::LowPass, 0.0, 0.5, 0.0}, true);
        QTRY_VERIFY(!tab->isComputing());
        cv::meanStdDev(tab->filteredImage(), mean, sd);
        QVERIFY(sd[0] > 50.0);

        tab->setSwapImage(test::photoLikeImage(80, 60, 9), QStringLiteral("b"));
        tab->setSwapRatio(1.0);
        QTRY_VERIFY(!tab->isComputing() && !tab->swappedImage().empty());
        QCOMPARE(tab->swappedImage().size(), cv::Size(64, 64));
    }

    void perClassSpectraComputeCacheAndGoStale()
    {
        ui::ClassSpectraTab *tab = m_page->classSpectra();
        QVERIFY(!tab->spectra().has_value());
        tab->compute();
        QVERIFY(tab->isComputing());
        QTRY_VERIFY_WITH_TIMEOUT(!tab->isComputing(), 60000);
        QVERIFY(tab->spectra().has_value());
        QCOMPARE(tab->classGrid()->count(), 3);
        QCOMPARE(tab->profilePlot()->graphCount(), 3);
        QCOMPARE(tab->outlierTable()->rowCount(), 21);
        QCOMPARE(tab->outlierTable()->item(0, 3)->data(Qt::UserRole).toInt(),
                 m_blurred);                            // the blurred image ranks first
        QVERIFY(!tab->differenceView()->map().empty()); // head and tail classes exist
        QVERIFY(QFileInfo::exists(tab->cacheFile()));

        // A new tab on the same project loads the cache instead of computing.
        QWidget outliers;
        ui::ClassSpectraTab again(m_page, &outliers);
        QVERIFY(again.spectra().has_value());
        QCOMPARE(again.spectra()->fingerprint, tab->spectra()->fingerprint);

        // A curation makes the figures out of date (the cache no longer matches).
        const auto edit = data::makeRelabel(m_doc.dataset(), {0}, 1);
        QVERIFY(edit.ok());
        m_doc.apply(*edit);
        QWidget outliers2;
        ui::ClassSpectraTab stale(m_page, &outliers2);
        QVERIFY(!stale.spectra().has_value());
        m_doc.undoStack()->undo();
    }

    void learnedPromptReadsSnapshots()
    {
        const QString run = QDir(m_doc.project().folder).filePath(QStringLiteral("runs/20261201-120000-fopro_kd"));
        auto folder = project::RunFolder::create(run);
        QVERIFY2(folder.ok(), qPrintable(folder.error().message()));
        QJsonObject header{
            {QStringLiteral("config"), QJsonObject{{QStringLiteral("strategy"), QStringLiteral("fopro_kd")}}}};
        QVERIFY(folder->writeHeader(header).ok());
        for (int epoch = 1; epoch <= 3; ++epoch) {
            spectral::GainMap g;
            g.channels = 3;
            g.height = 32;
            g.width = 32;
            for (int c = 0; c < 3; ++c)
                for (int y = 0; y < 32; ++y)
                    for (int x = 0; x < 17; ++x)
                        g.values.push_back(1.0f + 0.1f * float(epoch) * float(x) / 16.0f);
            QVERIFY(spectral::saveGainMap(g, spectral::gainSnapshotPath(run, epoch)).ok());
        }
        ui::PromptTab *tab = m_page->prompt();
        tab->refreshRuns();
        QCOMPARE(tab->currentRun(), QDir(run).absolutePath());
        QCOMPARE(tab->currentEpoch(), 3);
        tab->setBands(4);
        const auto expected = tab->gainMap().radialProfile(4);
        QCOMPARE(tab->radialGain(), expected);
        QVERIFY(expected.back() > expected.front()); // the constructed gain grows with frequency
        const double hi = tab->mapView()->rangeUpper(), lo = tab->mapView()->rangeLower();
        QVERIFY(std::abs((hi + lo) / 2 - 1.0) < 1e-6); // diverging scale centred on 1
        tab->setEpoch(1);
        QCOMPARE(tab->currentEpoch(), 1);
        QVERIFY(tab->radialGain().back() < expected.back());
        QTRY_VERIFY(!tab->isComputing());
    }

    void teacherProbeOnTheDemoTeacher()
    {
        if (project::demoTeacherPath(QStringLiteral(FOPRO_SOURCE_DIR)).isEmpty())
            QSKIP("the demo teacher is not installed (packaging/install-deps.sh installs it)");
        ui::ProbeTab *tab = m_page->probe();
        tab->addTeacher(project::demoTeacherPath(QStringLiteral(FOPRO_SOURCE_DIR)), project::demoTeacherLayer());
        tab->setBands(4);
        tab->setImages(3);
        tab->run();
        QTRY_VERIFY_WITH_TIMEOUT(!tab->isRunning(), 240000);
        QVERIFY(!tab->curves().empty());
        const auto &bands = tab->curves().front().report.result.bands;
        QCOMPARE(int(bands.size()), 4);
        // Low-passing up to the last band keeps the whole image: similarity 1.
        QVERIFY(std::abs(bands.back().lowPass - 1.0) < 1e-3);
        QVERIFY(tab->plot()->graphCount() >= 3);
    }

    void rendersAt1024x700()
    {
        for (const QString &id : {QStringLiteral("image"), QStringLiteral("classes"), QStringLiteral("outliers"),
                                  QStringLiteral("prompt"), QStringLiteral("teacher")}) {
            QVERIFY(m_page->showTab(id));
            QTRY_VERIFY(m_page->isSettled());
            const QImage shot = m_page->grab().toImage();
            QCOMPARE(shot.size(), QSize(1024, 700));
            QVERIFY(shot.save(QStringLiteral("spectra-%1.png").arg(id)));
            QVERIFY2(fopro::test::distinctColours(shot, 5) > 20, qPrintable(id));
        }
        QVERIFY(!m_page->showTab(QStringLiteral("nonsense")));
    }
};

QTEST_MAIN(TestSpectraPage)
#include "tst_spectrapage.moc"
