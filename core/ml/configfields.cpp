#include "core/ml/configfields.h"

#include "core/ml/strategies.h"

#include <QtCore/QSet>

namespace fopro::ml {
namespace {

const QString kData = QStringLiteral("Data");
const QString kStudent = QStringLiteral("Student");
const QString kTeacher = QStringLiteral("Teacher");
const QString kLoss = QStringLiteral("Strategy and loss");
const QString kOptimiser = QStringLiteral("Optimiser");
const QString kPrompt = QStringLiteral("Fourier prompt");
const QString kAugment = QStringLiteral("Augmentation");
const QString kCompute = QStringLiteral("Compute");

/// A field builder, so that the table below reads one line per field.
struct F {
    ConfigField f;
    F(const QString &group, const char *key, const char *label, FieldKind kind, const char *help)
    {
        f.group = group;
        f.key = QString::fromLatin1(key);
        f.label = QString::fromUtf8(label);
        f.kind = kind;
        f.help = QString::fromUtf8(help);
    }
    F &range(double lo, double hi, int decimals = 3)
    {
        f.minimum = lo;
        f.maximum = hi;
        f.decimals = decimals;
        return *this;
    }
    F &log()
    {
        f.logScale = true;
        return *this;
    }
    F &choices(QStringList values, QStringList labels)
    {
        f.choices = std::move(values);
        f.choiceLabels = std::move(labels);
        return *this;
    }
    F &advanced()
    {
        f.advanced = true;
        return *this;
    }
    operator ConfigField() const { return f; }
};

constexpr FieldKind Int = FieldKind::Integer;
constexpr FieldKind Num = FieldKind::Number;
constexpr FieldKind Bool = FieldKind::Boolean;
constexpr FieldKind Choice = FieldKind::Choice;

std::vector<ConfigField> dataAndModelFields()
{
    return {
        F(kData, "dataset", "Dataset", FieldKind::Folder,
          "The dataset manifest (dataset.json, e.g. written by 'fopro dataset split') or a project folder."),
        F(kData, "imageSize", "Image size", Int, "Side in pixels of the square images the student sees.")
            .range(8, 1024, 0),
        F(kData, "resizePolicy", "Resize", Choice, "How an image becomes square: centre crop, stretch, or letterbox.")
            .choices({"crop", "stretch", "letterbox"}, {"Centre crop", "Stretch", "Letterbox"}),
        F(kData, "sampler", "Sampler", Choice,
          "Order of the training images: shuffled, or class-balanced (every class equally often).")
            .choices({"shuffle", "class_balanced"}, {"Shuffle", "Class-balanced"}),
        F(kData, "many", "Head above", Int, "Head classes have more training images than this.")
            .range(0, 1000000, 0)
            .advanced(),
        F(kData, "few", "Tail below", Int, "Tail classes have fewer training images than this.")
            .range(0, 1000000, 0)
            .advanced(),
        F(kData, "mean", "Mean", FieldKind::Triple, "Per-channel mean subtracted from the student's input (RGB).")
            .advanced(),
        F(kData, "std", "Std", FieldKind::Triple, "Per-channel standard deviation dividing the student's input (RGB).")
            .advanced(),
        F(kStudent, "student.architecture", "Network", Choice,
          "ResNet-18 (torchvision layout, for 224 px images) or the CIFAR ResNet (3×3 stem, for small images).")
            .choices({"resnet18", "cifar_resnet"}, {"ResNet-18", "CIFAR ResNet"}),
        F(kStudent, "student.widthMultiplier", "Width", Num,
          "Multiplies the channels of every stage (1 = 64/128/256/512).")
            .range(0.05, 4, 2),
        F(kStudent, "student.cifarBlocks", "Blocks per stage", FieldKind::Blocks,
          "CIFAR ResNet: residual blocks in each of the four stages (ResNet-18 always has 2,2,2,2)."),
        F(kStudent, "studentInit", "Initial weights", FieldKind::File,
          "Optional starting weights (TorchScript or saved parameters); the classifier is kept when its shape differs.")
            .advanced(),
        F(kStudent, "freezeBatchNorm", "Freeze batch norm", Bool,
          "Batch norm keeps its running statistics while training (for fine-tuning from initial weights with small "
          "batches per process); off: batch statistics.")
            .advanced(),
        F(kTeacher, "teacher.kind", "Kind", Choice, "A TF.js layers model (model.json) or a TorchScript file.")
            .choices({"tfjs", "torchscript"}, {"TF.js layers model", "TorchScript"}),
        F(kTeacher, "teacher.path", "Model", FieldKind::File,
          "The frozen pre-trained teacher: its model.json (or folder) or its TorchScript file."),
        F(kTeacher, "teacher.outputLayer", "Feature layer", FieldKind::Text,
          "TF.js: the layer whose pooled output is the teacher's feature (empty = the model's output)."),
        F(kTeacher, "teacher.inputSize", "Input size", Int,
          "Side the teacher sees: -1 its own size, 0 the student's, or a size in pixels.")
            .range(-1, 1024, 0),
        F(kTeacher, "teacher.cacheFeatures", "Cache features", Bool,
          "Compute the teacher's features once when its input does not change between epochs.")
            .advanced(),
        F(kTeacher, "teacher.mean", "Mean", FieldKind::Triple, "TorchScript teacher: input normalisation mean (RGB).")
            .advanced(),
        F(kTeacher, "teacher.std", "Std", FieldKind::Triple, "TorchScript teacher: input normalisation std (RGB).")
            .advanced(),
    };
}

std::vector<ConfigField> lossFields()
{
    QStringList ids, names;
    for (const StrategyInfo &s : strategies()) {
        ids << s.id;
        names << s.displayName;
    }
    return {
        F(kLoss, "strategy", "Strategy", Choice, "What the student learns from (see each strategy's description).")
            .choices(ids, names),
        F(kLoss, "focalGamma", "Focal γ", Num, "Focusing parameter of the focal loss.").range(0, 10, 2),
        F(kLoss, "cbBeta", "Class-balanced β", Num, "β of the effective number of samples (1 − βⁿ)/(1 − β).")
            .range(0.9, 0.999999, 6),
        F(kLoss, "ldamMaxMargin", "LDAM margin", Num, "Largest margin (for the rarest class).").range(0, 2, 2),
        F(kLoss, "ldamScale", "LDAM scale", Num, "Scale s of the cosine classifier.").range(1, 100, 1),
        F(kLoss, "laTau", "Logit adjustment τ", Num, "Weight of the log priors added to the logits.").range(0, 5, 2),
        F(kLoss, "kdTemperature", "KD temperature", Num, "Softmax temperature T of Hinton distillation.")
            .range(0.1, 20, 1),
        F(kLoss, "kdAlpha", "KD α", Num, "Weight of the distillation term: (1 − α)·CE + α·KD.").range(0, 1, 2),
        F(kLoss, "ekdLambda", "Feature loss λ", Num, "Weight of the feature-distillation loss (3 in EKD).")
            .range(0, 100, 2),
        F(kLoss, "ekdHiddenDim", "Projection width", Int, "Hidden width of the projection head (512 in EKD).")
            .range(1, 8192, 0)
            .advanced(),
        F(kLoss, "cbFeatureLoss", "Class-balanced feature loss", Bool,
          "Re-weight the feature loss by class in the last 20% of epochs."),
        F(kLoss, "cbFeatureBeta", "Feature loss β", Num, "β of the class-balanced feature loss.")
            .range(0.9, 0.999999, 6)
            .advanced(),
    };
}

std::vector<ConfigField> optimiserAndPromptFields()
{
    return {
        F(kOptimiser, "optimizer", "Optimiser", Choice, "Adam, or SGD with momentum.")
            .choices({"adam", "sgd"}, {"Adam", "SGD"}),
        F(kOptimiser, "lr", "Learning rate", Num, "Step size of the optimiser (3e-4 in EKD with Adam).")
            .range(1e-7, 10, 7)
            .log(),
        F(kOptimiser, "momentum", "Momentum", Num, "SGD momentum.").range(0, 0.999, 3),
        F(kOptimiser, "nesterov", "Nesterov", Bool, "SGD with Nesterov momentum."),
        F(kOptimiser, "weightDecay", "Weight decay", Num, "L2 penalty on the weights.").range(0, 1, 7).log(),
        F(kOptimiser, "schedule", "Schedule", Choice, "Learning rate over the epochs.")
            .choices({"constant", "cosine", "step"}, {"Constant", "Cosine", "Step"}),
        F(kOptimiser, "stepEpochs", "Step every", Int, "Step schedule: epochs between two decays.").range(1, 100000, 0),
        F(kOptimiser, "stepGamma", "Step factor", Num, "Step schedule: the factor of each decay.").range(0, 1, 3),
        F(kOptimiser, "warmupEpochs", "Warm-up epochs", Int, "Linear warm-up of the learning rate.")
            .range(0, 100000, 0),
        F(kOptimiser, "clipNorm", "Gradient clip", Num, "Largest gradient norm (5 in EKD); 0 = no clipping.")
            .range(0, 1000, 2),
        F(kOptimiser, "epochs", "Epochs", Int, "Passes over the training split.").range(1, 100000, 0),
        F(kOptimiser, "batchSize", "Batch size", Int, "Images per step (at least 2, for batch norm).")
            .range(2, 4096, 0),
        F(kPrompt, "prompt.mode", "Mode", Choice,
          "One global gain map for every image, or a small generator making a gain map per image.")
            .choices({"global", "conditional"}, {"Global", "Conditional"}),
        F(kPrompt, "prompt.update", "Update", Choice,
          "AKD: the prompt maximises the teacher–student disagreement (adversarial); explore minimises it.")
            .choices({"akd", "explore"}, {"Adversarial (AKD)", "Explore"}),
        F(kPrompt, "prompt.alpha", "Gain range α", Num, "The gain stays in (1 − α, 1 + α).").range(0.01, 0.99, 2),
        F(kPrompt, "prompt.bandRadius", "Band radius", Num,
          "Only frequencies below this fraction of Nyquist are prompted; 0 = the whole spectrum.")
            .range(0, 1.5, 2),
        F(kPrompt, "prompt.lr", "Prompt learning rate", Num, "Step size of the prompt's optimiser.")
            .range(1e-7, 10, 7)
            .log(),
        F(kPrompt, "prompt.regulariser", "Regulariser", Num, "Weight keeping the gain close to 1.")
            .range(0, 10, 7)
            .log(),
        F(kPrompt, "prompt.every", "Prompt step every", Int, "A prompt step every k student steps.").range(1, 1000, 0),
        F(kPrompt, "prompt.generatorWidth", "Generator width", Int, "Conditional prompt: hidden channels.")
            .range(1, 256, 0)
            .advanced(),
        F(kPrompt, "prompt.generatorGrid", "Generator grid", Int,
          "Conditional prompt: the log-amplitude is pooled to at most this size.")
            .range(4, 256, 0)
            .advanced(),
    };
}

std::vector<ConfigField> augmentAndComputeFields()
{
    return {
        F(kAugment, "augment.enabled", "Augment", Bool, "Random crops, flips and colour jitter while training."),
        F(kAugment, "augment.cropScaleMin", "Crop area from", Num,
          "Random resized crop: the kept area is at least this fraction; 1 = no crop.")
            .range(0.05, 1, 2),
        F(kAugment, "augment.horizontalFlip", "Horizontal flip", Bool, "Mirror left–right at random."),
        F(kAugment, "augment.verticalFlip", "Vertical flip", Bool,
          "Mirror top–bottom at random (sensible for dermoscopy, not for endoscopy)."),
        F(kAugment, "augment.brightness", "Brightness", Num, "Colour jitter: factors in [1 − b, 1 + b]; 0 = off.")
            .range(0, 0.99, 2),
        F(kAugment, "augment.contrast", "Contrast", Num, "Colour jitter of the contrast; 0 = off.").range(0, 0.99, 2),
        F(kAugment, "augment.saturation", "Saturation", Num, "Colour jitter of the saturation; 0 = off.")
            .range(0, 0.99, 2),
        F(kCompute, "seed", "Seed", Int, "Seed of every random choice: the same seed gives the same run.")
            .range(0, 2147483647, 0),
        F(kCompute, "device", "Device", Choice,
          "Where the networks run: auto (the CPU in this build), the CPU, or a CUDA GPU (not built here: refused "
          "with the reason).")
            .choices({"auto", "cpu", "cuda"}, {"Automatic", "CPU", "CUDA GPU"})
            .advanced(),
        F(kCompute, "threads", "Threads", Int, "Threads of the network computations; 0 = every core.").range(0, 256, 0),
        F(kCompute, "workers", "Loader threads", Int, "Threads decoding and augmenting images.").range(1, 64, 0),
        F(kCompute, "cacheMegabytes", "Image cache (MB)", Int, "Memory for decoded images.")
            .range(0, 1000000, 0)
            .advanced(),
        F(kCompute, "maxTrainBatches", "Batches per epoch", Int,
          "Stop every epoch after this many batches (quick trials); 0 = whole epochs.")
            .range(0, 1000000, 0),
        F(kCompute, "runDir", "Run folder", FieldKind::Folder, "Where the run is written (must not exist or be empty).")
            .advanced(),
    };
}

/// The strategy-specific keys: those some strategy's configFields name, with the strategies.
QHash<QString, QStringList> strategyFieldOwners()
{
    QHash<QString, QStringList> owners;
    for (const StrategyInfo &s : strategies())
        for (const QString &field : s.configFields)
            owners[field] << s.id;
    return owners;
}

std::vector<ConfigField> makeFields()
{
    std::vector<ConfigField> all;
    for (auto part : {dataAndModelFields(), lossFields(), optimiserAndPromptFields(), augmentAndComputeFields()})
        all.insert(all.end(), part.begin(), part.end());
    const QHash<QString, QStringList> owners = strategyFieldOwners();
    for (ConfigField &f : all) {
        const QString top = f.key.section(QLatin1Char('.'), 0, 0);
        if (owners.contains(f.key))
            f.strategies = owners.value(f.key);
        else if (owners.contains(top))
            f.strategies = owners.value(top);
    }
    std::stable_sort(all.begin(), all.end(), [](const ConfigField &a, const ConfigField &b) {
        return configGroups().indexOf(a.group) < configGroups().indexOf(b.group);
    });
    return all;
}

QString kindText(const ConfigField &f)
{
    const auto num = [](double v) { return QString::number(v, 'g', 7); };
    switch (f.kind) {
    case FieldKind::Integer:
        return QStringLiteral("integer %1..%2").arg(num(f.minimum), num(f.maximum));
    case FieldKind::Number:
        return QStringLiteral("number %1..%2").arg(num(f.minimum), num(f.maximum));
    case FieldKind::Boolean:
        return QStringLiteral("true|false");
    case FieldKind::Choice:
        return f.choices.join(QLatin1Char('|'));
    case FieldKind::Text:
        return QStringLiteral("text");
    case FieldKind::File:
        return QStringLiteral("file");
    case FieldKind::Folder:
        return QStringLiteral("path");
    case FieldKind::Blocks:
        return QStringLiteral("[a,b,c,d]");
    case FieldKind::Triple:
        return QStringLiteral("[r,g,b]");
    }
    return {};
}

} // namespace

const QStringList &configGroups()
{
    static const QStringList groups{kData, kStudent, kTeacher, kLoss, kOptimiser, kPrompt, kAugment, kCompute};
    return groups;
}

const std::vector<ConfigField> &configFields()
{
    static const std::vector<ConfigField> fields = makeFields();
    return fields;
}

const ConfigField *findConfigField(const QString &key)
{
    for (const ConfigField &f : configFields())
        if (f.key == key) return &f;
    return nullptr;
}

QJsonValue configValue(const QJsonObject &root, const QString &key)
{
    const QStringList path = key.split(QLatin1Char('.'));
    QJsonValue v = root;
    for (const QString &part : path) {
        if (!v.isObject()) return QJsonValue(QJsonValue::Undefined);
        v = v.toObject().value(part);
    }
    return v;
}

void setConfigValue(QJsonObject &root, const QString &key, const QJsonValue &value)
{
    const int dot = int(key.indexOf(QLatin1Char('.')));
    if (dot < 0) {
        root.insert(key, value);
        return;
    }
    const QString head = key.left(dot);
    QJsonObject child = root.value(head).toObject();
    setConfigValue(child, key.mid(dot + 1), value);
    root.insert(head, child);
}

QStringList configKeys(const QJsonObject &root)
{
    QStringList keys;
    for (auto it = root.begin(); it != root.end(); ++it) {
        if (it.value().isObject()) {
            for (const QString &sub : configKeys(it.value().toObject()))
                keys << it.key() + QLatin1Char('.') + sub;
        } else {
            keys << it.key();
        }
    }
    return keys;
}

bool fieldAppliesTo(const ConfigField &field, const QString &strategyId)
{
    return field.strategies.isEmpty() || field.strategies.contains(strategyId);
}

QString configFieldsHelp()
{
    QString text;
    int width = 0;
    for (const ConfigField &f : configFields())
        width = std::max(width, int(f.key.size()));
    for (const QString &group : configGroups()) {
        text += group + QLatin1Char('\n');
        for (const ConfigField &f : configFields()) {
            if (f.group != group) continue;
            QString line = QStringLiteral("  %1  %2 (%3)").arg(f.key, -width).arg(f.help, kindText(f));
            if (!f.strategies.isEmpty()) line += QStringLiteral(" [") + f.strategies.join(QStringLiteral(", ")) + ']';
            text += line + QLatin1Char('\n');
        }
        text += QLatin1Char('\n');
    }
    return text;
}

} // namespace fopro::ml
