// Classification and Grad-CAM benchmark. Not a test: built, not registered with CTest.
//
//   bench_classify [--images N] [--reps R] [--threads T]
//
// 1. Classifying N (default 100) JPEG images (600×450, decoded, centre-cropped and resized to
//    224 px) with a ResNet-18 export (random weights, 7 classes) through classifyJob, the code behind
//    `fopro predict` and the Classify page: model loading included. Target: ≤ 5 s for 100 images on
//    2 cores.
// 2. The same work in a plain PyTorch script (Debian's python3-torch and python3-opencv:
//    torch.jit.load on the same export, the same images, cv2 decoding and INTER_AREA resizing,
//    batches of 16, softmax), run interleaved with (1), R (default 5) repetitions each; the ratio
//    project / PyTorch per pair, its median and spread (min–max). Skipped when the script cannot
//    import torch and cv2.
// 3. Grad-CAM of the same ResNet-18 at layer4 on one 600×450 image: ms per image (median of 20).
//    Target: ≤ 200 ms.
// Prints the figures and exits 0 (1 on bad options or failures).

#include "core/common/allocator.h"
#include "core/jobs/jobmanager.h"
#include "core/ml/classify.h"
#include "core/ml/export.h"
#include "core/ml/gradcam.h"
#include "core/ml/models.h"
#include "core/ml/torchinfo.h"
#include "tests/support/testsupport.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

using namespace fopro;
using Clock = std::chrono::steady_clock;

namespace {

const char *kPythonScript = R"PY(
import sys, time, glob, os
t0 = time.perf_counter()
import cv2, numpy as np, torch
threads = int(sys.argv[3])
torch.set_num_threads(threads)
cv2.setNumThreads(1)
model = torch.jit.load(sys.argv[1])
model.eval()
mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)
std = np.array([0.229, 0.224, 0.225], dtype=np.float32)
files = sorted(glob.glob(os.path.join(sys.argv[2], "*.jpg")))
def prepare(path):
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    h, w = rgb.shape[:2]
    side = min(h, w)
    y, x = (h - side) // 2, (w - side) // 2
    crop = rgb[y:y + side, x:x + side]
    small = cv2.resize(crop, (224, 224), interpolation=cv2.INTER_AREA)
    return ((small.astype(np.float32) / 255.0 - mean) / std).transpose(2, 0, 1)
results = []
with torch.no_grad():
    for i in range(0, len(files), 16):
        batch = torch.from_numpy(np.stack([prepare(f) for f in files[i:i + 16]]))
        results.append(torch.softmax(model(batch), 1))
probabilities = torch.cat(results)
assert probabilities.shape[0] == len(files)
print("%.6f" % (time.perf_counter() - t0))
)PY";

double secondsSince(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

/// A smooth random colour image (blurred noise plus a few shapes), like a photograph to a codec.
cv::Mat photo(std::mt19937 &rng)
{
    cv::Mat noise(45, 60, CV_8UC3);
    cv::randu(noise, cv::Scalar::all(0), cv::Scalar::all(255));
    cv::Mat image;
    cv::resize(noise, image, cv::Size(600, 450), 0, 0, cv::INTER_CUBIC);
    std::uniform_int_distribution<int> pos(0, 599), radius(20, 120), colour(0, 255);
    for (int k = 0; k < 5; ++k)
        cv::circle(image, cv::Point(pos(rng), pos(rng) * 3 / 4), radius(rng),
                   cv::Scalar(colour(rng), colour(rng), colour(rng)), cv::FILLED, cv::LINE_AA);
    return image;
}

/// Seconds of one classifyJob over `dir`, or -1 on failure.
double runProject(const QString &model, const QString &dir, int threads, int expected)
{
    ml::ClassifyRequest request;
    request.model = model;
    request.inputs = {dir};
    request.batchSize = 16;
    request.threads = threads;
    JobControl control;
    const auto t0 = Clock::now();
    const auto result = runBlocking(ml::classifyJob(request), control);
    const double s = secondsSince(t0);
    if (!result || result->classifiedCount() != expected) {
        std::fprintf(stderr, "classify failed: %s\n",
                     result ? "not every image classified" : qPrintable(result.error().message()));
        return -1;
    }
    return s;
}

/// Seconds the PyTorch script reports, or -1 when it fails.
double runPython(const QString &python, const QString &script, const QString &model, const QString &dir, int threads)
{
    QProcess p;
    p.start(python, {script, model, dir, QString::number(threads)});
    if (!p.waitForFinished(600000) || p.exitCode() != 0) return -1;
    bool ok = false;
    const double s = QString::fromUtf8(p.readAllStandardOutput()).trimmed().toDouble(&ok);
    return ok ? s : -1;
}

} // namespace

int main(int argc, char **argv)
{
    fopro::reuseLargeBuffers(); // as `fopro` and `fopro-studio` do at start
    QCoreApplication app(argc, argv);
    int images = 100, reps = 5, threads = 2;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--images"))
            images = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--reps"))
            reps = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--threads"))
            threads = args[i + 1].toInt();
        else
            return std::fprintf(stderr, "unknown option %s\n", qPrintable(args[i])), 1;
    }
    if (images < 1 || reps < 1 || threads < 1) return std::fprintf(stderr, "bad option value\n"), 1;
    ml::configureTorchThreads(threads);

    QTemporaryDir tmp;
    const QString dir = tmp.filePath(QStringLiteral("images"));
    QDir().mkpath(dir);
    std::mt19937 rng(5);
    for (int i = 0; i < images; ++i)
        cv::imwrite(QStringLiteral("%1/img%2.jpg").arg(dir).arg(i, 4, 10, QLatin1Char('0')).toStdString(), photo(rng),
                    {cv::IMWRITE_JPEG_QUALITY, 90});
    ml::StudentConfig sc;
    sc.architecture = "resnet18";
    sc.numClasses = 7;
    auto student = ml::Student::create(sc);
    if (!student) return std::fprintf(stderr, "%s\n", qPrintable(student.error().message())), 1;
    student->eval();
    ml::ExportInfo info;
    for (int c = 0; c < 7; ++c)
        info.classNames << QStringLiteral("class%1").arg(c);
    const QString model = tmp.filePath(QStringLiteral("model.pt"));
    if (auto r = ml::exportTorchScript(*student, info, model); !r)
        return std::fprintf(stderr, "%s\n", qPrintable(r.error().message())), 1;

    const QString python = qEnvironmentVariable("FOPRO_PYTHON", QStringLiteral("/usr/bin/python3"));
    const QString script = tmp.filePath(QStringLiteral("classify.py"));
    test::writeText(script, kPythonScript);
    const bool havePython = runPython(python, script, model, dir, threads) > 0; // also the warm-up
    if (runProject(model, dir, threads, images) < 0) return 1;                  // warm-up
    std::vector<double> ours, theirs, ratios;
    for (int r = 0; r < reps; ++r) {
        const double a = runProject(model, dir, threads, images);
        if (a < 0) return 1;
        ours.push_back(a);
        if (!havePython) continue;
        const double b = runPython(python, script, model, dir, threads);
        if (b > 0) {
            theirs.push_back(b);
            ratios.push_back(a / b);
        }
    }
    std::printf("Classify %d JPEG images (600x450 -> 224 px), ResNet-18 export, %d threads, %d repetitions\n", images,
                threads, reps);
    std::printf("  project (classifyJob)   median %.2f s  (min %.2f, max %.2f)  %.1f images/s  target <= 5 s per 100\n",
                median(ours), *std::min_element(ours.begin(), ours.end()), *std::max_element(ours.begin(), ours.end()),
                images / median(ours));
    if (!theirs.empty()) {
        std::printf("  PyTorch script          median %.2f s  (min %.2f, max %.2f)\n", median(theirs),
                    *std::min_element(theirs.begin(), theirs.end()), *std::max_element(theirs.begin(), theirs.end()));
        std::printf("  ratio project/PyTorch   median %.2f  (min %.2f, max %.2f over %zu interleaved pairs)\n",
                    median(ratios), *std::min_element(ratios.begin(), ratios.end()),
                    *std::max_element(ratios.begin(), ratios.end()), ratios.size());
    } else {
        std::printf("  PyTorch script          skipped (%s cannot import torch and cv2)\n", qPrintable(python));
    }

    auto cam = ml::GradCam::forExportedModel(model);
    if (!cam) return std::fprintf(stderr, "%s\n", qPrintable(cam.error().message())), 1;
    cv::Mat rgb;
    cv::cvtColor(photo(rng), rgb, cv::COLOR_BGR2RGB);
    std::vector<double> ms;
    for (int i = 0; i < 22; ++i) {
        const auto t0 = Clock::now();
        auto r = cam->explain(rgb);
        if (!r) return std::fprintf(stderr, "%s\n", qPrintable(r.error().message())), 1;
        if (i >= 2) ms.push_back(secondsSince(t0) * 1000);
    }
    std::printf("Grad-CAM ResNet-18 layer4, 600x450 image at 224 px: median %.0f ms/image (min %.0f, max %.0f)  "
                "target <= 200 ms\n",
                median(ms), *std::min_element(ms.begin(), ms.end()), *std::max_element(ms.begin(), ms.end()));
    return 0;
}
