#pragma once
// Heap settings for programs that allocate and free large image and tensor buffers again and again.
//
// glibc serves blocks above its mmap threshold with fresh mmap()ed pages and gives freed memory at
// the top of the heap back to the kernel above its trim threshold. Both thresholds adapt, but never
// past 32 MB, so a spectrum of a 1024 x 1024 image (about 60 MB of buffers) or a batch of tensors is
// faulted in page by page on every call. On the virtual machines this product runs on, those page
// faults cost ten times the computation (measured: the 1024^2 spectrum views 200 ms -> 17 ms).
// reuseLargeBuffers() raises both thresholds once at start, so freed buffers are reused: blocks up
// to 32 MB come from the heap, and up to 256 MB of freed memory stays with the process.

namespace fopro {

/// Call once, first thing in main(). Does nothing where the C library is not glibc.
void reuseLargeBuffers();

} // namespace fopro
