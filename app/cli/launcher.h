#pragma once
// `fopro train --nproc N`: starts N local processes of the same command as the ranks of one
// distributed run (core/ml/distributed.h) and supervises them, as torchrun does for Python.
//
// Each rank gets the variables a launcher sets (MASTER_ADDR=127.0.0.1, MASTER_PORT = a free port,
// WORLD_SIZE, RANK, LOCAL_RANK, LOCAL_WORLD_SIZE, FOPRO_DIST_TIMEOUT), its own process group (a
// Ctrl-C reaches the supervisor only, which passes it on once) and dies with the supervisor. Rank
// 0's output is the run's output; the other ranks print only their errors. In worker mode
// (--events) rank 0's event lines are the supervisor's, and the commands on stdin (pause, resume,
// cancel) and the command signals go to every rank.
//
// When a rank ends badly (an exit code other than 0 and 130, or a signal), the supervisor says
// which, lets the others stop on their own (they fail at their next collective, naming it) for up
// to the collective timeout, then ends them. Exit code: 0 when every rank finished, 130 when the run
// was cancelled, 1 otherwise.

#include "core/ml/distributed.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QStringList>

namespace fopro::cli {

struct LaunchOptions {
    int processes = 2;
    int timeoutSeconds = 300; ///< the ranks' collective timeout
    bool events = false;      ///< worker mode: relay commands, keep stdout for rank 0's events
};

/// Runs `arguments` (the `fopro` command line after the program name, without --nproc) as the
/// ranks of one run; returns the exit code described above.
int superviseLocalRanks(const QStringList &arguments, const LaunchOptions &options);

/// The options of `fopro train` that belong to a distributed run (allowed with --resume too).
extern const QStringList kDistributedOptions;

/// --nproc N > 1: this process supervises N ranks instead of training (0 when not asked, -1 after
/// reporting a bad value).
int nprocOf(const QCommandLineParser &p);
/// Supervises `nproc` ranks of `fopro train` with `trainArguments` (the command's arguments; their
/// --nproc is dropped), the collective timeout from --dist-timeout, worker mode from --events.
int launchRanks(const QCommandLineParser &p, int nproc, const QStringList &trainArguments);
/// The process's part in a distributed run: the environment (torchrun's variables), then the
/// options. false after reporting an error.
bool readDistribution(const QCommandLineParser &p, ml::DistributedSettings *d);

} // namespace fopro::cli
