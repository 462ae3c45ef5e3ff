#include "core/common/allocator.h"

#include <cstdlib> // defines __GLIBC__ where the C library is glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace fopro {

void reuseLargeBuffers()
{
#if defined(__GLIBC__)
    // 32 MB is the largest mmap threshold glibc accepts on 64-bit systems (a larger value is refused
    // and would leave the threshold fixed at its 128 KB default).
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif
}

} // namespace fopro
