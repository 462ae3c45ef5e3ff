#pragma once
// The command-line tool's commands. Each takes its arguments (without "fopro" and the command
// words) and returns the process exit code: 0 success, 1 failure, 2 usage error.

#include <QtCore/QStringList>

namespace fopro::cli {

int datasetInspect(const QStringList &args);
int datasetSplit(const QStringList &args);
int datasetLongTail(const QStringList &args);
int datasetDedup(const QStringList &args);
int demo(const QStringList &args);

int train(const QStringList &args);       // fopro train
int evaluate(const QStringList &args);    // fopro eval
int exportModel(const QStringList &args); // fopro export
int predict(const QStringList &args);     // fopro predict
int probe(const QStringList &args);       // fopro probe
int teacher(const QStringList &args);     // fopro teacher inspect

int package(const QStringList &args);         // fopro package RUN OUT
int evaluatePackage(const QStringList &args); // fopro eval PACKAGE
/// True when the first positional argument is a study package folder (it holds package.json).
bool namesStudyPackage(const QStringList &args);

} // namespace fopro::cli
