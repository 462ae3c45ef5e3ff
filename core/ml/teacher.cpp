// Teacher: the common part (forward, resizing, description), the TorchScript loader and loading a
// teacher from a path with its kind detected once. The TF.js layers importer is teachertfjs.cpp.

#include "core/ml/teacher_p.h"

#include "core/common/fileio.h"
#include "core/ml/errortext.h"
#include "core/ml/export.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>

#include <chrono>
#include <sstream>

namespace F = torch::nn::functional;

namespace fopro::ml {

using detail::qs;

torch::Tensor Teacher::Impl::run(const torch::Tensor &nchw01)
{
    TORCH_CHECK(nchw01.dim() == 4 && nchw01.size(1) == 3, "teacher input must be N×3×H×W, got ", nchw01.sizes());
    torch::Tensor x = nchw01.to(torch::kFloat32);
    if (inputSize > 0 && (x.size(2) != inputSize || x.size(3) != inputSize))
        x = F::interpolate(x, F::InterpolateFuncOptions()
                                  .size(std::vector<int64_t>{inputSize, inputSize})
                                  .mode(torch::kBilinear)
                                  .align_corners(false));
    if (!torchScript) return tfjs(x);
    x = (x - mean) / std;
    torch::jit::IValue out = script->forward({x});
    if (out.isTuple())
        out = out.toTuple()->elements().at(0);
    else if (out.isList())
        out = out.toList().get(0);
    TORCH_CHECK(out.isTensor(), "the TorchScript forward does not return a tensor");
    torch::Tensor y = out.toTensor().to(torch::kFloat32);
    if (y.dim() == 4) return y.mean({2, 3});
    TORCH_CHECK(y.dim() == 2, "the TorchScript forward returns shape ", y.sizes(), ", expected N×D or N×C×H×W");
    return y;
}

std::string Teacher::Impl::dryRun()
{
    torch::NoGradGuard noGrad;
    const int side = inputSize > 0 ? inputSize : 224;
    // A ramp over the image with a different slope per channel: every value in [0,1] appears, so
    // weights that only break on some inputs are caught too (a uniform grey would not show them).
    const torch::Tensor ramp = torch::linspace(0.0, 1.0, side * side).view({1, 1, side, side});
    const torch::Tensor probe = torch::cat({ramp, ramp.flip({2}), 1.0 - ramp}, 1);
    const torch::Tensor features = run(probe);
    featureDim = int(features.size(1));
    if (!torch::isfinite(features).all().item<bool>())
        return "its features on a test image are not finite numbers (NaN or infinity): the weights or the layer "
               "settings are broken";
    const auto t0 = std::chrono::steady_clock::now();
    run(probe);
    secondsPerImage = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return {};
}

Teacher::Teacher(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Teacher::~Teacher() = default;

int Teacher::featureDim() const
{
    return m_impl->featureDim;
}
int Teacher::inputSize() const
{
    return m_impl->inputSize;
}
std::string Teacher::description() const
{
    return m_impl->description;
}

Teacher Teacher::withInputSize(int side) const
{
    auto impl = std::make_shared<Impl>(*m_impl); // the network handles are shared, not copied
    impl->inputSize = std::max(0, side);
    (void)impl->dryRun(); // the load already refused weights that give non-finite features
    return Impl::make(std::move(impl));
}
double Teacher::secondsPerImage() const
{
    return m_impl->secondsPerImage;
}

at::Tensor Teacher::forward(const at::Tensor &nchw01) const
{
    return m_impl->run(nchw01);
}

Result<Teacher> Teacher::loadTorchScript(const std::string &path, int inputSize, const std::array<float, 3> &mean,
                                         const std::array<float, 3> &std, const std::string &sidecarJson)
{
    const QString file = qs(path);
    if (!QFileInfo::exists(file))
        return makeError(ErrorCode::NotFound, file, QStringLiteral("TorchScript file not found"));
    std::array<float, 3> m = mean, s = std;
    std::string name;
    if (!sidecarJson.empty()) {
        const QString side = qs(sidecarJson);
        auto sidecar = fileio::readJsonObject(side);
        if (!sidecar) return sidecar.error();
        const QJsonObject &o = *sidecar;
        if (o.contains(QStringLiteral("inputSize"))) inputSize = o.value(QStringLiteral("inputSize")).toInt(-1);
        for (const auto &[key, dst] : {std::pair{QStringLiteral("mean"), &m}, std::pair{QStringLiteral("std"), &s}}) {
            if (!o.contains(key)) continue;
            const QJsonArray a = o.value(key).toArray();
            if (a.size() != 3)
                return makeError(ErrorCode::Malformed, side, key + QStringLiteral(" must be an array of 3 numbers"));
            for (int i = 0; i < 3; ++i)
                (*dst)[size_t(i)] = float(a.at(i).toDouble());
        }
        name = o.value(QStringLiteral("name")).toString().toStdString();
    }
    if (inputSize < 0) return makeError(ErrorCode::InvalidArgument, file, QStringLiteral("input size must be >= 0"));
    for (float v : s)
        if (!(v > 0.0f))
            return makeError(ErrorCode::InvalidArgument, file, QStringLiteral("normalisation std must be > 0"));

    auto impl = std::make_shared<Impl>();
    impl->torchScript = true;
    impl->inputSize = inputSize;
    impl->mean = torch::tensor({m[0], m[1], m[2]}).view({1, 3, 1, 1});
    impl->std = torch::tensor({s[0], s[1], s[2]}).view({1, 3, 1, 1});
    try {
        torch::jit::Module module = torch::jit::load(path, torch::kCPU);
        module.eval();
        for (auto p : module.parameters())
            p.requires_grad_(false);
        impl->script = module;
    } catch (const std::exception &e) {
        std::string what = e.what();
        return makeError(ErrorCode::Malformed, file,
                         qs("not a loadable TorchScript file: " + what.substr(0, what.find('\n'))));
    }
    try {
        if (const std::string broken = impl->dryRun(); !broken.empty())
            return makeError(ErrorCode::Malformed, file, qs(broken));
    } catch (const std::exception &e) {
        std::string what = e.what();
        return makeError(ErrorCode::Unsupported, file, qs("the dry run failed: " + what.substr(0, what.find('\n'))));
    }
    std::ostringstream d;
    d << "TorchScript " << (name.empty() ? QFileInfo(file).fileName().toStdString() : name) << ", "
      << (inputSize > 0 ? std::to_string(inputSize) + "x" + std::to_string(inputSize) : std::string("any size"))
      << " input, mean/std (" << m[0] << ", " << m[1] << ", " << m[2] << ")/(" << s[0] << ", " << s[1] << ", " << s[2]
      << "), " << impl->featureDim << " features";
    impl->description = d.str();
    return Impl::make(std::move(impl));
}

// ---- loading from a path ----------------------------------------------------------------------------

QString teacherKindName(TeacherKind kind)
{
    return kind == TeacherKind::TfjsLayers ? QStringLiteral("tfjs") : QStringLiteral("torchscript");
}

bool parseTeacherKind(const QString &text, TeacherKind *kind)
{
    if (text == QLatin1String("tfjs"))
        *kind = TeacherKind::TfjsLayers;
    else if (text == QLatin1String("torchscript"))
        *kind = TeacherKind::TorchScript;
    else
        return false;
    return true;
}

namespace {

/// True for a JSON file of a TF.js layers model (its top level names "modelTopology"). Only the
/// first kilobytes are looked at: a TorchScript file is a zip archive, never JSON.
bool looksLikeTfjsJson(const QString &file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) return false;
    const QByteArray head = f.read(64 * 1024);
    const QByteArray trimmed = head.trimmed();
    return trimmed.startsWith('{') && head.contains("\"modelTopology\"");
}

} // namespace

Result<TeacherSource> resolveTeacher(const QString &path)
{
    const QFileInfo fi(path);
    if (!fi.exists()) return makeError(ErrorCode::NotFound, path, QStringLiteral("teacher not found"));
    TeacherSource source;
    if (fi.isDir()) {
        const QString json = QDir(fi.absoluteFilePath()).filePath(QStringLiteral("model.json"));
        if (!QFileInfo::exists(json))
            return makeError(ErrorCode::NotFound, path,
                             QStringLiteral("a folder without model.json (a teacher is a TF.js model.json, its folder, "
                                            "or a TorchScript file)"));
        source.kind = TeacherKind::TfjsLayers;
        source.file = QDir::cleanPath(json);
        return source;
    }
    source.file = QDir::cleanPath(fi.absoluteFilePath());
    const bool jsonName = fi.suffix().compare(QLatin1String("json"), Qt::CaseInsensitive) == 0;
    source.kind = jsonName || looksLikeTfjsJson(source.file) ? TeacherKind::TfjsLayers : TeacherKind::TorchScript;
    return source;
}

Result<Teacher> loadTeacher(const TeacherSource &source, const TeacherOptions &options)
{
    if (source.kind == TeacherKind::TfjsLayers)
        return Teacher::loadTfjs(source.file.toStdString(), options.outputLayer.toStdString());
    if (!options.outputLayer.isEmpty())
        return makeError(ErrorCode::InvalidArgument, source.file,
                         QStringLiteral("an output layer applies to TF.js teachers (model.json) only"));
    const QString sidecar = exportSidecarPath(source.file);
    return Teacher::loadTorchScript(source.file.toStdString(), std::max(0, options.inputSize), options.mean,
                                    options.std, QFileInfo::exists(sidecar) ? sidecar.toStdString() : std::string());
}

Result<Teacher> loadTeacher(const QString &path, const TeacherOptions &options)
{
    auto source = resolveTeacher(path);
    if (!source) return source.error();
    return loadTeacher(*source, options);
}

} // namespace fopro::ml
