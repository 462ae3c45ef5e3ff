#!/usr/bin/env bash
# Builds the fuzz preset's targets (one compile job) and runs each for N executions, one target at a
# time in a single process, on a scratch copy of its seed corpus (the repository's corpus is never
# written). Prints a table: target, executions, seconds, exec/s, crashes. Crash inputs and logs are
# kept in the scratch folder, whose path is printed.
#
#   tests/fuzz/run_fuzzers.sh [-n RUNS] [-t SECONDS] [--no-build] [target...]
#
# -n RUNS      executions per target (default 1000000)
# -t SECONDS   stop a target after this long instead (libFuzzer -max_total_time), whichever comes first
# target...    a subset (default: all), e.g. fuzz_csv fuzz_idx
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD

runs=1000000
seconds=0
build=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) runs=$2; shift 2 ;;
    -t) seconds=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(fuzz_csv fuzz_import fuzz_idx fuzz_dicom fuzz_project fuzz_manifest fuzz_trainconfig fuzz_runfolder
     fuzz_workerprotocol fuzz_kerastopology)
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

# Inputs larger than this are never tried: enough for every format's interesting structure, small
# enough to keep each execution fast. DICOM seeds are a few KB.
max_len() {
  case "$1" in
    fuzz_dicom) echo 16384 ;;
    fuzz_idx) echo 4096 ;;
    *) echo 8192 ;;
  esac
}

if [ $build -eq 1 ]; then
  command -v clang++ >/dev/null || {
    echo "run_fuzzers: libFuzzer needs Debian's clang: apt-get install clang" >&2
    exit 1
  }
  cmake --preset fuzz >/dev/null
  # Only the fuzz targets: the whole tree would compile torch and the application under clang.
  cmake --build build/fuzz -j1 --target "${targets[@]}"
fi

scratch=$(mktemp -d "/tmp/fopro-fuzz-run.XXXXXX")
echo "scratch folder: $scratch"
# The targets that read files write each input to a scratch file: keep those in memory when we can.
[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
# malloc_context_size=0: no allocation stacks. Qt and the other system libraries have no frame
# pointers, so the fast unwinder records a new garbage stack for many allocations, and the stack
# store then grows without bound and slows a run down several times within minutes. A crash input
# rerun by hand (build/fuzz/tests/fuzz/<target> <file>) gets the default, full reports.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:malloc_context_size=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

results=()
for t in "${targets[@]}"; do
  exe=build/fuzz/tests/fuzz/$t
  [ -x "$exe" ] || { echo "missing $exe (build it first)" >&2; exit 1; }
  work=$scratch/$t
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -r "$root/tests/fuzz/corpus/$t/." "$work/corpus/" 2>/dev/null || true
  args=(-runs="$runs" -max_len="$(max_len "$t")" -rss_limit_mb=2048 -timeout=25 -print_final_stats=1
        -artifact_prefix="$work/artifacts/")
  [ "$seconds" -gt 0 ] && args+=(-max_total_time="$seconds")
  echo "== $t: ${args[*]}"
  start=$(date +%s.%N)
  set +e
  "$exe" "${args[@]}" "$work/corpus" >"$work/log.txt" 2>&1
  rc=$?
  set -e
  end=$(date +%s.%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log.txt" | tail -1)
  if [ -z "$execs" ]; then # a crash ends the run before the final statistics
    execs=$(grep -oE '^#[0-9]+' "$work/log.txt" | tail -1 | tr -d '#')
  fi
  execs=${execs:-0}
  crashes=$(find "$work/artifacts" -type f | wc -l)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
  rate=$(awk -v n="$execs" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : n) }')
  results+=("$(printf '%-22s %12s %9s %9s %8s' "$t" "$execs" "$secs" "$rate" "$crashes")")
  [ $rc -ne 0 ] && echo "   exit $rc; see $work/log.txt and $work/artifacts/" >&2
  tail -n 3 "$work/log.txt" | sed 's/^/   /'
done

echo
printf '%-22s %12s %9s %9s %8s\n' target executions seconds "exec/s" crashes
printf '%s\n' "${results[@]}"
