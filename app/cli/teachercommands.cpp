// fopro teacher inspect: what a teacher is made of (its layers), what it gives (the feature size at
// a layer) and what it costs (milliseconds per image), to choose --teacher-layer and --teacher-size.

#include "app/cli/cliargs.h"
#include "app/cli/clioutput.h"
#include "app/cli/commands.h"
#include "core/jobs/runjob.h"
#include "core/ml/teacher.h"
#include "core/project/demo.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

#include <algorithm>

namespace fopro::cli {

namespace {

/// "(None, 112, 112, 32)", as Keras prints shapes; "?" when unknown.
QString shapeText(const std::vector<std::int64_t> &shape)
{
    if (shape.empty()) return QStringLiteral("?");
    QStringList parts;
    for (std::int64_t d : shape)
        parts << (d < 0 ? QStringLiteral("None") : QString::number(d));
    return QLatin1Char('(') + parts.join(QStringLiteral(", ")) + QLatin1Char(')');
}

struct Inspection {
    ml::TeacherSource source;
    std::vector<ml::TeacherLayer> layers; ///< TF.js only
    QString layer;                        ///< the feature layer (empty: the model's output)
    QString suggested;
    int shapesAt = 0; ///< the input side of the listed shapes
};

QJsonObject inspectionJson(const Inspection &in, const ml::Teacher &teacher)
{
    QJsonArray layers;
    for (const ml::TeacherLayer &l : in.layers) {
        QJsonArray shape;
        for (std::int64_t d : l.outputShape)
            shape.append(d < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(double(d)));
        layers.append(QJsonObject{{"name", l.name}, {"class", l.className}, {"outputShape", shape}});
    }
    return QJsonObject{{"path", in.source.file},
                       {"kind", ml::teacherKindName(in.source.kind)},
                       {"description", QString::fromStdString(teacher.description())},
                       {"inputSize", teacher.inputSize()},
                       {"featureDim", teacher.featureDim()},
                       {"secondsPerImage", teacher.secondsPerImage()},
                       {"msPerImage", teacher.secondsPerImage() * 1000.0},
                       {"layer", in.layer},
                       {"suggestedLayer", in.suggested},
                       {"layers", layers}};
}

void printInspection(const Inspection &in, const ml::Teacher &teacher)
{
    const int side = teacher.inputSize();
    out() << "Teacher     " << QString::fromStdString(teacher.description()) << "\n"
          << "File        " << QDir::toNativeSeparators(in.source.file) << " (" << ml::teacherKindName(in.source.kind)
          << ")\n"
          << "Input       " << (side > 0 ? QStringLiteral("%1x%1 RGB").arg(side) : QStringLiteral("any size")) << "\n"
          << "Feature     " << (in.layer.isEmpty() ? QStringLiteral("the model's output") : in.layer) << ": "
          << teacher.featureDim() << " values, " << QString::number(teacher.secondsPerImage() * 1000.0, 'f', 1)
          << " ms per image" << (side > 0 ? QStringLiteral(" at %1x%1").arg(side) : QString()) << "\n";
    if (!in.suggested.isEmpty())
        out() << "Suggested   --teacher-layer " << in.suggested
              << " (the demo teacher's ImageNet part: the layers after it were fine-tuned on other data)\n";
    if (in.source.kind != ml::TeacherKind::TfjsLayers) {
        out() << "Layers      not listed for TorchScript teachers: the output of forward() is the feature\n";
        return;
    }
    out() << "Layers      " << in.layers.size() << ", output shapes for a " << in.shapesAt << "x" << in.shapesAt
          << " input:\n\n";
    TextTable t({QStringLiteral("#"), QStringLiteral("layer"), QStringLiteral("class"), QStringLiteral("output shape"),
                 QString()});
    t.setRightAligned(0);
    int i = 0;
    for (const ml::TeacherLayer &l : in.layers) {
        QStringList marks;
        if (!in.layer.isEmpty() && l.name == in.layer) marks << QStringLiteral("feature");
        if (!in.suggested.isEmpty() && l.name == in.suggested) marks << QStringLiteral("suggested");
        t.addRow({QString::number(++i), l.name, l.className, shapeText(l.outputShape),
                  marks.isEmpty() ? QString() : QStringLiteral("<- ") + marks.join(QStringLiteral(", "))});
    }
    out() << t.render();
}

int inspect(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Inspects a teacher: a TF.js layers model's layers (name, class and output shape, in order), its input\n"
        "size, and at the chosen feature layer the feature dimension and the milliseconds per image (batch of\n"
        "one). For the built-in demo teacher it names the layer the demo trains with (suggestedLayer).\n\n"
        "  fopro teacher inspect .cache/assets/teachers/mobilenet_v2 --layer block_10_project_BN --size 64"));
    p.addPositionalArgument(QStringLiteral("PATH"),
                            QStringLiteral("TF.js model.json (or its folder), or a TorchScript file."));
    p.addOptions({
        {QStringLiteral("layer"), QStringLiteral("TF.js: the feature layer (default: the model's output)."),
         QStringLiteral("name")},
        {QStringLiteral("size"),
         QStringLiteral("Input side in pixels the teacher is measured at (default: its own, else 224)."),
         QStringLiteral("N")},
        {QStringLiteral("json"), QStringLiteral("One JSON object on stdout.")},
    });
    if (int rc = parseArgs(p, args, QStringLiteral("teacher inspect"), 1); rc >= 0) return rc;
    int size = 0;
    if (!readInt(p, QStringLiteral("size"), 0, 0, &size)) return 2;
    Inspection in;
    auto source = ml::resolveTeacher(QFileInfo(p.positionalArguments().front()).absoluteFilePath());
    if (!source) return fail(source.error());
    in.source = *source;
    in.layer = p.value(QStringLiteral("layer"));
    const bool tfjs = in.source.kind == ml::TeacherKind::TfjsLayers;
    if (!tfjs && !in.layer.isEmpty()) return fail(QStringLiteral("--layer applies to TF.js teachers only"), 2);
    if (tfjs) {
        auto layers = ml::listTfjsLayers(in.source.file, size);
        if (!layers) return fail(layers.error());
        in.layers = std::move(layers).value();
        const auto named = [&](const QString &name) {
            return std::any_of(in.layers.begin(), in.layers.end(), [&](const auto &l) { return l.name == name; });
        };
        if (!in.layer.isEmpty() && !named(in.layer))
            return fail(
                makeError(ErrorCode::NotFound, in.source.file,
                          QStringLiteral("no layer named '%1' (run without --layer to list them)").arg(in.layer)));
        if (project::isDemoTeacher(in.source.file) && named(project::demoTeacherLayer()))
            in.suggested = project::demoTeacherLayer();
    }
    ml::TeacherOptions options;
    options.outputLayer = in.layer;
    options.inputSize = size;
    auto loaded = ml::loadTeacher(in.source, options);
    if (!loaded) return fail(loaded.error());
    auto resized = callGuarded([&] { // the dry run at another size may fail (a Dense layer after Flatten, ...)
        return size > 0 && loaded->inputSize() != size ? loaded->withInputSize(size) : *loaded;
    });
    if (!resized)
        return fail(
            makeError(ErrorCode::Unsupported, in.source.file,
                      QStringLiteral("the %1 does not run on %2x%2 images (%3); choose an earlier --layer")
                          .arg(in.layer.isEmpty() ? QStringLiteral("model") : QStringLiteral("layer ") + in.layer)
                          .arg(size)
                          .arg(resized.error().detail)));
    const ml::Teacher &teacher = *resized;
    in.shapesAt = size > 0 ? size : teacher.inputSize() > 0 ? teacher.inputSize() : 224;
    if (p.isSet(QStringLiteral("json")))
        out() << QJsonDocument(inspectionJson(in, teacher)).toJson(QJsonDocument::Compact) << "\n";
    else
        printInspection(in, teacher);
    return 0;
}

} // namespace

int teacher(const QStringList &args)
{
    QStringList rest = args;
    if (rest.isEmpty() || rest.front() == QLatin1String("--help") || rest.front() == QLatin1String("-h")) {
        out() << "Usage: fopro teacher inspect PATH [--layer NAME] [--size N] [--json]\n"
                 "Run 'fopro teacher inspect --help' for its options.\n";
        return rest.isEmpty() ? 2 : 0;
    }
    const QString sub = rest.takeFirst();
    if (sub == QLatin1String("inspect")) return inspect(rest);
    return fail(QStringLiteral("unknown teacher subcommand '%1' (expected inspect)").arg(sub), 2);
}

} // namespace fopro::cli
