// Training-step benchmark: images/s of one optimisation step of a ResNet-18 student (batch 32) for
// CE, EKD with cached teacher features, EKD with the teacher run every step, and FoPro-KD with AKD
// (prompt → one teacher forward with its graph, prompt step, student step, in trainStep's order),
// at 112 and 224 px; the share of a FoPro-KD step spent in the Fourier prompt itself; inference
// latency per image at 224 px (batch 1 and batch 32) of the student exported and loaded the way
// `fopro predict` runs it (ExportedModel). Not a test: built, not registered with CTest. It prints a
// table and exits 0 (2 when the demo teacher is missing, 1 on bad options).
//
//   bench_train [--steps N] [--threads T] [--sizes 112,224] [--rows ce,ekd,...] [--tsv]
//
// --rows runs only the named rows (ce, ekd_cached, ekd, fopro, infer1, infer32; default all).
// --tsv prints, instead of the table, one line per measurement, `row<TAB>size<TAB>seconds` (seconds
// per step, or per call for infer1/infer32, which then run at every size), then
// `# peak_rss_mb<TAB>value` (getrusage): the format of tests/bench/reference_step.py, the same work
// in plain PyTorch, which tests/bench/compare_speed.sh runs interleaved with this.
//
// The step is composed from the same public functions the trainer calls (Student, EkdHeads,
// Teacher, FourierPrompt, ekdLoss, Adam, gradient clipping), on random input: decoding and
// augmentation run on the data workers in parallel with the step and are measured by bench_dataset.
// The process sets glibc's allocator as the product's executables do (fopro::reuseLargeBuffers).
// Targets: prompt ≤ 10 % of a FoPro-KD step; cached EKD ≤ 1.3 × a CE step; inference ≤ 40 ms/image.

#include <torch/torch.h>

#include "core/common/allocator.h"
#include "core/ml/export.h"
#include "core/ml/fourierprompt.h"
#include "core/ml/losses.h"
#include "core/ml/models.h"
#include "core/ml/teacher.h"
#include "core/ml/torchinfo.h"
#include "tests/support/testsupport.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QStringList>
#include <QtCore/QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <vector>

#include <sys/resource.h>

using namespace fopro::ml;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Median seconds of `steps` calls after one warm-up call.
double timeIt(int steps, const std::function<void()> &f)
{
    f();
    std::vector<double> t;
    for (int i = 0; i < steps; ++i) {
        const auto t0 = Clock::now();
        f();
        t.push_back(seconds(t0));
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
    // As `fopro` and `fopro-studio` do at start: large buffers (activations, gradients) are reused
    // from the heap instead of being mapped and zeroed afresh at every step.
    fopro::reuseLargeBuffers();
    QCoreApplication app(argc, argv);
    int steps = 3, threads = 2;
    std::vector<int> sizes{112, 224};
    const QStringList allRows{QStringLiteral("ce"),    QStringLiteral("ekd_cached"), QStringLiteral("ekd"),
                              QStringLiteral("fopro"), QStringLiteral("infer1"),     QStringLiteral("infer32")};
    QStringList rows = allRows;
    bool tsv = false;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--steps") && i + 1 < args.size())
            steps = args[++i].toInt();
        else if (args[i] == QLatin1String("--threads") && i + 1 < args.size())
            threads = args[++i].toInt();
        else if (args[i] == QLatin1String("--sizes") && i + 1 < args.size()) {
            sizes.clear();
            for (const QString &s : args[++i].split(QLatin1Char(',')))
                sizes.push_back(s.toInt());
        } else if (args[i] == QLatin1String("--rows") && i + 1 < args.size()) {
            rows = args[++i].split(QLatin1Char(','), Qt::SkipEmptyParts);
        } else if (args[i] == QLatin1String("--tsv")) {
            tsv = true;
        } else {
            std::fprintf(stderr, "usage: bench_train [--steps N] [--threads T] [--sizes 112,224] [--rows %s] [--tsv]\n",
                         qPrintable(allRows.join(QLatin1Char(','))));
            return 1;
        }
    }
    for (const QString &r : rows)
        if (!allRows.contains(r)) {
            std::fprintf(stderr, "unknown row '%s' (rows: %s)\n", qPrintable(r),
                         qPrintable(allRows.join(QLatin1Char(','))));
            return 1;
        }
    if (steps < 1 || threads < 1 || sizes.empty() || rows.isEmpty()) return 1;
    for (const int S : sizes)
        if (S < 8) return 1;
    const auto want = [&](const char *row) { return rows.contains(QLatin1String(row)); };
    configureTorchThreads(threads);
    // The teacher's folder: loadTeacher finds its model.json (the kind is detected in one place).
    std::optional<Teacher> demoTeacher;
    if (want("ekd_cached") || want("ekd") || want("fopro")) {
        fopro::ml::TeacherOptions teacherOptions;
        teacherOptions.outputLayer = QStringLiteral("block_10_project_BN");
        auto loaded =
            fopro::ml::loadTeacher(fopro::test::assetsDir() + QStringLiteral("/teachers/mobilenet_v2"), teacherOptions);
        if (!loaded) {
            std::fprintf(stderr, "demo teacher not available: %s\n", qPrintable(loaded.error().message()));
            return 2;
        }
        demoTeacher = loaded.value();
    }
    const int B = 32, C = 8;
    const std::vector<std::int64_t> counts{500, 250, 120, 60, 30, 15, 8, 4};
    if (tsv) {
        std::printf("# threads\t%d\n", torchInfo().intraOpThreads);
    } else {
        std::printf("Training step, batch %d, ResNet-18 student (%d classes), demo teacher MobileNetV2 to "
                    "block_10_project_BN,\n"
                    "%d torch threads, median of %d steps after a warm-up step\n\n",
                    B, C, torchInfo().intraOpThreads, steps);
        std::printf("%-5s %-28s %9s %9s %9s\n", "size", "step", "s/step", "images/s", "x CE");
    }
    // One measurement: a TSV line at once (partial results survive an interrupted run).
    const auto emit = [&](const char *row, int S, double s) {
        if (!tsv) return;
        std::printf("%s\t%d\t%.6f\n", row, S, s);
        std::fflush(stdout);
    };
    double inference1 = 0, inference32 = 0;
    for (const int S : sizes) {
        torch::manual_seed(0);
        std::optional<Teacher> teacher;
        if (demoTeacher) teacher = demoTeacher->withInputSize(S);
        StudentConfig sc;
        sc.numClasses = C;
        Student student(sc);
        EkdHeadsConfig hc;
        hc.featureDim = student.featureDim();
        hc.teacherDim = teacher ? teacher->featureDim() : 96; // 96: the demo teacher's, when no row needs it
        hc.numClasses = C;
        EkdHeads heads(hc);
        FourierPromptConfig pc;
        pc.imageSize = S;
        FourierPrompt prompt(pc);
        std::vector<torch::Tensor> params = student.parameters();
        for (auto &p : heads.parameters())
            params.push_back(p);
        torch::optim::Adam opt(params, torch::optim::AdamOptions(3e-4));
        torch::optim::Adam promptOpt(prompt.parameters(), torch::optim::AdamOptions(1e-3));
        const torch::Tensor x01 = torch::rand({B, 3, S, S});
        const torch::Tensor x = (x01 - 0.45) / 0.225;
        const torch::Tensor y = torch::randint(0, C, {B}, torch::kInt64);
        torch::Tensor cached;
        if (teacher) {
            torch::NoGradGuard ng;
            cached = teacher->forward(x01);
        }
        student.train();
        heads.train();
        auto studentStep = [&](const torch::Tensor &t, torch::Tensor *projectedOut) {
            const auto f = student.features(x);
            const auto z = student.logits(f);
            const auto p = heads.project(f);
            const auto loss = ekdLoss(z, heads.auxLogits(p), p, t, y, counts, 3.0);
            opt.zero_grad();
            loss.backward();
            torch::nn::utils::clip_grad_norm_(params, 5.0);
            opt.step();
            if (projectedOut) *projectedOut = p.detach();
        };
        double ce = 0, ekdCached = 0, ekd = 0, fopro = 0;
        if (want("ce")) {
            ce = timeIt(steps, [&] {
                const auto loss = crossEntropyLoss(student.forward(x), y);
                opt.zero_grad();
                loss.backward();
                torch::nn::utils::clip_grad_norm_(params, 5.0);
                opt.step();
            });
            emit("ce", S, ce);
        }
        if (want("ekd_cached")) {
            ekdCached = timeIt(steps, [&] { studentStep(cached, nullptr); });
            emit("ekd_cached", S, ekdCached);
        }
        if (want("ekd")) {
            ekd = timeIt(steps, [&] {
                torch::Tensor t;
                {
                    c10::InferenceMode inference; // as trainStep: the frozen teacher needs no graph
                    t = teacher->forward(x01);
                }
                studentStep(t.clone(), nullptr);
            });
            emit("ekd", S, ekd);
        }
        double promptSeconds = 0;
        if (want("fopro")) {
            fopro = timeIt(steps, [&] {
                // As trainStep: one teacher pass with its graph; the student's loss sees it
                // detached; the prompt's step runs first, releasing the teacher's graph.
                const auto p0 = Clock::now();
                const auto prompted = prompt.apply(x01);
                promptSeconds += seconds(p0);
                const auto t = teacher->forward(prompted);
                const auto f = student.features(x);
                const auto z = student.logits(f);
                const auto projected = heads.project(f);
                const auto loss = ekdLoss(z, heads.auxLogits(projected), projected, t.detach(), y, counts, 3.0);
                namespace F = torch::nn::functional;
                const auto o = F::NormalizeFuncOptions().dim(1).eps(1e-12);
                const auto disc =
                    (2.0 - 2.0 * (F::normalize(projected.detach(), o) * F::normalize(t, o)).sum(1)).mean();
                const auto p1 = Clock::now();
                const auto reg = prompt.regulariser();
                promptSeconds += seconds(p1);
                const auto promptLoss = -disc + 1e-3 * reg;
                promptOpt.zero_grad();
                promptLoss.backward();
                promptOpt.step();
                opt.zero_grad();
                loss.backward();
                torch::nn::utils::clip_grad_norm_(params, 5.0);
                opt.step();
            });
            emit("fopro", S, fopro);
        }
        if ((tsv || S == 224) && (want("infer1") || want("infer32"))) {
            // What `fopro predict` and the Classify page run: the student exported as TorchScript
            // and loaded by ExportedModel (frozen, batch norm folded, InferenceMode).
            student.eval();
            QTemporaryDir exportDir;
            ExportInfo info;
            info.inputSize = S;
            for (int k = 0; k < C; ++k)
                info.classNames << QStringLiteral("class%1").arg(k);
            const QString modelPath = exportDir.filePath(QStringLiteral("model.pt"));
            if (auto r = exportTorchScript(student, info, modelPath); !r) {
                std::fprintf(stderr, "export failed: %s\n", qPrintable(r.error().message()));
                return 1;
            }
            auto model = ExportedModel::load(modelPath);
            if (!model) {
                std::fprintf(stderr, "loading the export failed: %s\n", qPrintable(model.error().message()));
                return 1;
            }
            const auto one = x.slice(0, 0, 1);
            if (want("infer1")) {
                inference1 = timeIt(std::max(steps, 5), [&] { model->forward(one); });
                emit("infer1", S, inference1);
            }
            if (want("infer32")) {
                const double perCall = timeIt(steps, [&] { model->forward(x); });
                emit("infer32", S, perCall);
                inference32 = perCall / B;
            }
        }
        if (tsv) continue;
        const auto row = [&](const char *name, double s) {
            if (s <= 0) return;
            if (ce > 0)
                std::printf("%-5d %-28s %9.3f %9.1f %9.2f\n", S, name, s, B / s, s / ce);
            else
                std::printf("%-5d %-28s %9.3f %9.1f %9s\n", S, name, s, B / s, "-");
        };
        row("CE", ce);
        row("EKD, cached teacher", ekdCached);
        row("EKD, teacher every step", ekd);
        row("FoPro-KD (AKD)", fopro);
        if (fopro > 0) {
            // The prompt's own share: its forward measured inside the step (averaged over the warm-up
            // and timed steps), plus its backward measured on its own (FFT, gain, inverse FFT).
            const double promptForward = promptSeconds / double(steps + 1);
            const double promptBackward = timeIt(steps,
                                                 [&] {
                                                     const auto out = prompt.apply(x01);
                                                     promptOpt.zero_grad();
                                                     out.sum().backward();
                                                 }) -
                                          timeIt(steps, [&] {
                                              torch::NoGradGuard ng;
                                              prompt.apply(x01);
                                          });
            const double promptShare = (promptForward + std::max(0.0, promptBackward)) / fopro;
            std::printf("%-5d %-28s %8.1f %%   (target <= 10 %%)\n", S, "prompt share of FoPro-KD",
                        100.0 * promptShare);
        }
        if (ce > 0 && ekdCached > 0)
            std::printf("%-5d %-28s %9.2f        (target <= 1.30)\n", S, "cached EKD / CE", ekdCached / ce);
        std::printf("\n");
    }
    if (tsv) {
        struct rusage usage {};
        getrusage(RUSAGE_SELF, &usage);
        std::printf("# peak_rss_mb\t%.1f\n", double(usage.ru_maxrss) / 1024.0); // ru_maxrss: KiB on Linux
        return 0;
    }
    if (inference1 > 0 || inference32 > 0)
        std::printf(
            "Inference at 224 px, ResNet-18: %.1f ms/image (batch 1), %.1f ms/image (batch 32)   (target <= 40 ms)\n",
            1000 * inference1, 1000 * inference32);
    return 0;
}
