// reuseLargeBuffers(): after it, a 16 MB block comes from the heap (not from a fresh mmap, which the
// kernel faults in page by page on every use) and freeing it keeps the memory for the next one.
#include "core/common/allocator.h"

#include <QtTest/QtTest>

#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

class TestAllocator : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void largeBlocksComeFromTheHeap()
    {
#if !defined(__GLIBC__)
        QSKIP("not glibc: reuseLargeBuffers() does nothing here");
#else
        fopro::reuseLargeBuffers();
        const std::size_t size = 16u << 20;
        void *a = std::malloc(size);
        QVERIFY(a);
        QCOMPARE(mallinfo2().hblks, std::size_t(0)); // no mmapped block
        std::memset(a, 1, size);
        const std::size_t heldBefore = mallinfo2().arena;
        std::free(a);
        QVERIFY(mallinfo2().arena >= heldBefore); // not trimmed back to the kernel
        void *b = std::malloc(size);
        QVERIFY(b);
        QCOMPARE(mallinfo2().hblks, std::size_t(0));
        std::free(b);
#endif
    }
};

QTEST_GUILESS_MAIN(TestAllocator)
#include "tst_allocator.moc"
