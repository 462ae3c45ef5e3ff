#!/usr/bin/env bash
# Images per second of `fopro train` as 1 process × THREADS threads against NPROC processes × 1
# thread each (--nproc, one distributed run over loopback with Gloo) on the same machine, plus the
# time the ranks spend in collectives per step (from the run's log) and the pure all-reduce of a
# ResNet-18's gradients (bench_allreduce).
#
#   tests/bench/distributed_speed.sh [BUILD_DIR] [WORK_DIR]
#
# Interleaved rounds (ROUNDS, default 3; which side goes first alternates). Each run: ResNet-18,
# strategy STRATEGY (ce), SIZE px (112), batch 32, EPOCHS epochs (3), augmentation on, on a
# generated folder dataset of 8 classes with COUNTS 512×512 JPEGs (all training split). A run's
# images/s is the median over its epochs after the first of the `images_per_second` column of
# epochs.csv (training only: decoding before the first epoch and validation are left out).
# "NPROC×1 / 1×THREADS" above 1 means the processes are faster. Needs /usr/bin/python3 with cv2
# (python3-opencv, installed by the setup) to write the JPEGs.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$here/build/release}"
work="${2:-$(mktemp -d /tmp/fopro-dist.XXXXXX)}"
rounds="${ROUNDS:-3}"
size="${SIZE:-112}"
epochs="${EPOCHS:-3}"
threads="${THREADS:-2}"
nproc="${NPROC:-2}"
strategy="${STRATEGY:-ce}"
counts="${COUNTS:-64,40,24,16,10,6,4,4}"
fopro="$build/app/fopro"
python="${PYTHON:-/usr/bin/python3}"

mkdir -p "$work"
if [ ! -f "$work/split/split.json" ]; then
  "$python" - "$work/images" "$counts" <<'EOF'
import os, sys
import cv2
import numpy as np
root, counts = sys.argv[1], [int(c) for c in sys.argv[2].split(",")]
rng = np.random.default_rng(0)
for c, n in enumerate(counts):
    os.makedirs(f"{root}/class{c}", exist_ok=True)
    for i in range(n):
        x = np.linspace(0, 1, 512, dtype=np.float32)
        f = 4 + 3 * c
        img = 0.5 + 0.25 * np.sin(2 * np.pi * f * (x[None, :] * np.cos(c) + x[:, None] * np.sin(c)))
        img = np.stack([img * (0.6 + 0.05 * k) for k in range(3)], -1) + 0.1 * rng.standard_normal((512, 512, 3))
        cv2.imwrite(f"{root}/class{c}/{i}.jpg", np.clip(img * 255, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90])
EOF
  "$fopro" dataset split "$work/images" --out "$work/split" --train 1 --val 0 --test 0 >/dev/null
fi

# images/s of a run (median over the epochs after the first) and its collectives in ms per step.
measure() {
  local run=$1
  "$python" - "$run" <<'EOF'
import csv, re, statistics, sys
run = sys.argv[1]
rows = list(csv.DictReader(open(f"{run}/epochs.csv")))
ips = [float(r["images_per_second"]) for r in rows[1:]] or [float(rows[0]["images_per_second"])]
ms = [float(m) for m in re.findall(r"collectives [0-9.]+ s in \d+ steps \(([0-9.]+) ms per step", open(f"{run}/log.txt").read())]
print(f"{statistics.median(ips):.2f} {statistics.median(ms) if ms else float('nan'):.1f}")
EOF
}

common=(train --dataset "$work/split/split.json" --strategy "$strategy" --student resnet18 --image-size "$size"
        --epochs "$epochs" --batch 32)
single=(); multi=(); comm=()
for round in $(seq 1 "$rounds"); do
  order="single multi"; [ $((round % 2)) -eq 0 ] && order="multi single"
  for side in $order; do
    run="$work/run-$round-$side"; rm -rf "$run"
    if [ "$side" = single ]; then
      "$fopro" "${common[@]}" --run "$run" --threads "$threads" --workers 2 >/dev/null 2>"$run.err" || { cat "$run.err"; exit 1; }
      read -r ips _ < <(measure "$run"); single+=("$ips")
    else
      "$fopro" "${common[@]}" --run "$run" --threads 1 --workers 1 --nproc "$nproc" >/dev/null 2>"$run.err" || { cat "$run.err"; exit 1; }
      read -r ips ms < <(measure "$run"); multi+=("$ips"); comm+=("$ms")
    fi
  done
  echo "round $round: 1×$threads threads ${single[-1]} img/s, ${nproc}×1 thread ${multi[-1]} img/s (collectives ${comm[-1]} ms/step)" >&2
done

"$python" - "${single[*]}" "${multi[*]}" "${comm[*]}" "$nproc" "$threads" "$size" "$rounds" <<'EOF'
import statistics, sys
s, m, c = ([float(x) for x in a.split()] for a in sys.argv[1:4])
nproc, threads, size, rounds = sys.argv[4:8]
r = [b / a for a, b in zip(s, m)]  # the two sides of the same round
med = statistics.median
print(f"| {size} px, ResNet-18, batch 32 ({rounds} rounds) | images/s |")
print("|---|---|")
print(f"| 1 process × {threads} threads | {med(s):.1f} |")
print(f"| {nproc} processes × 1 thread | {med(m):.1f} |")
print(f"| ratio {nproc}×1 / 1×{threads} | {med(r):.2f} ({min(r):.2f}–{max(r):.2f}) |")
print(f"| time in collectives per step ({nproc} processes) | {med(c):.0f} ms ({min(c):.0f}–{max(c):.0f}) |")
EOF
echo >&2
"$build/tests/bench_allreduce" 20 "$nproc"
