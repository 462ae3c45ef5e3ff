#include "core/spectral/classspectra.h"

#include "core/common/fileio.h"
#include "core/data/imageloader.h"
#include "core/spectral/spectrum.h"

#include <QtConcurrent/QtConcurrentMap>
#include <QtCore/QBuffer>
#include <QtCore/QCryptographicHash>
#include <QtCore/QDataStream>
#include <QtCore/QElapsedTimer>
#include <QtCore/QThread>
#include <QtCore/QThreadPool>

#include <opencv2/core.hpp>

#include <cmath>
#include <limits>

namespace fopro::spectral {

namespace {

constexpr quint32 kMagic = 0x46505350; // "FPSP"
constexpr quint32 kVersion = 1;
constexpr double kPriorImages = 10.0; // weight of the pooled spread in a class's spread

struct Item {
    int sample = -1;
    int label = -1;
    int split = 0;
};

struct Computed {
    cv::Mat logAmplitude; // CV_32F
    std::vector<double> profile;
    QString error;
};

/// Running sums of one (class, split) cell.
struct Accumulator {
    int count = 0;
    cv::Mat sum, sumSq; // CV_64F
    std::vector<double> profileSum, profileSumSq;

    void add(const Computed &c)
    {
        cv::Mat d;
        c.logAmplitude.convertTo(d, CV_64F);
        if (count == 0) {
            sum = cv::Mat::zeros(d.size(), CV_64F);
            sumSq = cv::Mat::zeros(d.size(), CV_64F);
            profileSum.assign(c.profile.size(), 0.0);
            profileSumSq.assign(c.profile.size(), 0.0);
        }
        sum += d;
        sumSq += d.mul(d);
        for (std::size_t b = 0; b < c.profile.size(); ++b) {
            profileSum[b] += c.profile[b];
            profileSumSq[b] += c.profile[b] * c.profile[b];
        }
        ++count;
    }
    void merge(const Accumulator &o)
    {
        if (o.count == 0) return;
        if (count == 0) {
            *this = Accumulator{o.count, o.sum.clone(), o.sumSq.clone(), o.profileSum, o.profileSumSq};
            return;
        }
        sum += o.sum;
        sumSq += o.sumSq;
        for (std::size_t b = 0; b < profileSum.size(); ++b) {
            profileSum[b] += o.profileSum[b];
            profileSumSq[b] += o.profileSumSq[b];
        }
        count += o.count;
    }
    SpectrumStats stats() const
    {
        SpectrumStats s;
        s.count = count;
        if (count == 0) return s;
        const cv::Mat mean = sum / count;
        cv::Mat var = sumSq / count - mean.mul(mean);
        var = cv::max(var, 0.0);
        cv::Mat sd;
        cv::sqrt(var, sd);
        mean.convertTo(s.mean, CV_32F);
        sd.convertTo(s.stddev, CV_32F);
        s.radialMean.resize(profileSum.size());
        s.radialStd.resize(profileSum.size());
        for (std::size_t b = 0; b < profileSum.size(); ++b) {
            const double m = profileSum[b] / count;
            s.radialMean[b] = m;
            s.radialStd[b] = std::sqrt(std::max(0.0, profileSumSq[b] / count - m * m));
        }
        return s;
    }
};

std::vector<Item> pickItems(const data::DatasetIndex &index, int maxPerClass)
{
    std::vector<std::vector<Item>> byClass(std::size_t(index.classCount()));
    for (int i = 0; i < int(index.samples.size()); ++i) {
        const data::Sample &s = index.samples[std::size_t(i)];
        if (!data::DatasetIndex::isActive(s) || s.label >= index.classCount()) continue;
        byClass[std::size_t(s.label)].push_back(Item{i, s.label, int(s.split)});
    }
    std::vector<Item> items;
    for (auto &list : byClass) {
        const int n = int(list.size());
        const int take = maxPerClass > 0 ? std::min(n, maxPerClass) : n;
        for (int k = 0; k < take; ++k)
            items.push_back(list[std::size_t(take == n ? k : qint64(k) * n / take)]);
    }
    std::sort(items.begin(), items.end(), [](const Item &a, const Item &b) { return a.sample < b.sample; });
    return items;
}

Computed computeOne(const data::DatasetIndex &index, const Item &item, const ClassSpectraOptions &options)
{
    Computed c;
    const data::ResizeSpec spec{options.size, data::ResizePolicy::ShorterSideCrop};
    auto image = data::loadResized(index, index.samples[std::size_t(item.sample)], spec);
    if (!image) {
        c.error = image.error().message();
        return c;
    }
    const Spectrum s = spectrum(toPlane(*image));
    c.logAmplitude = s.logAmplitude;
    c.profile = radialProfile(s.logAmplitude, options.bands);
    return c;
}

void writeMat(QDataStream &out, const cv::Mat &m)
{
    out << qint32(m.rows) << qint32(m.cols) << qint32(m.type());
    if (m.empty()) return;
    const cv::Mat c = m.isContinuous() ? m : m.clone();
    out.writeRawData(reinterpret_cast<const char *>(c.data), int(c.total() * c.elemSize()));
}

bool readMat(QDataStream &in, cv::Mat &m)
{
    qint32 rows = 0, cols = 0, type = 0;
    in >> rows >> cols >> type;
    if (in.status() != QDataStream::Ok || rows < 0 || cols < 0 || rows > 4096 || cols > 4096) return false;
    if (rows == 0 || cols == 0) {
        m = cv::Mat();
        return true;
    }
    if (type != CV_32F) return false;
    m.create(rows, cols, type);
    const int bytes = int(m.total() * m.elemSize());
    return in.readRawData(reinterpret_cast<char *>(m.data), bytes) == bytes;
}

void writeStats(QDataStream &out, const SpectrumStats &s)
{
    out << qint32(s.count);
    writeMat(out, s.mean);
    writeMat(out, s.stddev);
    out << QVector<double>(s.radialMean.begin(), s.radialMean.end())
        << QVector<double>(s.radialStd.begin(), s.radialStd.end());
}

bool readStats(QDataStream &in, SpectrumStats &s)
{
    qint32 count = 0;
    in >> count;
    s.count = count;
    if (!readMat(in, s.mean) || !readMat(in, s.stddev)) return false;
    QVector<double> m, d;
    in >> m >> d;
    s.radialMean.assign(m.begin(), m.end());
    s.radialStd.assign(d.begin(), d.end());
    return in.status() == QDataStream::Ok;
}

} // namespace

double ClassSpectra::scoreOf(int sample) const
{
    const auto it = std::lower_bound(scores.begin(), scores.end(), sample,
                                     [](const SpectralScore &s, int v) { return s.sample < v; });
    return it != scores.end() && it->sample == sample ? it->score : std::numeric_limits<double>::quiet_NaN();
}

QByteArray datasetFingerprint(const data::DatasetIndex &index)
{
    QCryptographicHash h(QCryptographicHash::Sha1);
    h.addData(index.root.toUtf8());
    h.addData(index.classes.join(QChar(0x1f)).toUtf8());
    for (const data::Sample &s : index.samples) {
        h.addData(s.path.toUtf8());
        const qint32 fields[] = {s.entry, int(s.kind), s.label, int(s.split), int(s.flags)};
        h.addData(QByteArrayView(reinterpret_cast<const char *>(fields), sizeof fields));
    }
    return h.result().toHex();
}

void robustReference(const std::vector<std::vector<double>> &profiles, int bands, std::vector<double> *median,
                     std::vector<double> *scale)
{
    median->assign(std::size_t(bands), std::numeric_limits<double>::quiet_NaN());
    scale->assign(std::size_t(bands), 0.0);
    const auto medianOf = [](std::vector<double> v) {
        if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
        const std::size_t mid = v.size() / 2;
        std::nth_element(v.begin(), v.begin() + qsizetype(mid), v.end());
        const double hi = v[mid];
        if (v.size() % 2) return hi;
        return 0.5 * (hi + *std::max_element(v.begin(), v.begin() + qsizetype(mid)));
    };
    for (int b = 0; b < bands; ++b) {
        std::vector<double> values;
        for (const auto &p : profiles)
            if (std::size_t(b) < p.size() && std::isfinite(p[std::size_t(b)])) values.push_back(p[std::size_t(b)]);
        const double m = medianOf(values);
        for (double &v : values)
            v = std::abs(v - m);
        (*median)[std::size_t(b)] = m;
        (*scale)[std::size_t(b)] = 1.4826 * medianOf(values); // the MAD as a normal standard deviation
    }
}

double outlierScore(const std::vector<double> &profile, const std::vector<double> &mean,
                    const std::vector<double> &stddev)
{
    double sum = 0;
    int n = 0;
    for (std::size_t b = 0; b < profile.size() && b < mean.size() && b < stddev.size(); ++b) {
        if (!std::isfinite(profile[b]) || !std::isfinite(mean[b])) continue;
        const double z = (profile[b] - mean[b]) / std::max(stddev[b], 1e-6);
        sum += z * z;
        ++n;
    }
    return n ? std::sqrt(sum / n) : 0.0;
}

Result<ClassSpectra> computeClassSpectra(const data::DatasetIndex &index, const ClassSpectraOptions &options,
                                         JobControl *control, const ProgressSink &progress)
{
    if (options.size < 8 || options.size > 1024)
        return makeError(ErrorCode::InvalidArgument, {},
                         QStringLiteral("image size %1 is outside 8..1024").arg(options.size));
    if (options.bands < 1 || options.bands > 256)
        return makeError(ErrorCode::InvalidArgument, {},
                         QStringLiteral("%1 bands is outside 1..256").arg(options.bands));
    const std::vector<Item> items = pickItems(index, options.maxPerClass);
    if (items.empty())
        return makeError(ErrorCode::InvalidArgument, {}, QStringLiteral("the dataset has no active labelled image"));

    const int classes = index.classCount();
    std::vector<std::array<Accumulator, 4>> cells(static_cast<std::size_t>(classes));
    std::vector<std::vector<double>> profiles(items.size());
    ClassSpectra out;
    out.size = options.size;
    out.bands = options.bands;
    out.classNames = index.classes;
    out.fingerprint = datasetFingerprint(index);
    out.thresholds = options.thresholds;

    QThreadPool pool;
    pool.setMaxThreadCount(options.threads > 0 ? options.threads : std::max(1, QThread::idealThreadCount()));
    QElapsedTimer clock;
    clock.start();
    const std::size_t chunk = 64;
    for (std::size_t start = 0; start < items.size(); start += chunk) {
        if (isCancelled(control)) return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));
        waitWhilePaused(control);
        const std::vector<Item> part(items.begin() + qsizetype(start),
                                     items.begin() + qsizetype(std::min(items.size(), start + chunk)));
        const QList<Computed> computed =
            QtConcurrent::blockingMapped<QList<Computed>>(&pool, part, [&](const Item &item) {
                return isCancelled(control) ? Computed{} : computeOne(index, item, options);
            });
        for (std::size_t k = 0; k < part.size(); ++k) {
            const Computed &c = computed[qsizetype(k)];
            if (c.logAmplitude.empty()) {
                if (!c.error.isEmpty()) out.problems.emplace_back(part[k].sample, c.error);
                continue;
            }
            cells[std::size_t(part[k].label)][std::size_t(part[k].split)].add(c);
            profiles[start + k] = c.profile;
        }
        Progress p;
        p.phase = QStringLiteral("Computing spectra");
        p.done = qint64(std::min(items.size(), start + chunk));
        p.total = qint64(items.size());
        p.elapsedSeconds = clock.elapsed() / 1000.0;
        p.rate = p.elapsedSeconds > 0 ? p.done / p.elapsedSeconds : 0;
        p.etaSeconds = p.rate > 0 ? (p.total - p.done) / p.rate : -1;
        report(progress, p);
    }
    if (isCancelled(control)) return makeError(ErrorCode::Cancelled, {}, QStringLiteral("cancelled"));

    // Per class and split, the whole class, and the head / tail pools.
    std::vector<int> trainCounts = index.classCounts(data::Split::Train);
    if (std::all_of(trainCounts.begin(), trainCounts.end(), [](int n) { return n == 0; }))
        trainCounts = index.classCounts();
    Accumulator head, tail;
    out.classes.resize(std::size_t(classes));
    out.groups.resize(std::size_t(classes));
    for (int c = 0; c < classes; ++c) {
        Accumulator all;
        for (int s = 0; s < 4; ++s) {
            out.classes[std::size_t(c)].bySplit[std::size_t(s)] = cells[std::size_t(c)][std::size_t(s)].stats();
            all.merge(cells[std::size_t(c)][std::size_t(s)]);
        }
        out.classes[std::size_t(c)].all = all.stats();
        const data::TailGroup g = data::tailGroupOf(trainCounts[std::size_t(c)], options.thresholds);
        out.groups[std::size_t(c)] = g;
        if (g == data::TailGroup::Head) head.merge(all);
        if (g == data::TailGroup::Tail) tail.merge(all);
    }
    if (head.count > 0 && tail.count > 0) out.headMinusTail = head.stats().mean - tail.stats().mean;

    // Outlier scores against a robust reference per class (median and MAD per band), so that the
    // outliers themselves do not widen the yardstick they are measured with.
    std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(classes));
    for (std::size_t k = 0; k < items.size(); ++k)
        if (!profiles[k].empty()) members[std::size_t(items[k].label)].push_back(k);
    std::vector<std::vector<double>> centre(static_cast<std::size_t>(classes)),
        spread(static_cast<std::size_t>(classes));
    std::vector<std::vector<double>> residuals; // every image's profile minus its class's median
    for (int c = 0; c < classes; ++c) {
        std::vector<std::vector<double>> list;
        for (std::size_t k : members[std::size_t(c)])
            list.push_back(profiles[k]);
        robustReference(list, options.bands, &centre[std::size_t(c)], &spread[std::size_t(c)]);
        for (const auto &p : list) {
            std::vector<double> r(p.size());
            for (std::size_t b = 0; b < p.size(); ++b)
                r[b] = p[b] - centre[std::size_t(c)][b];
            residuals.push_back(std::move(r));
        }
    }
    // A class of a few images has an unreliable spread of its own: shrink it towards the spread
    // pooled over every class, weighted as kPriorImages images.
    std::vector<double> pooledCentre, pooled;
    robustReference(residuals, options.bands, &pooledCentre, &pooled);
    for (int c = 0; c < classes; ++c) {
        const double n = double(members[std::size_t(c)].size());
        for (std::size_t b = 0; b < spread[std::size_t(c)].size(); ++b) {
            const double sc = spread[std::size_t(c)][b], sp = b < pooled.size() ? pooled[b] : 0.0;
            spread[std::size_t(c)][b] = std::sqrt((n * sc * sc + kPriorImages * sp * sp) / (n + kPriorImages));
        }
    }
    for (std::size_t k = 0; k < items.size(); ++k) {
        if (profiles[k].empty()) continue;
        const auto c = std::size_t(items[k].label);
        out.scores.push_back(
            SpectralScore{items[k].sample, items[k].label, outlierScore(profiles[k], centre[c], spread[c])});
    }
    return out;
}

Result<void> saveClassSpectra(const ClassSpectra &s, const QString &file)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QDataStream out(&buffer);
    out.setVersion(QDataStream::Qt_6_4);
    out << kMagic << kVersion << qint32(s.size) << qint32(s.bands) << s.classNames << s.fingerprint
        << qint32(s.thresholds.many) << qint32(s.thresholds.few) << qint32(s.classes.size());
    for (std::size_t c = 0; c < s.classes.size(); ++c) {
        out << qint32(s.groups[c]);
        writeStats(out, s.classes[c].all);
        for (const SpectrumStats &st : s.classes[c].bySplit)
            writeStats(out, st);
    }
    writeMat(out, s.headMinusTail);
    out << qint32(s.scores.size());
    for (const SpectralScore &sc : s.scores)
        out << qint32(sc.sample) << qint32(sc.label) << sc.score;
    out << qint32(s.problems.size());
    for (const auto &p : s.problems)
        out << qint32(p.first) << p.second;
    return fileio::writeAtomically(file, bytes);
}

Result<ClassSpectra> loadClassSpectra(const QString &file)
{
    auto bytes = fileio::readAll(file);
    if (!bytes) return bytes.error();
    QDataStream in(*bytes);
    in.setVersion(QDataStream::Qt_6_4);
    const auto damaged = [&file](const QString &why) { return makeError(ErrorCode::Malformed, file, why); };
    quint32 magic = 0, version = 0;
    in >> magic >> version;
    if (magic != kMagic) return damaged(QStringLiteral("not a spectra cache file"));
    if (version != kVersion) return damaged(QStringLiteral("spectra cache of another version (%1)").arg(version));
    ClassSpectra s;
    qint32 size = 0, bands = 0, many = 0, few = 0, classes = 0;
    in >> size >> bands >> s.classNames >> s.fingerprint >> many >> few >> classes;
    if (in.status() != QDataStream::Ok || classes < 0 || classes > 100000 || classes != s.classNames.size())
        return damaged(QStringLiteral("damaged header"));
    s.size = size;
    s.bands = bands;
    s.thresholds = {many, few};
    s.classes.resize(std::size_t(classes));
    s.groups.resize(std::size_t(classes));
    for (qint32 c = 0; c < classes; ++c) {
        qint32 g = 0;
        in >> g;
        s.groups[std::size_t(c)] = data::TailGroup(std::clamp(g, 0, 2));
        bool ok = readStats(in, s.classes[std::size_t(c)].all);
        for (SpectrumStats &st : s.classes[std::size_t(c)].bySplit)
            ok = ok && readStats(in, st);
        if (!ok) return damaged(QStringLiteral("damaged statistics of class %1").arg(c));
    }
    if (!readMat(in, s.headMinusTail)) return damaged(QStringLiteral("damaged difference map"));
    qint32 n = 0;
    in >> n;
    if (in.status() != QDataStream::Ok || n < 0 || n > 100000000) return damaged(QStringLiteral("damaged scores"));
    s.scores.resize(std::size_t(n));
    for (SpectralScore &sc : s.scores) {
        qint32 sample = 0, label = 0;
        in >> sample >> label >> sc.score;
        sc.sample = sample;
        sc.label = label;
    }
    in >> n;
    if (in.status() != QDataStream::Ok || n < 0 || n > 100000000)
        return damaged(QStringLiteral("damaged problem list"));
    for (qint32 k = 0; k < n; ++k) {
        qint32 sample = 0;
        QString reason;
        in >> sample >> reason;
        s.problems.emplace_back(sample, reason);
    }
    if (in.status() != QDataStream::Ok) return damaged(QStringLiteral("truncated"));
    return s;
}

} // namespace fopro::spectral
