#pragma once
// How one training process takes part in a distributed run (plain C++/Qt, no torch here; the
// process group itself lives in distributed.cpp, see collective_p.h).
//
// A run of W processes is one training: the same configuration, the same global batch and the same
// sequence of samples as one process with the same seed. Every global batch is cut into W
// contiguous shards (rank r takes its share, the first B mod W ranks one image more), each rank
// computes its shard's loss, and the gradients (student, heads, Fourier prompt) are summed with
// bucketed all-reduces, weighted by each shard's share of the batch, so that the step is the step
// of the whole batch. Batch norm sees each rank's shard (as PyTorch's DistributedDataParallel
// without SyncBatchNorm); its running statistics are averaged over the ranks after every epoch.
// Rank 0 writes the run folder; the other ranks only read it (a run across machines needs it, and
// the dataset, on a shared file system). Validation and the final evaluation are split over the
// ranks and gathered.
//
// Rendezvous: PyTorch's c10d TCPStore at masterAddr:masterPort (rank 0 hosts it), then a Gloo
// process group (ProcessGroupGloo) on CPU. The variables torchrun and SLURM recipes set are read
// by fromEnvironment(): MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK, LOCAL_WORLD_SIZE,
// and FOPRO_DIST_TIMEOUT (seconds). GLOO_SOCKET_IFNAME chooses the network interface.
//
// Failure: a collective that does not complete within timeoutSeconds, or whose peer went away,
// stops every rank with an error naming the rank(s) that failed, stopped or lag behind (from what
// the ranks record in the store: their process, their last finished step, their own error). The
// run stays resumable from its last finished epoch with the same number of processes.

#include "core/common/result.h"

#include <QtCore/QString>

namespace fopro::ml {

struct DistributedSettings {
    int worldSize = 1;      ///< W processes in the run (1: not distributed)
    int rank = 0;           ///< 0 … W−1; rank 0 writes the run folder and hosts the store
    int localRank = 0;      ///< index among the processes on this machine
    int localWorldSize = 1; ///< processes on this machine (they share its cores)
    QString masterAddr = QStringLiteral("127.0.0.1");
    int masterPort = 29500;
    int timeoutSeconds = 300; ///< a collective that takes longer fails every rank

    bool enabled() const { return worldSize > 1; }
    /// True for the process that writes the run folder and prints the outcome.
    bool writer() const { return rank == 0; }
    /// Ranges and combinations; InvalidArgument naming the variable or option.
    Result<void> validate() const;
    /// torch intra-op threads of this process for `threads: 0` (every core): the machine's cores
    /// divided among its local processes, at least one.
    int defaultThreads() const;
    /// The settings the environment describes (WORLD_SIZE unset or 1: one process). A variable
    /// that is set but malformed is an error naming it.
    static Result<DistributedSettings> fromEnvironment();
};

} // namespace fopro::ml
