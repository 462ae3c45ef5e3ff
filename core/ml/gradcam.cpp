// Grad-CAM (gradcam.h). Every explained network is split at the explained layer into a head
// (image → activation A, run without a graph) and a tail (A → the score's source: logits or the
// pooled feature), so the backward pass runs through the tail only: ∂score/∂A needs nothing before A.

#include "core/ml/gradcam.h"

#include "core/data/imageloader.h"
#include "core/ml/errortext.h"
#include "core/ml/export.h"
#include "core/ml/session_p.h"
#include "core/ml/teacher.h"

#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/runtime/interpreter.h>
#include <torch/script.h>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTemporaryDir>

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace fopro::ml {

using detail::firstLine;
using detail::qs;

struct GradCam::Impl {
    QStringList classNames; // empty: a teacher (score = ‖GAP(A)‖²)
    QString description, layer;
    int inputSize = 224;
    data::ResizePolicy resize = data::ResizePolicy::Stretch;
    bool normalise = false;
    std::array<float, 3> mean{}, std{};
    std::function<torch::Tensor(const torch::Tensor &)> head; // 1×3×S×S → 1×K×h×w
    std::function<torch::Tensor(const torch::Tensor &)> tail; // A → 1×C logits; unset for a teacher

    torch::Tensor prepare(const cv::Mat &rgb8) const;
    cv::Mat toImage(const torch::Tensor &cam, const cv::Size &image) const;
};

namespace {

/// "stretch" / "crop" / "letterbox" (ExportedModel validated it).
data::ResizePolicy policyFromName(const QString &name)
{
    return data::resizePolicyFromName(name).value_or(data::ResizePolicy::ShorterSideCrop);
}

/// The rectangle of the S×S network input that shows the image (the rest is letterbox padding).
cv::Rect contentRect(data::ResizePolicy policy, const cv::Size &image, int s)
{
    if (policy != data::ResizePolicy::Letterbox) return {0, 0, s, s};
    const double scale = double(s) / double(std::max(image.width, image.height));
    const int nw = std::clamp(int(std::lround(image.width * scale)), 1, s);
    const int nh = std::clamp(int(std::lround(image.height * scale)), 1, s);
    return {(s - nw) / 2, (s - nh) / 2, nw, nh};
}

/// The head and tail of a student exported as TorchScript (export.cpp's module layout).
void splitStudent(GradCam::Impl &impl, torch::jit::Module module, bool imagenetStem)
{
    auto shared = std::make_shared<torch::jit::Module>(std::move(module));
    const auto call = [shared](const char *name, const torch::Tensor &x) {
        return shared->attr(name).toModule().forward({x}).toTensor();
    };
    impl.head = [call, imagenetStem](const torch::Tensor &x) {
        torch::Tensor a = torch::relu(call("bn1", call("conv1", x)));
        if (imagenetStem) a = torch::max_pool2d(a, {3, 3}, {2, 2}, {1, 1});
        for (const char *stage : {"layer1", "layer2", "layer3", "layer4"})
            a = call(stage, a);
        return a;
    };
    impl.tail = [call](const torch::Tensor &a) {
        return call("fc", torch::flatten(torch::adaptive_avg_pool2d(a, {1, 1}), 1));
    };
    impl.layer = QStringLiteral("layer4");
}

/// The tensor-valued outputs of the top-level nodes of a graph that compute something (not the
/// module's parameters and buffers, not constants), in order.
std::vector<torch::jit::Value *> tensorValues(torch::jit::Graph &graph)
{
    std::vector<torch::jit::Value *> values;
    for (torch::jit::Node *node : graph.nodes())
        if (node->kind() != c10::prim::GetAttr && node->kind() != c10::prim::Constant)
            for (torch::jit::Value *v : node->outputs())
                if (v->type()->kind() == c10::TypeKind::TensorType) values.push_back(v);
    return values;
}

/// Runs `graph` (first input: the module) on x; its outputs.
std::vector<torch::jit::IValue> runGraph(const std::shared_ptr<torch::jit::Graph> &graph,
                                         const torch::jit::Module &module, const torch::Tensor &x)
{
    torch::jit::Code code(graph, "fopro_gradcam");
    torch::jit::Stack stack{module._ivalue(), x};
    torch::jit::InterpreterState(code).run(stack);
    return {stack.begin(), stack.end()};
}

/// A TorchScript teacher's head: its forward graph cut at the last 4-D activation larger than 1×1
/// (found by running the whole graph once on `probe` with every activation as an output).
Result<void> splitScriptTeacher(GradCam::Impl &impl, torch::jit::Module module, const torch::Tensor &probe,
                                const QString &file)
{
    auto inlined = module.get_method("forward").graph()->copy();
    torch::jit::Inline(*inlined);
    auto all = inlined->copy();
    for (torch::jit::Value *v : tensorValues(*all))
        all->registerOutput(v);
    std::vector<torch::jit::IValue> outputs;
    {
        torch::NoGradGuard noGrad;
        outputs = runGraph(all, module, probe);
    }
    const size_t first = all->outputs().size() - tensorValues(*all).size();
    int chosen = -1;
    for (size_t i = first; i < outputs.size(); ++i) {
        const torch::Tensor t = outputs[i].toTensor();
        if (t.dim() == 4 && t.size(2) * t.size(3) > 1) chosen = int(i - first);
    }
    if (chosen < 0)
        return makeError(ErrorCode::InvalidArgument, file,
                         QStringLiteral("the module computes no 4-D activation larger than 1x1 to explain"));
    auto cut = inlined->copy();
    torch::jit::Value *a = tensorValues(*cut)[size_t(chosen)];
    while (cut->outputs().size() > 0)
        cut->eraseOutput(0);
    cut->registerOutput(a);
    torch::jit::EliminateDeadCode(cut);
    impl.layer = qs(a->node()->kind().toQualString()) + QStringLiteral(" → %") + qs(a->debugName());
    auto shared = std::make_shared<torch::jit::Module>(std::move(module));
    impl.head = [cut, shared](const torch::Tensor &x) { return runGraph(cut, *shared, x).front().toTensor(); };
    return {};
}

/// A TF.js teacher truncated at `layer` (its output flattened in Keras' H, W, C order) → NCHW.
Result<void> splitTfjsTeacher(GradCam::Impl &impl, const QString &modelJson, QString layer, int side)
{
    auto layers = listTfjsLayers(modelJson, side);
    if (!layers) return layers.error();
    const TeacherLayer *found = nullptr;
    for (const TeacherLayer &l : *layers) {
        const bool spatial = l.outputShape.size() == 4 && l.outputShape[1] * l.outputShape[2] > 1;
        if (layer.isEmpty() ? spatial : l.name == layer) found = &l;
    }
    if (!found)
        return makeError(layer.isEmpty() ? ErrorCode::InvalidArgument : ErrorCode::NotFound, modelJson,
                         layer.isEmpty() ? QStringLiteral("the model has no 4-D layer output larger than 1x1")
                                         : QStringLiteral("no layer named '%1'").arg(layer));
    if (found->outputShape.size() != 4)
        return makeError(
            ErrorCode::InvalidArgument, modelJson,
            QStringLiteral("layer '%1' (%2) has no 4-D output to explain").arg(found->name, found->className));
    auto teacher = Teacher::loadTfjs(modelJson.toStdString(), found->name.toStdString(), false);
    if (!teacher) return teacher.error();
    const Teacher sized = teacher->withInputSize(side);
    const std::vector<std::int64_t> shape = found->outputShape; // {-1, H, W, C}
    impl.head = [sized, shape](const torch::Tensor &x) {
        return sized.forward(x).view({x.size(0), shape[1], shape[2], shape[3]}).permute({0, 3, 1, 2}).contiguous();
    };
    impl.layer = found->name;
    return {};
}

/// The side, mean and std of a TorchScript teacher: its sidecar (inputSize, mean, std) when present.
void readScriptSidecar(GradCam::Impl &impl, const QString &file, int inputSize)
{
    impl.mean = {0.485f, 0.456f, 0.406f};
    impl.std = {0.229f, 0.224f, 0.225f};
    int declared = 0;
    QFile f(exportSidecarPath(file));
    if (f.open(QIODevice::ReadOnly)) {
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        declared = o.value(QStringLiteral("inputSize")).toInt(0);
        const QJsonArray m = o.value(QStringLiteral("mean")).toArray(), s = o.value(QStringLiteral("std")).toArray();
        for (int c = 0; c < 3 && m.size() == 3 && s.size() == 3; ++c) {
            impl.mean[size_t(c)] = float(m[c].toDouble());
            impl.std[size_t(c)] = float(s[c].toDouble());
        }
    }
    impl.inputSize = inputSize > 0 ? inputSize : declared > 0 ? declared : 224;
    impl.normalise = true;
}

} // namespace

torch::Tensor GradCam::Impl::prepare(const cv::Mat &rgb8) const
{
    const cv::Mat resized = data::resizeImage(rgb8, data::ResizeSpec{inputSize, resize});
    const auto s = int64_t(inputSize);
    torch::Tensor x = torch::from_blob(const_cast<uchar *>(resized.ptr<uchar>()), {s, s, 3}, torch::kUInt8)
                          .permute({2, 0, 1})
                          .to(torch::kFloat32)
                          .div(255.0f);
    if (normalise) {
        const torch::Tensor m = torch::tensor({mean[0], mean[1], mean[2]}).view({3, 1, 1});
        const torch::Tensor d = torch::tensor({std[0], std[1], std[2]}).view({3, 1, 1});
        x = (x - m) / d;
    }
    return x.unsqueeze(0).contiguous();
}

cv::Mat GradCam::Impl::toImage(const torch::Tensor &cam, const cv::Size &image) const
{
    const torch::Tensor c = cam.to(torch::kFloat32).contiguous();
    const cv::Mat low(int(c.size(0)), int(c.size(1)), CV_32F, const_cast<float *>(c.data_ptr<float>()));
    cv::Mat input;
    cv::resize(low, input, cv::Size(inputSize, inputSize), 0, 0, cv::INTER_LINEAR);
    cv::Mat heat = cv::Mat::zeros(image, CV_32F);
    if (resize == data::ResizePolicy::ShorterSideCrop) {
        const int side = std::min(image.width, image.height);
        const cv::Rect square((image.width - side) / 2, (image.height - side) / 2, side, side);
        cv::Mat part;
        cv::resize(input, part, square.size(), 0, 0, cv::INTER_LINEAR);
        part.copyTo(heat(square));
    } else {
        cv::resize(input(contentRect(resize, image, inputSize)), heat, image, 0, 0, cv::INTER_LINEAR);
    }
    cv::max(heat, 0.0, heat);
    double top = 0;
    cv::minMaxLoc(heat, nullptr, &top);
    if (top > 0) heat /= top;
    return heat;
}

GradCam::GradCam(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}
GradCam::~GradCam() = default;

Result<GradCam> GradCam::forExportedModel(const QString &modelFile)
{
    auto exported = ExportedModel::load(modelFile);
    if (!exported) return exported.error();
    try {
        auto impl = std::make_shared<Impl>();
        impl->classNames = exported->classNames();
        impl->inputSize = exported->inputSize();
        impl->resize = policyFromName(exported->resizePolicy());
        impl->normalise = true;
        impl->mean = exported->mean();
        impl->std = exported->std();
        torch::jit::Module module = torch::jit::load(modelFile.toStdString());
        module.eval();
        splitStudent(*impl, std::move(module), exported->architecture() == QLatin1String("resnet18"));
        impl->description = QStringLiteral("Student %1 (%2, %3 classes, %4 px), Grad-CAM at layer4")
                                .arg(QFileInfo(modelFile).fileName(), exported->architecture())
                                .arg(impl->classNames.size())
                                .arg(impl->inputSize);
        return GradCam(std::move(impl));
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, modelFile, qs("cannot prepare Grad-CAM: " + firstLine(e)));
    }
}

Result<GradCam> GradCam::forRun(const QString &runDir)
{
    auto run = project::RunFolder::open(runDir);
    if (!run) return run.error();
    auto config = TrainConfig::load(run->configFile());
    if (!config) return config.error();
    const QStringList classNames = run->classNames();
    if (classNames.size() < 2)
        return makeError(ErrorCode::Malformed, run->configFile(), QStringLiteral("the run records no class names"));
    if (!QFileInfo::exists(run->bestCheckpoint()))
        return makeError(ErrorCode::NotFound, run->bestCheckpoint(),
                         QStringLiteral("the run has no finished epoch yet"));
    QTemporaryDir tmp;
    if (!tmp.isValid()) return makeError(ErrorCode::WriteFailed, tmp.path(), tmp.errorString());
    try {
        auto student = Student::create(studentConfigFor(*config, int(classNames.size())));
        if (!student) return student.error();
        if (auto r = student->loadParameters(run->bestCheckpoint().toStdString()); !r) return r.error();
        student->eval();
        ExportInfo info;
        info.classNames = classNames;
        info.inputSize = config->imageSize;
        info.mean = config->mean;
        info.std = config->std;
        info.resizePolicy = config->resizePolicy;
        const QString file = tmp.filePath(QStringLiteral("model.pt"));
        if (auto r = exportTorchScript(*student, info, file); !r) return r.error();
        auto cam = forExportedModel(file);
        if (!cam) return cam.error();
        auto impl = std::make_shared<Impl>(*cam->m_impl);
        impl->description = QStringLiteral("Best student of run %1 (%2 classes, %3 px), Grad-CAM at layer4")
                                .arg(run->name())
                                .arg(classNames.size())
                                .arg(impl->inputSize);
        return GradCam(std::move(impl));
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, runDir, qs("cannot prepare Grad-CAM: " + firstLine(e)));
    }
}

Result<GradCam> GradCam::forTeacher(const QString &teacherPath, const QString &layer, int inputSize)
{
    auto source = resolveTeacher(teacherPath);
    if (!source) return source.error();
    auto impl = std::make_shared<Impl>();
    impl->resize = data::ResizePolicy::Stretch;
    try {
        if (source->kind == TeacherKind::TfjsLayers) {
            auto teacher = loadTeacher(*source, {});
            if (!teacher) return teacher.error();
            impl->inputSize = inputSize > 0 ? inputSize : teacher->inputSize() > 0 ? teacher->inputSize() : 224;
            if (auto r = splitTfjsTeacher(*impl, source->file, layer, impl->inputSize); !r) return r.error();
        } else {
            if (!layer.isEmpty())
                return makeError(ErrorCode::InvalidArgument, source->file,
                                 QStringLiteral("a TorchScript teacher is explained at its last 4-D activation; "
                                                "leave the layer empty"));
            readScriptSidecar(*impl, source->file, inputSize);
            torch::jit::Module module = torch::jit::load(source->file.toStdString());
            module.eval();
            const cv::Mat grey(impl->inputSize, impl->inputSize, CV_8UC3, cv::Scalar(128, 128, 128));
            if (auto r = splitScriptTeacher(*impl, std::move(module), impl->prepare(grey), source->file); !r)
                return r.error();
        }
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Malformed, source->file, qs("cannot prepare Grad-CAM: " + firstLine(e)));
    }
    impl->description = QStringLiteral("Teacher %1 (%2 px), Grad-CAM of the pooled feature's squared norm at %3")
                            .arg(QFileInfo(source->file).fileName())
                            .arg(impl->inputSize)
                            .arg(impl->layer);
    return GradCam(std::move(impl));
}

Result<GradCamResult> GradCam::explain(const cv::Mat &rgb8, int targetClass) const
{
    if (rgb8.empty() || rgb8.type() != CV_8UC3)
        return makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("Grad-CAM needs an 8-bit RGB image"));
    const int classes = int(m_impl->classNames.size());
    if (classes == 0 ? targetClass != -1 : (targetClass < -1 || targetClass >= classes))
        return makeError(ErrorCode::InvalidArgument, {},
                         classes == 0 ? QStringLiteral("a teacher has no classes: the target must be -1")
                                      : QStringLiteral("class %1 is outside 0..%2").arg(targetClass).arg(classes - 1));
    return callGuarded(
        [&]() -> Result<GradCamResult> {
            torch::Tensor a;
            {
                torch::NoGradGuard noGrad;
                a = m_impl->head(m_impl->prepare(rgb8));
            }
            torch::AutoGradMode grad(true);
            a = a.detach().requires_grad_(true);
            GradCamResult out;
            out.layer = m_impl->layer;
            torch::Tensor score;
            if (classes > 0) {
                const torch::Tensor logits = m_impl->tail(a);
                const torch::Tensor p = torch::softmax(logits.detach(), 1).contiguous();
                out.probabilities.assign(p.data_ptr<float>(), p.data_ptr<float>() + classes);
                out.predictedClass = int(p.argmax(1).item<int64_t>());
                out.explainedClass = targetClass < 0 ? out.predictedClass : targetClass;
                score = logits[0][out.explainedClass];
            } else {
                score = a.mean({2, 3}).pow(2).sum();
            }
            const torch::Tensor g = torch::autograd::grad({score}, {a}).front();
            const torch::Tensor w = g.mean({2, 3}, true);
            const torch::Tensor cam = torch::relu((w * a.detach()).sum(1)).squeeze(0);
            out.heat = m_impl->toImage(cam, rgb8.size());
            return out;
        },
        QStringLiteral("Grad-CAM"));
}

QStringList GradCam::classNames() const
{
    return m_impl->classNames;
}

QString GradCam::description() const
{
    return m_impl->description;
}

QString GradCam::layer() const
{
    return m_impl->layer;
}

int GradCam::inputSize() const
{
    return m_impl->inputSize;
}

bool GradCam::hasClasses() const
{
    return !m_impl->classNames.isEmpty();
}

cv::Mat overlayHeat(const cv::Mat &rgb8, const cv::Mat &heat, double opacity, HeatColourMap colours)
{
    if (heat.empty() || rgb8.empty()) return rgb8.clone();
    cv::Mat h;
    if (heat.size() != rgb8.size())
        cv::resize(heat, h, rgb8.size(), 0, 0, cv::INTER_LINEAR);
    else
        h = heat;
    cv::Mat grey;
    h.convertTo(grey, CV_8U, 255.0); // saturates outside [0,1]
    cv::Mat coloured;
    cv::applyColorMap(grey, coloured, colours == HeatColourMap::Viridis ? cv::COLORMAP_VIRIDIS : cv::COLORMAP_JET);
    cv::cvtColor(coloured, coloured, cv::COLOR_BGR2RGB);
    const double a = std::clamp(opacity, 0.0, 1.0);
    cv::Mat out;
    cv::addWeighted(rgb8, 1.0 - a, coloured, a, 0.0, out);
    return out;
}

} // namespace fopro::ml
