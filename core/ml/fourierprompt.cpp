#include "core/ml/fourierprompt.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace fopro::ml {

namespace F = torch::nn::functional;

at::Tensor radialFrequency(int height, int width)
{
    TORCH_CHECK(height > 0 && width > 0, "image size must be positive");
    const auto fy = torch::fft::fftfreq(height, torch::TensorOptions().dtype(torch::kFloat32)); // H
    const auto fx = torch::fft::rfftfreq(width, torch::TensorOptions().dtype(torch::kFloat32)); // W/2+1
    return torch::sqrt(fy.unsqueeze(1).square() + fx.unsqueeze(0).square()) / 0.5;
}

at::Tensor fourierBandMask(int height, int width, double radius)
{
    return (radialFrequency(height, width) <= radius).to(torch::kFloat32);
}

at::Tensor applySpectralGain(const at::Tensor &x, const at::Tensor &gain)
{
    TORCH_CHECK(x.dim() == 4, "images must be B x C x H x W, got ", x.sizes());
    const auto spectrum = torch::fft::rfft2(x);
    const std::vector<std::int64_t> size{x.size(2), x.size(3)};
    return torch::fft::irfft2(spectrum * gain.to(x.device(), x.scalar_type()), size);
}

namespace detail {

/// The FPG as a torch module. forward() returns x̃ and remembers the gain it used.
class FourierPromptImpl : public torch::nn::Module {
public:
    explicit FourierPromptImpl(const FourierPromptConfig &config)
        : m_config(config), m_height(config.imageSize),
          m_width(config.imageWidth > 0 ? config.imageWidth : config.imageSize), m_halfWidth(m_width / 2 + 1)
    {
        TORCH_CHECK(m_height > 0 && m_width > 0 && config.channels > 0, "invalid Fourier prompt size");
        TORCH_CHECK(config.alpha > 0.0, "Fourier prompt alpha must be positive");
        if (config.mode == FourierPromptMode::Global) {
            m_prompt = register_parameter("prompt", torch::zeros({config.channels, m_height, m_halfWidth}));
        } else {
            const int hidden = std::max(1, config.generatorWidth);
            const auto conv = [](int in, int out) {
                return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1));
            };
            m_generator =
                register_module("generator", torch::nn::Sequential(conv(config.channels, hidden), torch::nn::ReLU(),
                                                                   conv(hidden, hidden), torch::nn::ReLU(),
                                                                   conv(hidden, config.channels)));
            // The last layer starts at zero: P = 0, G = 1, the prompt starts as the identity (like the
            // global mode); its gradient is non-zero, so training moves it away from there.
            auto last = m_generator->ptr<torch::nn::Conv2dImpl>(4);
            torch::NoGradGuard noGrad;
            last->weight.zero_();
            last->bias.zero_();
        }
        if (config.bandRadius > 0.0)
            m_mask = register_buffer("mask", fourierBandMask(m_height, m_width, config.bandRadius));
    }

    const FourierPromptConfig &config() const { return m_config; }
    int height() const { return m_height; }
    int halfWidth() const { return m_halfWidth; }

    /// G = 1 + α·tanh(P) for the global prompt (C × H × (W/2+1)).
    torch::Tensor globalGain() const { return 1.0 + m_config.alpha * torch::tanh(m_prompt); }

    /// G for a batch from its spectrum: C × H × (W/2+1) (global) or B × C × H × (W/2+1) (conditional).
    torch::Tensor gain(const torch::Tensor &spectrum)
    {
        if (m_config.mode == FourierPromptMode::Global) return globalGain();
        // h(log(1 + A)): the generator sees the (detached) log-amplitude, pooled to a small grid.
        const auto logAmplitude = torch::log1p(spectrum.abs()).detach();
        const std::int64_t side = std::max(1, m_config.generatorGrid);
        const std::vector<std::int64_t> grid{std::min<std::int64_t>(m_height, side),
                                             std::min<std::int64_t>(m_halfWidth, side)};
        auto p = m_generator->forward(F::adaptive_avg_pool2d(logAmplitude, F::AdaptiveAvgPool2dFuncOptions(grid)));
        p = F::interpolate(p, F::InterpolateFuncOptions()
                                  .size(std::vector<std::int64_t>{m_height, m_halfWidth})
                                  .mode(torch::kBilinear)
                                  .align_corners(false));
        return 1.0 + m_config.alpha * torch::tanh(p);
    }

    /// M·G + (1 − M) (G itself without a mask).
    torch::Tensor effective(const torch::Tensor &g) const { return m_mask.defined() ? m_mask * g + (1.0 - m_mask) : g; }

    torch::Tensor forward(const torch::Tensor &x)
    {
        TORCH_CHECK(x.dim() == 4 && x.size(1) == m_config.channels && x.size(2) == m_height && x.size(3) == m_width,
                    "Fourier prompt expects B x ", m_config.channels, " x ", m_height, " x ", m_width, ", got ",
                    x.sizes());
        const auto spectrum = torch::fft::rfft2(x);
        const auto g = gain(spectrum);
        m_lastGain = g;
        // A·(M·G + 1 − M)·e^{iΦ} = X·(M·G + 1 − M): the gain is real, the phase is untouched.
        const auto gm = effective(g).to(x.scalar_type());
        return torch::fft::irfft2(spectrum * gm, std::vector<std::int64_t>{m_height, m_width});
    }

    torch::Tensor regulariser() const
    {
        if (m_config.mode == FourierPromptMode::Global) return (globalGain() - 1.0).square().mean();
        if (!m_lastGain.defined()) return torch::zeros({});
        return (m_lastGain - 1.0).square().mean();
    }

    /// Effective gain for display, C × H × (W/2+1), detached.
    torch::Tensor displayGain() const
    {
        torch::NoGradGuard noGrad;
        if (m_config.mode == FourierPromptMode::Global) return effective(globalGain()).detach().clone();
        if (!m_lastGain.defined()) return torch::ones({m_config.channels, m_height, m_halfWidth});
        return effective(m_lastGain.detach().mean(0)).clone();
    }

private:
    FourierPromptConfig m_config;
    int m_height;
    int m_width;
    int m_halfWidth;
    torch::Tensor m_prompt;
    torch::nn::Sequential m_generator{nullptr};
    torch::Tensor m_mask;
    torch::Tensor m_lastGain;
};

TORCH_MODULE(FourierPrompt);

} // namespace detail

struct FourierPrompt::Impl {
    explicit Impl(const FourierPromptConfig &config) : module(config) {}
    detail::FourierPrompt module;
};

FourierPrompt::FourierPrompt(const FourierPromptConfig &config) : m_impl(std::make_unique<Impl>(config)) {}
FourierPrompt::~FourierPrompt() = default;
FourierPrompt::FourierPrompt(FourierPrompt &&) noexcept = default;
FourierPrompt &FourierPrompt::operator=(FourierPrompt &&) noexcept = default;

const FourierPromptConfig &FourierPrompt::config() const
{
    return m_impl->module->config();
}

at::Tensor FourierPrompt::apply(const at::Tensor &x)
{
    return m_impl->module->forward(x);
}

at::Tensor FourierPrompt::regulariser()
{
    return m_impl->module->regulariser();
}

std::vector<at::Tensor> FourierPrompt::parameters()
{
    return m_impl->module->parameters();
}

at::Tensor FourierPrompt::gainMap()
{
    return m_impl->module->displayGain();
}

std::vector<double> FourierPrompt::radialGainProfile(int bands)
{
    if (bands <= 0) return {};
    const auto &module = m_impl->module;
    const auto gain = module->displayGain().to(torch::kCPU, torch::kFloat64).mean(0).contiguous(); // H × (W/2+1)
    const int width = config().imageWidth > 0 ? config().imageWidth : config().imageSize;
    const auto rho = radialFrequency(module->height(), width).to(torch::kFloat64).contiguous();
    const auto g = gain.accessor<double, 2>();
    const auto r = rho.accessor<double, 2>();
    std::vector<double> sum(std::size_t(bands), 0.0);
    std::vector<int> count(std::size_t(bands), 0);
    for (std::int64_t i = 0; i < gain.size(0); ++i) {
        for (std::int64_t j = 0; j < gain.size(1); ++j) {
            const int band = std::min(bands - 1, int(std::floor(std::min(r[i][j], 1.0) * bands)));
            sum[std::size_t(band)] += g[i][j];
            ++count[std::size_t(band)];
        }
    }
    for (std::size_t b = 0; b < sum.size(); ++b)
        sum[b] = count[b] > 0 ? sum[b] / count[b] : std::numeric_limits<double>::quiet_NaN();
    return sum;
}

void FourierPrompt::setTraining(bool on)
{
    m_impl->module->train(on);
}

} // namespace fopro::ml
