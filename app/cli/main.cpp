// fopro: the headless command-line tool. Everything here runs without a display.

#include "app/cli/clioutput.h"
#include "app/cli/commands.h"
#include "core/common/allocator.h"
#include "core/common/librarymessages.h"
#include "core/ml/torchinfo.h"

#include <QtCore/QCoreApplication>

#include <opencv2/core/version.hpp>

#include <cstring>

using namespace fopro::cli;

namespace {

const char *kUsage =
    "Usage: fopro <command> [options]\n"
    "\n"
    "FoPro-KD Studio, headless. Commands:\n"
    "  dataset inspect PATH     format, images, classes sorted by count, imbalance, head/medium/tail,\n"
    "                           problems (unreadable files, duplicates, empty classes)\n"
    "  dataset split PATH       stratified, group-aware train/val/test or k-fold splits\n"
    "  dataset longtail PATH    long-tailed sub-sampling by imbalance factor (ISIC-2019-LT rule)\n"
    "  dataset dedup PATH       exact and near-duplicate images, within and across splits\n"
    "  train                    trains a student (any strategy: ce ... fopro_kd) into a run folder;\n"
    "                           --resume RUN continues a stopped run; --estimate times a few steps and\n"
    "                           predicts duration and disk use; --events is the GUI's worker mode\n"
    "  eval RUN                 evaluates a run's best student on its test (or val) split\n"
    "  eval PACKAGE             verifies a study package's hashes and re-runs its model on the test split\n"
    "  package RUN OUT          writes a study package (config, manifest + SHA-256, model, results)\n"
    "  export RUN               exports a run's best student as TorchScript + JSON sidecar\n"
    "  predict MODEL IMAGES...  classifies images with an exported model, writes a CSV\n"
    "  probe TEACHER DATASET    frequency preference probe of a teacher (radial bands)\n"
    "  teacher inspect PATH     a teacher's layers, input size, feature size and ms/image\n"
    "  demo                     the headless demo on Debian's Fashion-MNIST (not medical data):\n"
    "                           long tail, checks, FoPro-KD vs Balanced Softmax, the learned prompt\n"
    "  version                  versions of the product and its libraries\n"
    "\n"
    "Messages the libraries print themselves (libpng, libjpeg, LibTorch, OpenCV, Qt warnings) go to the\n"
    "log file ($FOPRO_LOG, default ~/.local/state/fopro/fopro.log); add --verbose to any command to see\n"
    "them on the terminal as well.\n"
    "\n"
    "PATH is a dataset as it comes (a folder per class, HyperKvasir, ISIC 2019, ISIC-2019-LT split\n"
    "files, HAM10000, a CSV with path and label columns, IDX files, DICOM files or folders) or a saved\n"
    "manifest (.json). Run 'fopro <command> --help' for the options of a command.\n";

int version()
{
    const auto torch = fopro::ml::torchInfo();
    out() << "FoPro-KD Studio " << FOPRO_VERSION << "\n"
          << "Qt " << qVersion() << ", OpenCV " << CV_VERSION << ", LibTorch " << QString::fromStdString(torch.version)
          << " (" << torch.intraOpThreads << " intra-op thread(s))\n";
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    fopro::reuseLargeBuffers();
    // --verbose (any position, any command) also shows the libraries' own messages on the terminal;
    // without it they go to the log file only (fopro::libraryLogFile()).
    bool verbose = false;
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--verbose") == 0) verbose = true;
    fopro::routeLibraryMessages(QStringLiteral("fopro"), verbose);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("fopro"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FOPRO_VERSION));
    QStringList args = app.arguments().mid(1);
    args.removeAll(QStringLiteral("--verbose"));
    if (args.isEmpty() || args.front() == QLatin1String("--help") || args.front() == QLatin1String("-h") ||
        args.front() == QLatin1String("help")) {
        out() << kUsage;
        return args.isEmpty() ? 2 : 0;
    }
    const QString command = args.takeFirst();
    if (command == QLatin1String("version") || command == QLatin1String("--version")) return version();
    if (command == QLatin1String("demo")) return demo(args);
    if (command == QLatin1String("train")) return train(args);
    if (command == QLatin1String("eval")) return namesStudyPackage(args) ? evaluatePackage(args) : evaluate(args);
    if (command == QLatin1String("package")) return package(args);
    if (command == QLatin1String("export")) return exportModel(args);
    if (command == QLatin1String("predict")) return predict(args);
    if (command == QLatin1String("probe")) return probe(args);
    if (command == QLatin1String("teacher")) return teacher(args);
    if (command == QLatin1String("dataset")) {
        if (args.isEmpty() || args.front() == QLatin1String("--help") || args.front() == QLatin1String("-h")) {
            out() << "Usage: fopro dataset <inspect|split|longtail|dedup> PATH [options]\n"
                     "Run 'fopro dataset <subcommand> --help' for its options.\n";
            return args.isEmpty() ? 2 : 0;
        }
        const QString sub = args.takeFirst();
        if (sub == QLatin1String("inspect")) return datasetInspect(args);
        if (sub == QLatin1String("split")) return datasetSplit(args);
        if (sub == QLatin1String("longtail")) return datasetLongTail(args);
        if (sub == QLatin1String("dedup")) return datasetDedup(args);
        return fail(
            QStringLiteral("unknown dataset subcommand '%1' (expected inspect, split, longtail or dedup)").arg(sub), 2);
    }
    return fail(QStringLiteral("unknown command '%1' (run 'fopro --help')").arg(command), 2);
}
