// Duplicate finder: perceptual hashing, the pigeonhole clustering (checked against brute force) and
// the whole search on generated JPEG/PNG/IDX fixtures.

#include "core/data/duplicates.h"
#include "core/data/splits.h"
#include "tests/support/testsupport.h"

#include <QtTest/QtTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <atomic>
#include <map>
#include <numeric>
#include <set>

using namespace fopro::data;
using fopro::test::patternImage;
using fopro::test::writeImage;

namespace {

// Brute-force reference for clusterHashes: the same leader clustering with all pairs compared.
std::vector<DuplicateCluster> bruteForce(const std::vector<ImageHash> &items, int threshold)
{
    const int n = int(items.size());
    // Items with equal non-empty digests travel together (their first item represents them).
    std::vector<int> rep(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        rep[std::size_t(i)] = i;
        for (int j = 0; j < i; ++j)
            if (!items[std::size_t(i)].content.isEmpty() &&
                items[std::size_t(i)].content == items[std::size_t(j)].content) {
                rep[std::size_t(i)] = rep[std::size_t(j)];
                break;
            }
    }
    // The perceptual hash of a group is that of its first member that has one.
    std::vector<quint64> hash(static_cast<std::size_t>(n), 0);
    std::vector<bool> hasHash(static_cast<std::size_t>(n), false);
    for (int i = 0; i < n; ++i) {
        const int r = rep[std::size_t(i)];
        if (!hasHash[std::size_t(r)] && items[std::size_t(i)].hasPerceptual) {
            hasHash[std::size_t(r)] = true;
            hash[std::size_t(r)] = items[std::size_t(i)].perceptual;
        }
    }
    std::vector<int> clusterOf(static_cast<std::size_t>(n), -1); // by group representative
    for (int r = 0; r < n; ++r) {
        if (rep[std::size_t(r)] != r || clusterOf[std::size_t(r)] >= 0 || threshold < 0 || !hasHash[std::size_t(r)])
            continue;
        clusterOf[std::size_t(r)] = r;
        for (int q = r + 1; q < n; ++q) {
            if (rep[std::size_t(q)] != q || clusterOf[std::size_t(q)] >= 0 || !hasHash[std::size_t(q)]) continue;
            if (hammingDistance(hash[std::size_t(r)], hash[std::size_t(q)]) <= threshold) clusterOf[std::size_t(q)] = r;
        }
    }
    std::map<int, std::vector<int>> comps;
    for (int i = 0; i < n; ++i) {
        const int r = rep[std::size_t(i)];
        comps[clusterOf[std::size_t(r)] >= 0 ? clusterOf[std::size_t(r)] : r].push_back(i);
    }
    std::vector<DuplicateCluster> out;
    for (auto &[root, members] : comps) {
        if (members.size() < 2) continue;
        DuplicateCluster c;
        c.samples = members;
        c.exact = true;
        std::set<Split> splits;
        for (int i : members) {
            if (items[std::size_t(i)].content.isEmpty() ||
                items[std::size_t(i)].content != items[std::size_t(members[0])].content)
                c.exact = false;
            if (items[std::size_t(i)].split != Split::None) splits.insert(items[std::size_t(i)].split);
        }
        c.crossSplit = splits.size() > 1;
        out.push_back(c);
    }
    std::sort(out.begin(), out.end(), [](const DuplicateCluster &a, const DuplicateCluster &b) {
        return a.samples.front() < b.samples.front();
    });
    return out;
}

bool sameClusters(const std::vector<DuplicateCluster> &a, const std::vector<DuplicateCluster> &b)
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].samples != b[i].samples || a[i].exact != b[i].exact || a[i].crossSplit != b[i].crossSplit)
            return false;
    }
    return true;
}

quint64 flipBits(quint64 h, int bits, SeededRandom &rng)
{
    std::vector<int> positions(64);
    std::iota(positions.begin(), positions.end(), 0);
    rng.shuffle(positions);
    for (int i = 0; i < bits; ++i)
        h ^= quint64(1) << positions[std::size_t(i)];
    return h;
}

QString clusterText(const DuplicateCluster &c)
{
    QStringList parts;
    for (int i : c.samples)
        parts.append(QString::number(i));
    return QStringLiteral("{%1}%2%3")
        .arg(parts.join(QLatin1Char(',')))
        .arg(c.exact ? QStringLiteral(" exact") : QStringLiteral(" near"))
        .arg(c.crossSplit ? QStringLiteral(" cross") : QString());
}

QString reportText(const DuplicateReport &r)
{
    QStringList parts;
    for (const DuplicateCluster &c : r.clusters)
        parts.append(clusterText(c));
    return parts.join(QStringLiteral("; "));
}

bool writeIdx(const QString &path, const std::vector<cv::Mat> &images)
{
    QByteArray b;
    auto be32 = [&](quint32 v) {
        for (int s = 24; s >= 0; s -= 8)
            b.append(char((v >> s) & 0xff));
    };
    b.append('\0').append('\0').append('\x08').append('\x03');
    be32(quint32(images.size()));
    be32(28);
    be32(28);
    for (const cv::Mat &m : images)
        b.append(reinterpret_cast<const char *>(m.data), 28 * 28);
    return fopro::test::writeText(path, b);
}

} // namespace

class TestDuplicates : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    DatasetIndex m_index;

    void add(const QString &path, Split split, std::uint8_t flags = 0, SourceKind kind = SourceKind::File,
             int entry = 0)
    {
        Sample s;
        s.path = path;
        s.kind = kind;
        s.entry = entry;
        s.label = s.originalLabel = 0;
        s.split = split;
        s.flags = flags;
        m_index.samples.push_back(s);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString root = m_dir.path();
        m_index.root = root;
        m_index.classes = {QStringLiteral("any")};

        const cv::Mat a = patternImage(256, 256, 1);
        QVERIFY(writeImage(root + QStringLiteral("/a.png"), a));
        QVERIFY(QDir().mkpath(root + QStringLiteral("/copies")));
        QVERIFY(QFile::copy(root + QStringLiteral("/a.png"), root + QStringLiteral("/copies/a_copy.png")));
        const cv::Mat b = patternImage(256, 256, 2);
        QVERIFY(writeImage(root + QStringLiteral("/b.jpg"), b));
        cv::Mat bSmall;
        cv::resize(b, bSmall, cv::Size(200, 200), 0, 0, cv::INTER_AREA);
        QVERIFY(writeImage(root + QStringLiteral("/b_resized.jpg"), bSmall));
        const cv::Mat c = patternImage(256, 256, 3);
        QVERIFY(writeImage(root + QStringLiteral("/c.png"), c));
        cv::Mat cBright;
        c.convertTo(cBright, -1, 1.0, 25.0);
        QVERIFY(writeImage(root + QStringLiteral("/c_bright.png"), cBright));
        const cv::Mat g = patternImage(256, 256, 4);
        QVERIFY(writeImage(root + QStringLiteral("/g.png"), g));
        QVERIFY(QFile::copy(root + QStringLiteral("/g.png"), root + QStringLiteral("/g_copy.png")));
        for (int seed = 10; seed < 14; ++seed)
            QVERIFY(writeImage(root + QStringLiteral("/distinct%1.jpg").arg(seed), patternImage(256, 256, seed)));
        QVERIFY(
            fopro::test::writeText(root + QStringLiteral("/broken.jpg"), QByteArray("\xFF\xD8\xFF not really a JPEG")));
        QVERIFY(QFile::copy(root + QStringLiteral("/distinct10.jpg"), root + QStringLiteral("/excluded_copy.jpg")));
        // IDX: entries 0 and 2 identical, entry 1 different.
        cv::Mat e0(28, 28, CV_8UC1), e1(28, 28, CV_8UC1);
        cv::randu(e0, 0, 256);
        cv::randu(e1, 0, 256);
        QVERIFY(writeIdx(root + QStringLiteral("/images-idx3-ubyte"), {e0, e1, e0.clone()}));

        add(QStringLiteral("a.png"), Split::Train);             // 0  exact with 1
        add(QStringLiteral("copies/a_copy.png"), Split::Train); // 1
        add(QStringLiteral("b.jpg"), Split::Train);             // 2  near with 3 (resized, re-encoded)
        add(QStringLiteral("b_resized.jpg"), Split::Train);     // 3
        add(QStringLiteral("c.png"), Split::Test);              // 4  near with 5 (brighter)
        add(QStringLiteral("c_bright.png"), Split::Test);       // 5
        add(QStringLiteral("g.png"), Split::Train);             // 6  exact with 7, other split
        add(QStringLiteral("g_copy.png"), Split::Test);         // 7
        for (int seed = 10; seed < 14; ++seed)
            add(QStringLiteral("distinct%1.jpg").arg(seed), Split::Val);      // 8..11 unmatched
        add(QStringLiteral("broken.jpg"), Split::Train);                      // 12 problem: undecodable
        add(m_dir.filePath(QStringLiteral("nowhere.png")), Split::Train);     // 13 problem: unreadable (absolute path)
        add(QStringLiteral("excluded_copy.jpg"), Split::Train, FlagExcluded); // 14 copy of 8, excluded
        add(QStringLiteral("missing.png"), Split::Train, FlagMissing);        // 15 skipped silently
        add(QStringLiteral("images-idx3-ubyte"), Split::Train, 0, SourceKind::IdxEntry, 0); // 16 exact with 18
        add(QStringLiteral("images-idx3-ubyte"), Split::Train, 0, SourceKind::IdxEntry, 1); // 17
        add(QStringLiteral("images-idx3-ubyte"), Split::Val, 0, SourceKind::IdxEntry, 2);   // 18 (other split)
    }

    void perceptualHashBasics()
    {
        const cv::Mat a = patternImage(300, 200, 1);
        QCOMPARE(perceptualHash(a), perceptualHash(a.clone()));
        QVERIFY(perceptualHash(a) != 0);
        // Grey, RGBA and 16-bit versions of the same picture hash alike.
        cv::Mat grey, rgba, wide;
        cv::cvtColor(a, grey, cv::COLOR_RGB2GRAY);
        cv::cvtColor(a, rgba, cv::COLOR_RGB2RGBA);
        a.convertTo(wide, CV_16UC3, 257.0);
        QVERIFY(hammingDistance(perceptualHash(a), perceptualHash(grey)) <= 2);
        QCOMPARE(perceptualHash(rgba), perceptualHash(a));
        QVERIFY(hammingDistance(perceptualHash(a), perceptualHash(wide)) <= 2);
        QCOMPARE(perceptualHash(cv::Mat()), quint64(0));
        // Distinct patterns are far apart.
        std::vector<quint64> hashes;
        for (int seed = 1; seed <= 30; ++seed)
            hashes.push_back(perceptualHash(patternImage(128, 128, seed)));
        int closest = 64;
        for (std::size_t i = 0; i < hashes.size(); ++i)
            for (std::size_t j = i + 1; j < hashes.size(); ++j)
                closest = std::min(closest, hammingDistance(hashes[i], hashes[j]));
        QVERIFY2(closest > 6, qPrintable(QString::number(closest)));
        QCOMPARE(hammingDistance(0, ~quint64(0)), 64);
        QCOMPARE(hammingDistance(0b1011, 0b0001), 2);
    }

    void clusterMatchesBruteForce_data()
    {
        QTest::addColumn<int>("threshold");
        for (int t : {-1, 0, 1, 3, 6, 10, 20})
            QTest::newRow(qPrintable(QStringLiteral("t=%1").arg(t))) << t;
    }
    void clusterMatchesBruteForce()
    {
        QFETCH(int, threshold);
        SeededRandom rng(2024);
        std::vector<ImageHash> items;
        for (int i = 0; i < 1500; ++i) {
            ImageHash h;
            h.perceptual = rng.engine()();
            h.hasPerceptual = rng.below(20) != 0;
            h.content = QByteArray::number(i);
            h.split = Split(rng.below(4));
            items.push_back(h);
        }
        // Planted variants at 0..12 bits, some byte-identical copies, some chains.
        for (int i = 0; i < 600; ++i) {
            ImageHash h = items[std::size_t(rng.below(items.size()))];
            const int kind = int(rng.below(3));
            if (kind == 0) {
                h.split = Split(rng.below(4)); // exact copy
            } else {
                h.perceptual = flipBits(h.perceptual, int(rng.below(13)), rng);
                h.content = kind == 1 ? QByteArray() : QByteArray("v") + QByteArray::number(i);
                h.split = Split(rng.below(4));
            }
            items.push_back(h);
        }
        const auto fast = clusterHashes(items, threshold);
        const auto slow = bruteForce(items, threshold);
        QVERIFY(!slow.empty());
        QVERIFY(sameClusters(fast, slow));
    }

    void clusterSemantics()
    {
        // No chaining: a~b (4 bits) and b~c (4 bits), but c is 8 bits from the leader a, so c stays out.
        const quint64 a = 0x0123456789abcdefULL;
        const quint64 b = a ^ 0xfULL;
        const quint64 c = b ^ 0xf0ULL;
        std::vector<ImageHash> items = {
            {QByteArray("a"), a, true, Split::Train},
            {QByteArray("b"), b, true, Split::Train},
            {QByteArray("c"), c, true, Split::Train},
            {QByteArray("d"), ~a, true, Split::Train},
            {QByteArray("a"), 0, false, Split::Test}, // exact copy of item 0, undecodable: still exact
            {QByteArray("x"), 0, false, Split::Val},
            {QByteArray("x"), 0, false, Split::None}, // None does not make a cross-split cluster
        };
        auto clusters = clusterHashes(items, 6);
        QCOMPARE(int(clusters.size()), 2);
        QCOMPARE(clusters[0].samples, (std::vector<int>{0, 1, 4}));
        QVERIFY(!clusters[0].exact);
        QVERIFY(clusters[0].crossSplit);
        QCOMPARE(clusters[1].samples, (std::vector<int>{5, 6}));
        QVERIFY(clusters[1].exact);
        QVERIFY(!clusters[1].crossSplit);
        // Threshold 8: c is within reach of the leader a now.
        clusters = clusterHashes(items, 8);
        QCOMPARE(clusters[0].samples, (std::vector<int>{0, 1, 2, 4}));
        // Threshold 3: only the exact groups remain.
        clusters = clusterHashes(items, 3);
        QCOMPARE(int(clusters.size()), 2);
        QCOMPARE(clusters[0].samples, (std::vector<int>{0, 4}));
        QVERIFY(clusters[0].exact);
        QVERIFY(clusters[0].crossSplit);
        // Threshold 64 joins everything with a perceptual hash.
        clusters = clusterHashes(items, 64);
        QCOMPARE(clusters[0].samples, (std::vector<int>{0, 1, 2, 3, 4}));
        QVERIFY(clusterHashes({}, 6).empty());
    }

    void findOnFixtures()
    {
        std::atomic<int> calls{0};
        DuplicateOptions o;
        o.threads = 2;
        o.progress = [&](const fopro::Progress &p) {
            ++calls;
            QVERIFY(p.done >= 1 && p.done <= p.total);
        };
        auto r = findDuplicates(m_index, o);
        QVERIFY2(r.ok(), qPrintable(r.error().message()));
        QCOMPARE(r->samplesChecked, 17); // all but the excluded and the missing sample
        QCOMPARE(calls.load(), 17);
        QCOMPARE(reportText(*r),
                 QStringLiteral("{0,1} exact; {2,3} near; {4,5} near; {6,7} exact cross; {16,18} exact cross"));
        QCOMPARE(r->exactClusters, 3);
        QCOMPARE(r->nearClusters, 2);
        QCOMPARE(r->crossSplitClusters, 2);
        QCOMPARE(r->withinSplitClusters, 3);
        QCOMPARE(r->duplicateSamples, 5);
        QCOMPARE(int(r->problems.size()), 2);
        QCOMPARE(r->problems[0].sample, 12);
        QVERIFY2(r->problems[0].reason.contains(QStringLiteral("broken.jpg")), qPrintable(r->problems[0].reason));
        QCOMPARE(r->problems[1].sample, 13);
        QVERIFY2(r->problems[1].reason.contains(QStringLiteral("nowhere.png")), qPrintable(r->problems[1].reason));

        // Same answer on one thread.
        o.threads = 1;
        auto one = findDuplicates(m_index, o);
        QVERIFY(one.ok());
        QCOMPARE(reportText(*one), reportText(*r));

        // Excluded samples on request: the copy of distinct10 joins it.
        o.includeExcluded = true;
        auto withExcluded = findDuplicates(m_index, o);
        QVERIFY(withExcluded.ok());
        QCOMPARE(withExcluded->samplesChecked, 18);
        QVERIFY2(reportText(*withExcluded).contains(QStringLiteral("{8,14} exact cross")),
                 qPrintable(reportText(*withExcluded)));
    }

    void exactOnly()
    {
        DuplicateOptions o;
        o.nearDuplicates = false;
        auto r = findDuplicates(m_index, o);
        QVERIFY(r.ok());
        QCOMPARE(reportText(*r), QStringLiteral("{0,1} exact; {6,7} exact cross; {16,18} exact cross"));
        // The broken JPEG is readable, so only the unreadable file is a problem without decoding.
        QCOMPARE(int(r->problems.size()), 1);
        QCOMPARE(r->problems[0].sample, 13);
        // Threshold 0: only identical perceptual hashes. The brightened copy differs by a bit or
        // two (DC is ignored but clipping at 255 is not), so it drops out; the exact copies stay.
        o.nearDuplicates = true;
        o.threshold = 0;
        r = findDuplicates(m_index, o);
        QVERIFY(r.ok());
        QVERIFY2(!reportText(*r).contains(QStringLiteral("{4,5}")), qPrintable(reportText(*r)));
        QVERIFY(reportText(*r).contains(QStringLiteral("{0,1} exact")));
        QCOMPARE(r->exactClusters, 3);
    }

    void errorsAndCancel()
    {
        DuplicateOptions o;
        o.threshold = 65;
        QCOMPARE(findDuplicates(m_index, o).error().code, fopro::ErrorCode::InvalidArgument);
        o.threshold = -1;
        QCOMPARE(findDuplicates(m_index, o).error().code, fopro::ErrorCode::InvalidArgument);
        fopro::JobControl token;
        token.cancel();
        auto r = findDuplicates(m_index, {}, &token);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, fopro::ErrorCode::Cancelled);
        // Cancelling half-way stops the work.
        fopro::JobControl midway;
        DuplicateOptions p;
        p.threads = 1;
        std::atomic<int> seen{0};
        p.progress = [&](const fopro::Progress &progress) {
            ++seen;
            if (progress.done == 3) midway.cancel();
        };
        r = findDuplicates(m_index, p, &midway);
        QCOMPARE(r.error().code, fopro::ErrorCode::Cancelled);
        QVERIFY(seen.load() < 17);
        // An empty index has nothing to report.
        DatasetIndex empty;
        auto e = findDuplicates(empty);
        QVERIFY(e.ok());
        QVERIFY(e->clusters.empty());
        QCOMPARE(e->samplesChecked, 0);
    }
};

QTEST_GUILESS_MAIN(TestDuplicates)
#include "tst_duplicates.moc"
