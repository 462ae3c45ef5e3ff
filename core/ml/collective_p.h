#pragma once
// Private to core/ml (included by its .cpp files only; it includes torch): the process group of a
// distributed run (distributed.h describes the scheme) and the few collective operations the trainer
// needs. Every operation either completes on every rank or throws a std::runtime_error whose text
// names the rank(s) at fault, so the trainer's ordinary failure path (status "failed", log,
// resumable checkpoint) reports it.

#include "core/common/result.h"
#include "core/ml/distributed.h"

#include <torch/torch.h>

#include <QtCore/QString>

#include <cstdint>
#include <memory>
#include <vector>

namespace fopro::ml {

class Collective {
public:
    /// Rendezvous (TCPStore; rank 0 hosts it) and a Gloo process group. Errors name the address.
    static Result<std::unique_ptr<Collective>> join(const DistributedSettings &settings);
    ~Collective();
    Collective(const Collective &) = delete;
    Collective &operator=(const Collective &) = delete;

    int rank() const;
    int size() const;
    const DistributedSettings &settings() const;

    /// Sums the gradients of `params` over the ranks after scaling this rank's by `weight` (its
    /// share of the global batch), in buckets of about 25 MiB that all travel at once. Parameters
    /// without a gradient are left out (the same ones on every rank: the graphs have one shape).
    void sumGradients(const std::vector<torch::Tensor> &params, double weight);
    /// Copies rank 0's values of `tensors` to every rank (bucketed).
    void broadcast(const std::vector<torch::Tensor> &tensors);
    /// Replaces floating-point `tensors` by their mean over the ranks (bucketed).
    void average(const std::vector<torch::Tensor> &tensors);
    /// Sum over the ranks of a tensor, in place.
    void sum(torch::Tensor &tensor);
    void barrier();

    /// This rank's finished training steps, named in the diagnosis of a failed collective. (Every
    /// collective first records in the store how many this rank has entered, and its step: a rank
    /// that has not entered the collective the others wait in is the one named.)
    void recordStep(std::int64_t step);
    /// Records why this rank stops (best effort), so the others can name it.
    void recordFailure(const QString &reason);

    /// Seconds spent in collectives since the last call (the all-reduce time of an epoch).
    double takeCommunicationSeconds();

private:
    struct Impl;
    explicit Collective(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

/// The local shard of a global batch: positions [begin, end) of `count` for `rank` of `world`
/// (contiguous; the first count mod world ranks take one more).
std::pair<int, int> shardRange(int count, int rank, int world);

} // namespace fopro::ml
