#include "core/data/duplicates.h"

#include "core/data/imageloader.h"

#include <QtConcurrent/QtConcurrentMap>
#include <QtCore/QCryptographicHash>
#include <QtCore/QFile>
#include <QtCore/QHash>
#include <QtCore/QThread>
#include <QtCore/QThreadPool>

#include <opencv2/img_hash.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <bitset>
#include <cmath>
#include <exception>
#include <numeric>
#include <unordered_map>

namespace fopro::data {

quint64 perceptualHash(const cv::Mat &image)
{
    if (image.empty()) return 0;
    cv::Mat eight = image;
    if (image.depth() != CV_8U) cv::normalize(image, eight, 0, 255, cv::NORM_MINMAX, CV_8U);
    cv::Mat grey;
    switch (eight.channels()) {
    case 1:
        grey = eight;
        break;
    case 3:
        cv::cvtColor(eight, grey, cv::COLOR_RGB2GRAY);
        break;
    case 4:
        cv::cvtColor(eight, grey, cv::COLOR_RGBA2GRAY);
        break;
    default: {
        std::vector<cv::Mat> planes;
        cv::split(eight, planes);
        grey = planes.front();
    }
    }
    // Area averaging first: PHash itself resizes bilinearly, which aliases on large images.
    cv::Mat small;
    cv::resize(grey, small, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
    cv::Mat bits;
    cv::img_hash::pHash(small, bits);
    quint64 h = 0;
    for (int i = 0; i < int(bits.total()) && i < 8; ++i)
        h = (h << 8) | bits.ptr<uchar>(0)[i];
    return h;
}

int hammingDistance(quint64 a, quint64 b)
{
    return int(std::bitset<64>(a ^ b).count());
}

QByteArray similarityThumbnail(const cv::Mat &image)
{
    if (image.empty() || image.depth() != CV_8U) return {};
    cv::Mat grey;
    switch (image.channels()) {
    case 1:
        grey = image;
        break;
    case 3:
        cv::cvtColor(image, grey, cv::COLOR_RGB2GRAY);
        break;
    case 4:
        cv::cvtColor(image, grey, cv::COLOR_RGBA2GRAY);
        break;
    default:
        return {};
    }
    cv::Mat small;
    cv::resize(grey, small, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
    return QByteArray(reinterpret_cast<const char *>(small.data), 32 * 32); // resize output is continuous
}

double thumbnailDifference(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size() || a.isEmpty()) return 255;
    const int n = int(a.size());
    double ma = 0, mb = 0;
    for (int i = 0; i < n; ++i) {
        ma += uchar(a[i]);
        mb += uchar(b[i]);
    }
    const double shift = (mb - ma) / n; // a uniform brightness change is not a difference
    double sum = 0;
    for (int i = 0; i < n; ++i)
        sum += std::abs(uchar(b[i]) - uchar(a[i]) - shift);
    return sum / n;
}

namespace {

class UnionFind {
public:
    explicit UnionFind(int n) : m_parent(std::size_t(n)) { std::iota(m_parent.begin(), m_parent.end(), 0); }
    int find(int x)
    {
        while (m_parent[std::size_t(x)] != x) {
            m_parent[std::size_t(x)] = m_parent[std::size_t(m_parent[std::size_t(x)])];
            x = m_parent[std::size_t(x)];
        }
        return x;
    }
    void unite(int a, int b)
    {
        a = find(a);
        b = find(b);
        if (a == b) return;
        if (a > b) std::swap(a, b);
        m_parent[std::size_t(b)] = a; // the smaller index is the root: deterministic
    }

private:
    std::vector<int> m_parent;
};

} // namespace

std::vector<DuplicateCluster> clusterHashes(const std::vector<ImageHash> &items, int threshold, double maxDifference)
{
    const int n = int(items.size());
    // 1. Nodes: items with equal non-empty digests form one node.
    std::vector<int> nodeOf(static_cast<std::size_t>(n));
    std::vector<std::vector<int>> nodeItems;
    {
        QHash<QByteArray, int> byDigest;
        for (int i = 0; i < n; ++i) {
            const QByteArray &d = items[std::size_t(i)].content;
            if (!d.isEmpty()) {
                auto it = byDigest.constFind(d);
                if (it != byDigest.constEnd()) {
                    nodeOf[std::size_t(i)] = *it;
                    nodeItems[std::size_t(*it)].push_back(i);
                    continue;
                }
                byDigest.insert(d, int(nodeItems.size()));
            }
            nodeOf[std::size_t(i)] = int(nodeItems.size());
            nodeItems.push_back({i});
        }
    }
    const int nodes = int(nodeItems.size());
    UnionFind uf(nodes);

    // 2. Near matches between nodes with a perceptual hash, by leader clustering: nodes are taken in
    //    order; an unassigned node leads a cluster and takes every unassigned node that matches it.
    //    Unlike chaining (A~B, B~C joins A and C), this bounds a cluster's spread. A match needs the
    //    hashes within `threshold` bits and, when both have one, the 32×32 grey thumbnails within
    //    maxDifference grey levels on average (after removing a uniform brightness shift): on small
    //    look-alike images (28 px clothing, centred lesions on skin) different images often share a
    //    perceptual hash (the silhouette), and the pixel check rejects them.
    if (threshold >= 0) {
        std::vector<int> hashed;                                   // nodes with a perceptual hash, ascending
        std::vector<int> rep(static_cast<std::size_t>(nodes), -1); // the item that speaks for a node
        for (int v = 0; v < nodes; ++v)
            for (int i : nodeItems[std::size_t(v)])
                if (items[std::size_t(i)].hasPerceptual) {
                    rep[std::size_t(v)] = i;
                    hashed.push_back(v);
                    break; // its members share the same content
                }
        auto matches = [&](int va, int vb) {
            const ImageHash &a = items[std::size_t(rep[std::size_t(va)])],
                            &b = items[std::size_t(rep[std::size_t(vb)])];
            if (hammingDistance(a.perceptual, b.perceptual) > threshold) return false;
            return a.thumbnail.isEmpty() || b.thumbnail.isEmpty() ||
                   thumbnailDifference(a.thumbnail, b.thumbnail) <= maxDifference;
        };
        const int m = int(hashed.size());
        // Candidates: within distance t, at least one of t + 1 disjoint 64-bit chunks is equal
        // (pigeonhole), so only nodes sharing a chunk bucket are compared.
        std::vector<std::vector<int>> neighbours(static_cast<std::size_t>(m));
        // At 64 bits every pair is a candidate: one bucket (an empty chunk) holds them all.
        const int chunks = threshold >= 64 ? 1 : threshold + 1;
        for (int c = 0; c < chunks; ++c) {
            const int lo = c * 64 / chunks, hi = (c + 1) * 64 / chunks;
            const int width = hi - lo;
            const quint64 mask = threshold >= 64 ? 0 : width >= 64 ? ~quint64(0) : ((quint64(1) << width) - 1);
            std::unordered_map<quint64, std::vector<int>> buckets;
            for (int j = 0; j < m; ++j)
                buckets[(items[std::size_t(rep[std::size_t(hashed[std::size_t(j)])])].perceptual >> lo) & mask]
                    .push_back(j);
            for (const auto &entry : buckets) {
                const std::vector<int> &b = entry.second;
                for (std::size_t x = 0; x < b.size(); ++x)
                    for (std::size_t y = x + 1; y < b.size(); ++y)
                        if (matches(hashed[std::size_t(b[x])], hashed[std::size_t(b[y])])) {
                            neighbours[std::size_t(b[x])].push_back(b[y]);
                            neighbours[std::size_t(b[y])].push_back(b[x]);
                        }
            }
        }
        std::vector<bool> assigned(static_cast<std::size_t>(m), false);
        for (int j = 0; j < m; ++j) {
            if (assigned[std::size_t(j)]) continue;
            assigned[std::size_t(j)] = true;
            for (int k : neighbours[std::size_t(j)])
                if (!assigned[std::size_t(k)]) {
                    assigned[std::size_t(k)] = true;
                    uf.unite(hashed[std::size_t(j)], hashed[std::size_t(k)]);
                }
        }
    }

    // 3. Components of two or more items.
    std::vector<std::vector<int>> componentNodes(static_cast<std::size_t>(nodes));
    for (int v = 0; v < nodes; ++v)
        componentNodes[std::size_t(uf.find(v))].push_back(v);
    std::vector<DuplicateCluster> clusters;
    for (int root = 0; root < nodes; ++root) {
        const std::vector<int> &members = componentNodes[std::size_t(root)];
        if (members.empty()) continue;
        DuplicateCluster cluster;
        for (int v : members)
            cluster.samples.insert(cluster.samples.end(), nodeItems[std::size_t(v)].begin(),
                                   nodeItems[std::size_t(v)].end());
        if (cluster.samples.size() < 2) continue;
        std::sort(cluster.samples.begin(), cluster.samples.end());
        cluster.exact = members.size() == 1;
        Split seen = Split::None;
        for (int i : cluster.samples) {
            const Split s = items[std::size_t(i)].split;
            if (s == Split::None) continue;
            if (seen == Split::None)
                seen = s;
            else if (s != seen)
                cluster.crossSplit = true;
        }
        clusters.push_back(std::move(cluster));
    }
    std::sort(clusters.begin(), clusters.end(), [](const DuplicateCluster &a, const DuplicateCluster &b) {
        return a.samples.front() < b.samples.front();
    });
    return clusters;
}

namespace {

struct HashJob {
    int sample = -1;
    ImageHash hash;
    QString problem;
};

QByteArray pixelDigest(const cv::Mat &image)
{
    QCryptographicHash sha(QCryptographicHash::Sha1);
    const qint32 header[3] = {image.rows, image.cols, image.type()};
    sha.addData(QByteArrayView(reinterpret_cast<const char *>(header), sizeof(header)));
    const qsizetype rowBytes = qsizetype(image.cols) * qsizetype(image.elemSize());
    for (int r = 0; r < image.rows; ++r)
        sha.addData(QByteArrayView(reinterpret_cast<const char *>(image.ptr(r)), rowBytes));
    return sha.result();
}

void hashOne(const DatasetIndex &index, const DuplicateOptions &options, HashJob &job)
{
    const Sample &s = index.samples[std::size_t(job.sample)];
    try {
        Result<cv::Mat> image = makeError(ErrorCode::None, QString(), QString());
        if (s.kind == SourceKind::File) {
            // One read serves both hashes: the digest of the bytes, then decoding from memory.
            QFile file(index.absolutePath(s));
            if (!file.open(QIODevice::ReadOnly)) {
                job.problem = QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString());
                return;
            }
            const QByteArray bytes = file.readAll();
            if (file.error() != QFileDevice::NoError) {
                job.problem = QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString());
                return;
            }
            job.hash.content = QCryptographicHash::hash(bytes, QCryptographicHash::Sha1);
            if (!options.nearDuplicates) return;
            image = decodeImageBytes(bytes, file.fileName());
        } else {
            image = loadImage(index, s);
        }
        if (!image.ok()) {
            job.problem = image.error().message();
            return;
        }
        if (s.kind != SourceKind::File) job.hash.content = pixelDigest(*image);
        if (options.nearDuplicates) {
            job.hash.perceptual = perceptualHash(*image);
            job.hash.thumbnail = similarityThumbnail(*image);
            job.hash.hasPerceptual = true;
        }
    } catch (const std::exception &e) {
        job.problem = QStringLiteral("cannot decode: %1").arg(QString::fromLocal8Bit(e.what()));
    } catch (...) {
        job.problem = QStringLiteral("cannot decode: unknown error");
    }
}

} // namespace

Result<DuplicateReport> findDuplicates(const DatasetIndex &index, const DuplicateOptions &options, JobControl *cancel)
{
    if (options.threshold < 0 || options.threshold > 64)
        return makeError(
            ErrorCode::InvalidArgument, QString(),
            QStringLiteral("the Hamming distance threshold must be in 0..64, got %1").arg(options.threshold));

    std::vector<HashJob> jobs;
    for (std::size_t i = 0; i < index.samples.size(); ++i) {
        const Sample &s = index.samples[i];
        if (s.has(FlagMissing)) continue;
        if (s.has(FlagExcluded) && !options.includeExcluded) continue;
        HashJob job;
        job.sample = int(i);
        job.hash.split = s.split;
        jobs.push_back(std::move(job));
    }

    const int total = int(jobs.size());
    std::atomic<int> done{0};
    QThreadPool pool;
    pool.setMaxThreadCount(options.threads > 0 ? options.threads : std::max(1, QThread::idealThreadCount()));
    QtConcurrent::blockingMap(&pool, jobs.begin(), jobs.end(), [&](HashJob &job) {
        if (isCancelled(cancel)) return;
        hashOne(index, options, job);
        const int d = done.fetch_add(1, std::memory_order_relaxed) + 1;
        if (options.progress) {
            Progress p;
            p.phase = QStringLiteral("Hashing");
            p.done = d;
            p.total = total;
            options.progress(p);
        }
    });
    if (isCancelled(cancel))
        return makeError(ErrorCode::Cancelled, QString(), QStringLiteral("the duplicate search was cancelled"));

    DuplicateReport report;
    report.samplesChecked = total;
    std::vector<ImageHash> hashes;
    hashes.reserve(jobs.size());
    for (const HashJob &job : jobs) {
        if (!job.problem.isEmpty()) report.problems.push_back({job.sample, job.problem});
        hashes.push_back(job.hash);
    }
    report.clusters = clusterHashes(hashes, options.nearDuplicates ? options.threshold : -1, options.maxDifference);
    for (DuplicateCluster &c : report.clusters) {
        for (int &i : c.samples)
            i = jobs[std::size_t(i)].sample;
        (c.exact ? report.exactClusters : report.nearClusters) += 1;
        (c.crossSplit ? report.crossSplitClusters : report.withinSplitClusters) += 1;
        report.duplicateSamples += int(c.samples.size()) - 1;
    }
    return report;
}

} // namespace fopro::data
