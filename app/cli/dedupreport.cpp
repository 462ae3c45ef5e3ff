#include "app/cli/dedupreport.h"
#include "core/common/librarymessages.h"

#include "app/cli/clioutput.h"
#include "app/cli/commands.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <unistd.h>

namespace fopro::cli {

using namespace fopro::data;

Result<DedupReport> runDedup(const DatasetIndex &index, int threads, const DedupSettings &settings)
{
    DuplicateOptions o;
    o.threshold = settings.threshold;
    o.maxDifference = settings.maxDifference;
    o.nearDuplicates = settings.near;
    o.threads = threads;
    const bool tty = isatty(fileno(fopro::userErrorStream()));
    // At most ten updates per second; the throttle serialises the worker threads' reports.
    ProgressThrottle throttle([](const Progress &p) {
        std::fprintf(fopro::userErrorStream(), "\rChecking images: %lld / %lld", p.done, p.total);
        if (p.done == p.total) std::fprintf(fopro::userErrorStream(), "\r\033[K");
        std::fflush(fopro::userErrorStream());
    });
    if (tty) o.progress = throttle.sink();
    auto r = findDuplicates(index, o);
    if (!r) return r.error();
    DedupReport rep;
    rep.report = std::move(r).value();
    for (const DuplicateProblem &p : rep.report.problems)
        rep.unreadable.push_back({index.absolutePath(index.samples[std::size_t(p.sample)]), p.reason});
    return rep;
}

namespace {
QString describe(const DatasetIndex &d, int i)
{
    const Sample &s = d.samples[std::size_t(i)];
    return QStringLiteral("%1 [%2, %3]")
        .arg(s.id(), s.label >= 0 ? d.classes[s.label] : QStringLiteral("unlabelled"), splitName(s.split));
}
} // namespace

void printDedupSummary(const DatasetIndex &d, const DedupReport &rep, int examples)
{
    const DuplicateReport &r = rep.report;
    out() << "Duplicates  " << r.exactClusters << " exact and " << r.nearClusters << " near-duplicate cluster(s) among "
          << r.samplesChecked << " images; " << r.crossSplitClusters << " cross split boundaries (leakage), "
          << r.withinSplitClusters << " within a split\n";
    int shown = 0;
    // Leaks first: they matter most.
    for (int pass = 0; pass < 2; ++pass)
        for (const DuplicateCluster &c : r.clusters) {
            if (c.crossSplit != (pass == 0) || shown >= examples) continue;
            ++shown;
            out() << "  " << (c.exact ? "exact" : "near ") << (c.crossSplit ? " LEAK " : " ") << c.samples.size()
                  << " images: ";
            QStringList names;
            for (std::size_t k = 0; k < c.samples.size() && k < 3; ++k)
                names << describe(d, c.samples[k]);
            out() << names.join(QStringLiteral(", ")) << (c.samples.size() > 3 ? ", ..." : "") << "\n";
        }
    if (int(r.clusters.size()) > shown)
        out() << "  ... " << (r.clusters.size() - std::size_t(shown))
              << " more cluster(s) ('fopro dataset dedup' lists them all)\n";
}

QJsonObject dedupJson(const DatasetIndex &d, const DedupReport &rep)
{
    const DuplicateReport &r = rep.report;
    QJsonArray clusters;
    for (const DuplicateCluster &c : r.clusters) {
        QJsonArray members;
        for (int i : c.samples) {
            const Sample &s = d.samples[std::size_t(i)];
            members.append(QJsonObject{{QStringLiteral("sample"), s.id()},
                                       {QStringLiteral("class"), s.label >= 0 ? d.classes[s.label] : QString()},
                                       {QStringLiteral("split"), splitName(s.split)}});
        }
        clusters.append(QJsonObject{{QStringLiteral("exact"), c.exact},
                                    {QStringLiteral("crossSplit"), c.crossSplit},
                                    {QStringLiteral("members"), members}});
    }
    return QJsonObject{{QStringLiteral("checked"), r.samplesChecked},
                       {QStringLiteral("exactClusters"), r.exactClusters},
                       {QStringLiteral("nearClusters"), r.nearClusters},
                       {QStringLiteral("crossSplitClusters"), r.crossSplitClusters},
                       {QStringLiteral("withinSplitClusters"), r.withinSplitClusters},
                       {QStringLiteral("clusters"), clusters}};
}

int datasetDedup(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Finds exact duplicates (same file bytes / same pixels) and near duplicates (64-bit perceptual hash within\n"
        "a Hamming distance), and reports the clusters that cross split boundaries (leakage)."));
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    p.addPositionalArgument(QStringLiteral("PATH"), QStringLiteral("Dataset folder or file, or a saved manifest."));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help."));
    p.addOption(help);
    p.addOptions({
        {QStringLiteral("threshold"),
         QStringLiteral("Near duplicates: at most D differing hash bits, 0-64 (default 6)."), QStringLiteral("D")},
        {QStringLiteral("max-difference"),
         QStringLiteral("Near duplicates: 32x32 grey thumbnails differ by at most G grey levels on "
                        "average,\nbrightness shift removed, 0-255 (default 6)."),
         QStringLiteral("G")},
        {QStringLiteral("exact-only"), QStringLiteral("Only exact duplicates (image files are not decoded).")},
        {QStringLiteral("threads"), QStringLiteral("Hashing threads (default 2)."), QStringLiteral("N")},
        {QStringLiteral("json"), QStringLiteral("Print JSON.")},
        {QStringLiteral("format"), QStringLiteral("Force the importer (see 'fopro dataset inspect --help')."),
         QStringLiteral("id")},
    });
    if (!p.parse(QStringList{QStringLiteral("fopro dataset dedup")} + args))
        return fail(p.errorText() + QStringLiteral(" (see 'fopro dataset dedup --help')"), 2);
    if (p.isSet(help)) {
        out() << p.helpText();
        return 0;
    }
    if (p.positionalArguments().size() != 1)
        return fail(QStringLiteral("expected one PATH (see 'fopro dataset dedup --help')"), 2);
    bool ok = true;
    DedupSettings s;
    if (p.isSet(QStringLiteral("threshold"))) s.threshold = p.value(QStringLiteral("threshold")).toInt(&ok);
    if (!ok || s.threshold < 0 || s.threshold > 64)
        return fail(QStringLiteral("--threshold expects 0-64, got '%1'").arg(p.value(QStringLiteral("threshold"))), 2);
    if (p.isSet(QStringLiteral("max-difference")))
        s.maxDifference = p.value(QStringLiteral("max-difference")).toDouble(&ok);
    if (!ok || s.maxDifference < 0 || s.maxDifference > 255)
        return fail(QStringLiteral("--max-difference expects 0 to 255"), 2);
    s.near = !p.isSet(QStringLiteral("exact-only"));
    int threads = 2;
    if (p.isSet(QStringLiteral("threads"))) threads = p.value(QStringLiteral("threads")).toInt(&ok);
    if (!ok || threads < 1) return fail(QStringLiteral("--threads expects a whole number >= 1"), 2);

    ImportOptions io;
    io.format = p.value(QStringLiteral("format"));
    auto r = importDataset(QDir::cleanPath(QFileInfo(p.positionalArguments().front()).absoluteFilePath()), io);
    if (!r) return fail(r.error().message());
    auto rep = runDedup(r->index, threads, s);
    if (!rep) return fail(rep.error().message());
    if (p.isSet(QStringLiteral("json"))) {
        QJsonObject o = dedupJson(r->index, *rep);
        QJsonArray problems;
        for (const ImportProblem &pr : rep->unreadable)
            problems.append(QJsonObject{{QStringLiteral("file"), pr.file}, {QStringLiteral("reason"), pr.reason}});
        o[QStringLiteral("problems")] = problems;
        out() << QJsonDocument(o).toJson(QJsonDocument::Indented);
        return 0;
    }
    printDedupSummary(r->index, *rep, std::numeric_limits<int>::max());
    if (!rep->unreadable.empty()) {
        out() << "\nUnreadable (" << rep->unreadable.size() << "):\n";
        for (const ImportProblem &pr : rep->unreadable)
            out() << "  " << pr.file << ": " << pr.reason << "\n";
    }
    return 0;
}

} // namespace fopro::cli
