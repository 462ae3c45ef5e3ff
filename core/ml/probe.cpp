#include "core/ml/probe.h"

#include "core/data/importer.h"
#include "core/ml/fourierprompt.h"
#include "core/ml/teacher.h"
#include "core/project/project.h"

#include <QtCore/QFileInfo>

#include <random>

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "core/ml/errortext.h"

namespace fopro::ml {

namespace {

using detail::firstLine;
using detail::qs;

Error invalid(const QString &detail)
{
    return makeError(ErrorCode::InvalidArgument, {}, detail);
}

Error cancelled()
{
    return makeError(ErrorCode::Cancelled, {}, QStringLiteral("the frequency probe was cancelled"));
}

/// Batch [begin, end) as an (end−begin)×3×H×W float tensor in [0, 1].
using BatchSource = std::function<Result<torch::Tensor>(int begin, int end)>;

/// Per-row cosine similarity in double: ⟨a, b⟩ / max(‖a‖·‖b‖, 1e-12).
torch::Tensor rowCosine(const torch::Tensor &a, const torch::Tensor &b)
{
    const auto a64 = a.to(torch::kFloat64), b64 = b.to(torch::kFloat64);
    return (a64 * b64).sum(1) / torch::clamp_min(a64.norm(2, 1) * b64.norm(2, 1), 1e-12);
}

Result<ProbeResult> probe(const Teacher &teacher, int count, int height, int width, const BatchSource &source,
                          const ProbeOptions &options, JobControl *cancel, const ProgressSink &progress)
{
    const int bands = options.bands;
    if (bands < 1) return invalid(QStringLiteral("the probe needs at least one band"));
    if (options.batchSize < 1) return invalid(QStringLiteral("the probe's batch size must be at least 1"));
    if (count < 1) return invalid(QStringLiteral("the probe needs at least one image"));
    if (height < 1 || width < 1) return invalid(QStringLiteral("the probe's images are empty"));

    torch::NoGradGuard noGrad;
    // Bin → band, as FourierPrompt::radialGainProfile: min(K−1, ⌊min(ρ, 1)·K⌋).
    const torch::Tensor rho = radialFrequency(height, width).to(torch::kFloat64);
    const torch::Tensor band =
        torch::clamp_max(torch::floor(torch::clamp_max(rho, 1.0) * bands), bands - 1).to(torch::kInt64);
    // masks[b] = {low-pass, high-pass, band-stop}, float H × (W/2+1).
    std::vector<std::array<torch::Tensor, 3>> masks(static_cast<std::size_t>(bands));
    std::vector<bool> populated(static_cast<std::size_t>(bands));
    for (int b = 0; b < bands; ++b) {
        masks[size_t(b)] = {(band <= b).to(torch::kFloat32), (band >= b).to(torch::kFloat32),
                            (band != b).to(torch::kFloat32)};
        populated[size_t(b)] = (band == b).any().item<bool>();
    }

    const int batches = (count + options.batchSize - 1) / options.batchSize;
    const int total = batches * (3 * bands + 1);
    int done = 0;
    std::vector<std::array<double, 3>> sums(std::size_t(bands), {0.0, 0.0, 0.0});
    Progress p;
    p.phase = QStringLiteral("probing");
    p.total = total;
    const auto step = [&] {
        p.done = ++done;
        report(progress, p);
    };
    const auto features = [&](const torch::Tensor &x) -> Result<torch::Tensor> {
        try {
            torch::Tensor f = teacher.forward(x);
            if (f.dim() != 2 || f.size(0) != x.size(0))
                return invalid(QStringLiteral("the teacher returned features of an unexpected shape"));
            return f;
        } catch (const std::exception &e) {
            return invalid(qs("the teacher failed on the probe images: " + firstLine(e)));
        }
    };

    for (int begin = 0; begin < count; begin += options.batchSize) {
        const int end = std::min(count, begin + options.batchSize);
        if (isCancelled(cancel)) return cancelled();
        auto batch = source(begin, end);
        if (!batch) return batch.error();
        const torch::Tensor x = batch.value();
        auto reference = features(x);
        if (!reference) return reference.error();
        step();
        for (int b = 0; b < bands; ++b) {
            for (int kind = 0; kind < 3; ++kind) {
                if (isCancelled(cancel)) return cancelled();
                torch::Tensor filtered;
                try {
                    filtered = applySpectralGain(x, masks[size_t(b)][size_t(kind)]);
                } catch (const std::exception &e) {
                    return invalid(qs("cannot filter the probe images: " + firstLine(e)));
                }
                auto f = features(filtered);
                if (!f) return f.error();
                sums[size_t(b)][size_t(kind)] += rowCosine(f.value(), reference.value()).sum().item<double>();
                step();
            }
        }
    }

    ProbeResult result;
    result.imageCount = count;
    result.imageHeight = height;
    result.imageWidth = width;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (int b = 0; b < bands; ++b) {
        ProbeBand row;
        row.band = b;
        row.lowerRho = double(b) / bands;
        row.upperRho = double(b + 1) / bands;
        const bool any = populated[size_t(b)];
        row.lowPass = any ? sums[size_t(b)][0] / count : nan;
        row.highPass = any ? sums[size_t(b)][1] / count : nan;
        row.bandStop = any ? sums[size_t(b)][2] / count : nan;
        result.bands.push_back(row);
    }
    return result;
}

} // namespace

Result<ProbeResult> runFrequencyProbe(const Teacher &teacher, const at::Tensor &images01, const ProbeOptions &options,
                                      JobControl *cancel, const ProgressSink &progress)
{
    if (!images01.defined() || images01.dim() != 4 || images01.size(1) != 3)
        return invalid(QStringLiteral("the probe's images must be an N x 3 x H x W tensor"));
    const torch::Tensor images = images01.detach().to(torch::kCPU, torch::kFloat32);
    const BatchSource source = [&](int begin, int end) -> Result<torch::Tensor> {
        return images.slice(0, begin, end).contiguous();
    };
    return probe(teacher, int(images.size(0)), int(images.size(2)), int(images.size(3)), source, options, cancel,
                 progress);
}

Result<ProbeResult> runFrequencyProbe(const Teacher &teacher, const std::vector<cv::Mat> &rgb8Images,
                                      const ProbeOptions &options, JobControl *cancel, const ProgressSink &progress)
{
    const int side = options.imageSize > 0 ? options.imageSize : (teacher.inputSize() > 0 ? teacher.inputSize() : 224);
    for (std::size_t i = 0; i < rgb8Images.size(); ++i) {
        if (rgb8Images[i].empty() || rgb8Images[i].type() != CV_8UC3)
            return invalid(
                QStringLiteral("probe image %1 is %2, expected 8-bit RGB (CV_8UC3)")
                    .arg(i)
                    .arg(rgb8Images[i].empty() ? QStringLiteral("empty") : QStringLiteral("of another type")));
    }
    const data::ResizeSpec spec{side, options.resizePolicy};
    const BatchSource source = [&](int begin, int end) -> Result<torch::Tensor> {
        torch::Tensor batch = torch::empty({end - begin, 3, side, side});
        for (int i = begin; i < end; ++i) {
            const cv::Mat resized = data::resizeImage(rgb8Images[size_t(i)], spec);
            if (resized.rows != side || resized.cols != side || !resized.isContinuous())
                return invalid(QStringLiteral("probe image %1 could not be resized").arg(i));
            const torch::Tensor hwc =
                torch::from_blob(const_cast<uchar *>(resized.ptr<uchar>()), {side, side, 3}, torch::kUInt8);
            batch[i - begin].copy_(hwc.permute({2, 0, 1}).to(torch::kFloat32) / 255.0f);
        }
        return batch;
    };
    return probe(teacher, int(rgb8Images.size()), side, side, source, options, cancel, progress);
}

QString probeToCsv(const ProbeResult &result)
{
    const auto number = [](double v) { return std::isnan(v) ? QStringLiteral("nan") : QString::number(v, 'g', 10); };
    QString out = QStringLiteral("band,rho_low,rho_high,low_pass,high_pass,band_stop\n");
    for (const ProbeBand &b : result.bands) {
        out += QString::number(b.band) + QLatin1Char(',') + number(b.lowerRho) + QLatin1Char(',') + number(b.upperRho) +
               QLatin1Char(',') + number(b.lowPass) + QLatin1Char(',') + number(b.highPass) + QLatin1Char(',') +
               number(b.bandStop) + QLatin1Char('\n');
    }
    return out;
}

std::vector<int> pickProbeSamples(const data::DatasetIndex &index, const std::optional<data::Split> &split, int count,
                                  quint64 seed)
{
    std::vector<std::vector<int>> perClass(std::size_t(std::max(0, index.classCount())));
    for (std::size_t i = 0; i < index.samples.size(); ++i) {
        const data::Sample &s = index.samples[i];
        if (!data::DatasetIndex::isActive(s) || (split && s.split != *split)) continue;
        if (s.label >= 0 && std::size_t(s.label) < perClass.size()) perClass[std::size_t(s.label)].push_back(int(i));
    }
    std::mt19937_64 rng(seed);
    for (auto &members : perClass)
        std::shuffle(members.begin(), members.end(), rng);
    std::vector<int> picked;
    for (std::size_t round = 0; int(picked.size()) < count; ++round) {
        bool any = false;
        for (const auto &members : perClass)
            if (round < members.size() && int(picked.size()) < count) {
                picked.push_back(members[round]);
                any = true;
            }
        if (!any) break;
    }
    return picked;
}

namespace {

Result<data::DatasetIndex> openProbeDataset(const QString &path)
{
    if (project::Project::isProject(path)) {
        auto p = project::Project::open(path);
        if (!p) return p.error();
        return std::move(p.value().dataset);
    }
    auto r = data::importDataset(QFileInfo(path).absoluteFilePath());
    if (!r) return r.error();
    return std::move(r.value().index);
}

} // namespace

Result<ProbeReport> runProbe(const ProbeRequest &request, JobControl *control, const ProgressSink &progress)
{
    Progress loading;
    loading.phase = QStringLiteral("loading");
    loading.message = QStringLiteral("loading the teacher and the dataset");
    report(progress, loading);
    TeacherOptions teacherOptions;
    teacherOptions.outputLayer = request.outputLayer;
    teacherOptions.inputSize = request.options.imageSize;
    auto teacher = loadTeacher(request.teacher, teacherOptions);
    if (!teacher) return teacher.error();
    auto dataset = request.index ? Result<data::DatasetIndex>(*request.index) : openProbeDataset(request.dataset);
    if (!dataset) return dataset.error();
    const std::vector<int> picked = pickProbeSamples(*dataset, request.split, request.images, request.seed);
    if (picked.empty())
        return makeError(ErrorCode::InvalidArgument, request.dataset,
                         QStringLiteral("no labelled images in the %1 split")
                             .arg(request.split ? data::splitName(*request.split) : QStringLiteral("all")));
    ProbeReport out;
    out.teacherDescription = qs(teacher->description());
    ProbeOptions options = request.options;
    out.imageSide = options.imageSize > 0 ? options.imageSize : teacher->inputSize() > 0 ? teacher->inputSize() : 224;
    options.imageSize = out.imageSide;
    const data::ResizeSpec spec{out.imageSide, options.resizePolicy};
    std::vector<cv::Mat> rgb;
    std::vector<bool> classSeen(std::size_t(dataset->classCount()), false);
    for (int i : picked) {
        if (isCancelled(control)) return cancelled();
        const data::Sample &s = dataset->samples[std::size_t(i)];
        auto image = data::loadResized(*dataset, s, spec);
        if (!image) {
            out.skipped.push_back(image.error());
            continue;
        }
        rgb.push_back(std::move(image).value());
        if (!classSeen[std::size_t(s.label)]) ++out.classesUsed;
        classSeen[std::size_t(s.label)] = true;
    }
    if (rgb.empty())
        return makeError(ErrorCode::InvalidArgument, request.dataset,
                         QStringLiteral("none of the chosen images could be decoded"));
    auto result = runFrequencyProbe(*teacher, rgb, options, control, progress);
    if (!result) return result.error();
    out.result = std::move(result).value();
    return out;
}

JobFunction<ProbeReport> probeJob(ProbeRequest request)
{
    return [request = std::move(request)](JobControl &control, const ProgressSink &progress) {
        return callGuarded([&] { return runProbe(request, &control, progress); }, QStringLiteral("frequency probe"));
    };
}

} // namespace fopro::ml
