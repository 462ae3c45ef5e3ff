#include "core/ml/torchinfo.h"

#include <torch/torch.h>

#include <QtCore/QThread>

#include <algorithm>

namespace fopro::ml {

void configureTorchThreads(int threads)
{
    if (threads <= 0) threads = std::max(1, QThread::idealThreadCount());
    torch::set_num_threads(threads);
}

TorchInfo torchInfo()
{
    TorchInfo info;
    info.version = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                   std::to_string(TORCH_VERSION_PATCH);
    info.intraOpThreads = torch::get_num_threads();
    info.cudaAvailable = torch::cuda::is_available();
    return info;
}

double torchSelfCheck()
{
    const torch::Tensor a = torch::tensor({1.0, 2.0, 3.0, 4.0}).reshape({2, 2});
    const torch::Tensor b = torch::tensor({5.0, 6.0, 7.0, 8.0}).reshape({2, 2});
    return torch::matmul(a, b).sum().item<double>();
}

} // namespace fopro::ml
