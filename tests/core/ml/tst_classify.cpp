// classifyJob on a hand-set exported model whose outputs are known in closed form: a CIFAR ResNet
// (as in tst_gradcam) whose only signal is A = relu(mean intensity − 0.5) on the stem's channel 0,
// passed unchanged to layer4 (subsampled by 8), with logits (0, 10·GAP(A)). So
//   a white image  → GAP(A) = 0.5           → p = (σ(−5), σ(5)) = (0.0066929, 0.9933071), "bright"
//   a black image  → GAP(A) = 0             → p = (0.5, 0.5), "dark" (the first maximum)
//   a two-frame 16-bit DICOM, window centre 2000 / width 4000 (DICOM's linear VOI function):
//     frame 0: 1800 everywhere → grey 114.7/255 < 0.5 → p = (0.5, 0.5)
//     frame 1: left half 1800, right half 2200 → grey ≈ 140/255 = 0.549 on the right, A = 0.049 on
//     half the layer4 columns, GAP = 0.0245, logit 0.245 → p_bright = σ(0.245) ≈ 0.561. Min-max
//     scaling instead of the window would give σ(2.5) = 0.924: the test tells them apart.
#include <torch/torch.h>

#include "core/jobs/jobmanager.h"
#include "core/ml/classify.h"
#include "core/ml/export.h"
#include "core/ml/models.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcuid.h"

#include <cmath>
#include <mutex>

using fopro::ErrorCode;
using fopro::JobControl;
using namespace fopro::ml;

namespace {

double sigmoid(double x)
{
    return 1.0 / (1.0 + std::exp(-x));
}

/// The hand-set detector student of the file comment (64 px, mean 0, std 1, stretch).
bool writeDetectorModel(const QString &file)
{
    StudentConfig c;
    c.architecture = "cifar_resnet";
    c.widthMultiplier = 0.25;
    c.numClasses = 2;
    c.cifarBlocks = {{1, 1, 1, 1}};
    auto student = Student::create(c);
    if (!student) return false;
    torch::NoGradGuard noGrad;
    for (auto &[name, t] : student->namedState()) {
        const bool bnScale = t.dim() == 1 && name.find(".weight") != std::string::npos &&
                             (name.find("bn") != std::string::npos || name.find("downsample.1") != std::string::npos);
        if (name.find("running_var") != std::string::npos || bnScale)
            t.fill_(1);
        else if (t.is_floating_point())
            t.zero_();
        if (name.find("downsample.0.weight") != std::string::npos)
            for (int64_t k = 0; k < t.size(1); ++k)
                t[k][k][0][0] = 1;
        if (name == "conv1.weight")
            for (int k = 0; k < 3; ++k)
                t[0][k][1][1] = 1.0 / 3.0;
        if (name == "bn1.bias") t[0] = -0.5;
        if (name == "fc.weight") t[1][0] = 10;
    }
    student->eval();
    ExportInfo info;
    info.classNames = {QStringLiteral("dark"), QStringLiteral("bright")};
    info.inputSize = 64;
    info.mean = {{0, 0, 0}};
    info.std = {{1, 1, 1}};
    info.resizePolicy = QStringLiteral("stretch");
    QDir().mkpath(QFileInfo(file).absolutePath());
    return exportTorchScript(*student, info, file).ok();
}

/// A two-frame 64×64 16-bit MONOCHROME2 CT image with a VOI window (see the file comment).
bool writeTwoFrameCt(const QString &path)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    std::vector<Uint16> words(size_t(2 * 64 * 64), 1800);
    for (int y = 0; y < 64; ++y)
        for (int x = 32; x < 64; ++x)
            words[size_t(64 * 64 + y * 64 + x)] = 2200;
    DcmFileFormat file;
    DcmDataset *ds = file.getDataset();
    char uid[100];
    bool ok = ds->putAndInsertString(DCM_SOPClassUID, "1.2.840.10008.5.1.4.1.1.2").good();
    ok = ok &&
         ds->putAndInsertString(DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT)).good();
    ok = ok && ds->putAndInsertString(DCM_Modality, "CT").good();
    ok = ok && ds->putAndInsertUint16(DCM_SamplesPerPixel, 1).good();
    ok = ok && ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2").good();
    ok = ok && ds->putAndInsertUint16(DCM_Rows, 64).good() && ds->putAndInsertUint16(DCM_Columns, 64).good();
    ok = ok && ds->putAndInsertString(DCM_NumberOfFrames, "2").good();
    ok = ok && ds->putAndInsertUint16(DCM_BitsAllocated, 16).good() &&
         ds->putAndInsertUint16(DCM_BitsStored, 12).good() && ds->putAndInsertUint16(DCM_HighBit, 11).good();
    ok = ok && ds->putAndInsertUint16(DCM_PixelRepresentation, 0).good();
    ok = ok && ds->putAndInsertString(DCM_WindowCenter, "2000").good() &&
         ds->putAndInsertString(DCM_WindowWidth, "4000").good();
    ok =
        ok && ds->putAndInsertUint16Array(DCM_PixelData, words.data(), static_cast<unsigned long>(words.size())).good();
    const QByteArray name = QFile::encodeName(path);
    return ok && file.saveFile(OFFilename(name.constData()), EXS_LittleEndianExplicit).good();
}

fopro::Result<ClassifyResult> run(const ClassifyRequest &request, std::vector<fopro::Progress> *seen = nullptr,
                                  bool cancelled = false)
{
    JobControl control;
    if (cancelled) control.cancel();
    std::mutex mutex;
    return classifyJob(request)(control, [&](const fopro::Progress &p) {
        std::lock_guard<std::mutex> lock(mutex);
        if (seen) seen->push_back(p);
    });
}

} // namespace

class TestClassify : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_model = m_tmp.filePath(QStringLiteral("model/detector.pt"));
        QVERIFY(writeDetectorModel(m_model));
        m_images = m_tmp.filePath(QStringLiteral("images"));
        QVERIFY(fopro::test::writeImage(m_images + QStringLiteral("/a_white.png"),
                                        cv::Mat(40, 50, CV_8UC3, cv::Scalar(255, 255, 255))));
        QVERIFY(fopro::test::writeImage(m_images + QStringLiteral("/b_black.jpg"),
                                        cv::Mat(64, 64, CV_8UC3, cv::Scalar(0, 0, 0))));
        QVERIFY(fopro::test::writeText(m_images + QStringLiteral("/c_broken.png"), "not an image"));
        QVERIFY(writeTwoFrameCt(m_images + QStringLiteral("/sub/d_ct.dcm")));
        QVERIFY(fopro::test::writeText(m_images + QStringLiteral("/notes.txt"), "skipped: not an image suffix"));
        QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("empty"))));
    }

    void classifiesFilesAndFolders()
    {
        ClassifyRequest request;
        request.model = m_tmp.filePath(QStringLiteral("model")); // the folder holding one export
        const QString missing = m_tmp.filePath(QStringLiteral("missing.png"));
        const QString empty = m_tmp.filePath(QStringLiteral("empty"));
        request.inputs = {missing, m_images, empty};
        request.batchSize = 2;
        std::vector<fopro::Progress> seen;
        auto result = run(request, &seen);
        QVERIFY2(result.ok(), qPrintable(result.error().message()));
        QCOMPARE(result->modelFile, m_model);
        QCOMPARE(result->classNames, (QStringList{QStringLiteral("dark"), QStringLiteral("bright")}));
        QCOMPARE(result->inputSize, 64);
        QCOMPARE(result->architecture, QStringLiteral("cifar_resnet"));
        // Input order: the missing file, the folder's images sorted by path, the empty folder.
        const auto &im = result->images;
        QCOMPARE(im.size(), size_t(6));
        QCOMPARE(im[0].error.code, ErrorCode::NotFound);
        QCOMPARE(im[0].file, missing);
        QCOMPARE(im[1].file, m_images + QStringLiteral("/a_white.png"));
        QVERIFY(im[1].ok());
        QVERIFY(std::abs(im[1].probabilities[0] - sigmoid(-5)) < 1e-5);
        QVERIFY(std::abs(im[1].probabilities[1] - sigmoid(5)) < 1e-5);
        QCOMPARE(im[1].predictedClass(), 1);
        QVERIFY(std::abs(im[2].probabilities[0] - 0.5) < 1e-6 && std::abs(im[2].probabilities[1] - 0.5) < 1e-6);
        QCOMPARE(im[2].predictedClass(), 0); // a tie: the first class
        QCOMPARE(im[3].file, m_images + QStringLiteral("/c_broken.png"));
        QVERIFY(!im[3].ok());
        QCOMPARE(im[3].error.file, im[3].file);
        QVERIFY(im[3].probabilities.empty());
        QCOMPARE(im[3].predictedClass(), -1);
        QCOMPARE(im[4].file, m_images + QStringLiteral("/sub/d_ct.dcm"));
        QCOMPARE(im[4].frame, 0);
        QVERIFY(std::abs(im[4].probabilities[1] - 0.5) < 1e-6); // frame 0 only without allFrames
        QCOMPARE(im[5].error.code, ErrorCode::NotFound);
        QCOMPARE(im[5].file, empty);
        QCOMPARE(result->classifiedCount(), 3);
        QCOMPARE(result->failedCount(), 3);
        // Progress counts entries up to the total.
        QVERIFY(!seen.empty());
        QCOMPARE(seen.back().done, qint64(6));
        QCOMPARE(seen.back().total, qint64(6));
        QCOMPARE(seen.back().phase, QStringLiteral("Classifying"));

        // The CSV of `fopro predict`: classified rows only. Batch norm's eps (1e-5) scales the stem
        // and the three downsampling shortcuts by 1/sqrt(1 + 1e-5) each: A = (s − 0.5)·s³ with
        // s = 0.999995, logit 4.999875, σ = 0.99330632 → "0.993306" (and 0.00669368 → "0.006694").
        const QStringList lines = classifyResultToCsv(*result).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines[0], QStringLiteral("file,predicted,confidence,p_dark,p_bright"));
        QCOMPARE(lines[1], m_images + QStringLiteral("/a_white.png,bright,0.993306,0.006694,0.993306"));
        QCOMPARE(lines[2], m_images + QStringLiteral("/b_black.jpg,dark,0.500000,0.500000,0.500000"));
    }

    void everyFrameWithItsWindow()
    {
        ClassifyRequest request;
        request.model = m_model;
        request.inputs = {m_images + QStringLiteral("/sub")};
        request.allFrames = true;
        auto result = run(request);
        QVERIFY2(result.ok(), qPrintable(result.error().message()));
        QCOMPARE(result->images.size(), size_t(2));
        QCOMPARE(result->images[1].frame, 1);
        QVERIFY(std::abs(result->images[0].probabilities[1] - 0.5) < 1e-6);
        const double p = result->images[1].probabilities[1];
        qInfo("frame 1: p(bright) = %.5f (window: %.5f, min-max would give %.5f)", p, sigmoid(0.245), sigmoid(2.5));
        QVERIFY2(std::abs(p - sigmoid(0.245)) < 0.01, qPrintable(QString::number(p)));
        const QStringList lines = classifyResultToCsv(*result, true).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines[0], QStringLiteral("file,frame,predicted,confidence,p_dark,p_bright"));
        QVERIFY(lines[2].startsWith(m_images + QStringLiteral("/sub/d_ct.dcm,1,bright,")));
    }

    void modelResolutionAndErrors()
    {
        QCOMPARE(resolveExportedModel(m_model).value(), m_model);
        QCOMPARE(resolveExportedModel(m_tmp.filePath(QStringLiteral("empty"))).error().code, ErrorCode::NotFound);
        QCOMPARE(resolveExportedModel(m_tmp.filePath(QStringLiteral("nothing.pt"))).error().code, ErrorCode::NotFound);
        // A run folder: its export/ subfolder.
        const QString runDir = m_tmp.filePath(QStringLiteral("run"));
        QVERIFY(QDir().mkpath(runDir + QStringLiteral("/export")));
        QVERIFY(QFile::copy(m_model, runDir + QStringLiteral("/export/model.pt")));
        QVERIFY(QFile::copy(exportSidecarPath(m_model), runDir + QStringLiteral("/export/model.json")));
        QCOMPARE(resolveExportedModel(runDir).value(), runDir + QStringLiteral("/export/model.pt"));
        // Two models: ambiguous, both named.
        QVERIFY(QFile::copy(m_model, runDir + QStringLiteral("/export/other.pt")));
        QVERIFY(QFile::copy(exportSidecarPath(m_model), runDir + QStringLiteral("/export/other.json")));
        auto two = resolveExportedModel(runDir);
        QCOMPARE(two.error().code, ErrorCode::Ambiguous);
        QVERIFY(two.error().detail.contains(QLatin1String("other.pt")));

        ClassifyRequest request;
        request.model = m_model;
        QCOMPARE(run(request).error().code, ErrorCode::InvalidArgument); // no inputs
        request.inputs = {m_images};
        request.batchSize = 0;
        QCOMPARE(run(request).error().code, ErrorCode::InvalidArgument);
        request.batchSize = 4;
        QCOMPARE(run(request, nullptr, true).error().code, ErrorCode::Cancelled);
        request.model = runDir;
        QCOMPARE(run(request).error().code, ErrorCode::Ambiguous);
    }

private:
    QTemporaryDir m_tmp;
    QString m_model, m_images;
};

QTEST_GUILESS_MAIN(TestClassify)
#include "tst_classify.moc"
