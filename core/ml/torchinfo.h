#pragma once
// Plain C++ facade over LibTorch facts (no torch types in this header).

#include <string>

namespace fopro::ml {

struct TorchInfo {
    std::string version;    // LibTorch version, e.g. "1.13.1"
    int intraOpThreads = 0; // torch's intra-op thread count now in force
    bool cudaAvailable = false;
};

/// Sets torch's intra-op thread count once, explicitly (LibTorch's default here is one thread).
/// `threads` <= 0 means every core (QThread::idealThreadCount()), as `threads: 0` is documented.
void configureTorchThreads(int threads = 0);

TorchInfo torchInfo();

/// A tiny real computation through LibTorch (a 2×2 matrix product), proving that the library is
/// linked and works: returns the sum of [[1,2],[3,4]]·[[5,6],[7,8]] = 19+22+43+50 = 134.
double torchSelfCheck();

} // namespace fopro::ml
