#!/usr/bin/env bash
# Speed of the project against plain PyTorch doing the same work, measured interleaved in one
# session (issue #13).
#
#   tests/bench/compare_speed.sh [BUILD_DIR] [WORK_DIR]
#
# Two comparisons, ROUNDS rounds each; within a round the project and the PyTorch script run one
# after the other, and which goes first alternates from round to round (so a slow phase of a shared
# machine does not always hit the same side):
#  1. Steps: BUILD_DIR/tests/bench_train --tsv against tests/bench/reference_step.py (ResNet-18
#     student, batch 32, random input, demo teacher MobileNetV2 to block_10_project_BN): one
#     optimisation step of CE, EKD with cached teacher features, EKD with the teacher every step,
#     FoPro-KD (AKD); inference at batch 1 and 32. Same SIZES, STEPS and THREADS on both sides.
#  2. Training: `fopro train` (strategies ce, ekd, fopro_kd; default settings: augmentation on,
#     resize policy crop, Adam 3e-4, clipping 5) against tests/bench/reference_train.py (a torch
#     Dataset decoding with cv2.imread in __getitem__, DataLoader with WORKERS worker processes),
#     on a generated folder dataset: 8 classes with COUNTS textured 512×512 JPEGs, all of it the
#     training split (no validation or test split, so neither side evaluates), TRAIN_SIZE px,
#     EPOCHS epochs, batch 32. The project's epoch time is the sum of the `seconds` column of the
#     run's epochs.csv; the script's is the time of its DataLoader loops.
#
# How to read the tables: for every row, the project's seconds and PyTorch's seconds are medians
# over the rounds; "PyTorch/project" is the speed-up, the ratio of the two sides' seconds measured
# in the same round, given as median (min–max) over the rounds. Above 1 the project is faster,
# below 1 it is slower. Two PyTorch versions of FoPro-KD are paired with the project's one:
# "fopro" is written the common way (a teacher forward without grad for the student step, then a
# second one with grad for the prompt step); "fopro_1fwd" does exactly the project's work (one
# forward with grad, detached for the student, its graph reused for the prompt step). Only the
# latter compares implementations of the same work; the former includes the saving of the
# project's algorithm. In the training table, "train epochs" excludes start-up and, on the
# project's side, the one-time decoding of every image before the first epoch (the script decodes
# inside its epochs, every epoch); "wall" is the whole process, start-up and decoding included.
# Peak RSS: the largest resident memory of each side's process over the rounds (the script's
# DataLoader workers are separate processes: the largest of them is listed too; they share much of
# their memory with the main process, so the two do not add up).
#
# Environment: ROUNDS (3), SIZES (112,224), STEPS (3), THREADS (2), STEP_ROWS (PyTorch rows,
# default all: ce,ekd_cached,ekd,fopro,fopro_1fwd,infer1,infer32), TRAIN_SIZE (112), EPOCHS (2),
# COUNTS (64,40,24,16,10,6,4,4: images per class), WORKERS (2), TEACHER_SIZE (0: the teacher at
# the student's size, as bench_train; -1: its own 224), TRAIN_STRATEGIES (PyTorch strategies,
# default "ce ekd fopro fopro_1fwd"), PARTS ("step train"), PYTHON (/usr/bin/python3 when present).
# The PyTorch side is skipped, with a message, when PYTHON cannot import torch, numpy and cv2; the
# training comparison then too (the dataset is generated with cv2). With the defaults on a 2-core
# machine a round takes roughly half an hour.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
bench="$here/tests/bench"
build="${1:-$here/build/release}"
work="${2:-$(mktemp -d /tmp/fopro-speed.XXXXXX)}"
rounds="${ROUNDS:-3}"
sizes="${SIZES:-112,224}"
steps="${STEPS:-3}"
threads="${THREADS:-2}"
step_rows="${STEP_ROWS:-ce,ekd_cached,ekd,fopro,fopro_1fwd,infer1,infer32}"
train_size="${TRAIN_SIZE:-112}"
epochs="${EPOCHS:-2}"
counts="${COUNTS:-64,40,24,16,10,6,4,4}"
workers="${WORKERS:-2}"
teacher_size="${TEACHER_SIZE:-0}"
train_strategies="${TRAIN_STRATEGIES:-ce ekd fopro fopro_1fwd}"
parts="${PARTS:-step train}"
python="${PYTHON:-}"
if [ -z "$python" ]; then
  if [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; else python=python3; fi
fi
teacher="${FOPRO_ASSETS:-$here/.cache/assets}/teachers/mobilenet_v2"
bench_train="$build/tests/bench_train"
fopro="$build/app/fopro"

have_py=1
if ! "$python" -c "import torch, numpy, cv2" 2>/dev/null; then
  have_py=0
  echo "note: $python cannot import torch, numpy and cv2 (Debian: apt-get install python3-torch python3-opencv);" \
    "the PyTorch side and the training comparison are skipped" >&2
fi
[ -f "$teacher/model.json" ] || { echo "demo teacher missing: $teacher (packaging/install-deps.sh fetches it)" >&2; exit 2; }
mkdir -p "$work"
rm -rf "$work/rounds"
echo "work folder: $work" >&2

# Runs a command with its output to OUT.log; writes its wall seconds, peak RSS and exit code to OUT.
measure() {
  local out="$1"
  shift
  "$python" - "$out" "$@" <<'PY'
import resource, subprocess, sys, time
out = sys.argv[1]
t0 = time.perf_counter()
with open(out + ".log", "w") as log:
    rc = subprocess.call(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
with open(out, "w") as f:
    f.write("wall_seconds\t%.3f\n# peak_rss_mb\t%.1f\nrc\t%d\n" % (wall, rss, rc))
sys.exit(rc)
PY
}

# ---- 1. steps ----------------------------------------------------------------------------------------
step_project() {
  "$bench_train" --tsv --sizes "$sizes" --steps "$steps" --threads "$threads" >"$1" 2>"$1.log" || {
    echo "bench_train failed (exit $?), see $1.log; it needs --tsv: rebuild it (cmake --build --preset release" \
      "--target bench_train)" >&2
    exit 1
  }
}
step_pytorch() {
  "$python" "$bench/reference_step.py" --teacher "$teacher" --sizes "$sizes" --steps "$steps" \
    --threads "$threads" --rows "$step_rows" >"$1" 2>"$1.log" || { echo "reference_step.py failed, see $1.log" >&2; exit 1; }
}
if [[ " $parts " == *" step "* ]]; then
  [ -x "$bench_train" ] || { echo "$bench_train not built (cmake --build --preset release --target bench_train)" >&2; exit 1; }
  for r in $(seq 1 "$rounds"); do
    d="$work/rounds/r$r"
    mkdir -p "$d"
    if [ $((r % 2)) -eq 1 ] || [ "$have_py" -eq 0 ]; then
      echo "round $r/$rounds, steps: project, then PyTorch" >&2
      step_project "$d/step_project.tsv"
      if [ "$have_py" -eq 1 ]; then step_pytorch "$d/step_pytorch.tsv"; fi
    else
      echo "round $r/$rounds, steps: PyTorch, then project" >&2
      step_pytorch "$d/step_pytorch.tsv"
      step_project "$d/step_project.tsv"
    fi
  done
fi

# ---- 2. training ------------------------------------------------------------------------------------
project_strategy() {
  case "$1" in ce) echo ce ;; ekd) echo ekd ;; fopro | fopro_1fwd) echo fopro_kd ;; *) echo "$1" ;; esac
}
train_project() { # STRATEGY OUT_PREFIX
  local extra=()
  [ "$1" != ce ] && extra=(--teacher "$teacher" --teacher-layer block_10_project_BN --teacher-size "$teacher_size")
  rm -rf "$2.run"
  measure "$2.tsv" "$fopro" train --dataset "$work/split/split.json" --run "$2.run" --strategy "$1" \
    --image-size "$train_size" --epochs "$epochs" --batch 32 --lr 3e-4 --threads "$threads" --workers "$workers" \
    --seed 0 "${extra[@]}" || { echo "fopro train $1 failed, see $2.tsv.log" >&2; exit 1; }
}
train_pytorch() { # STRATEGY OUT_PREFIX
  "$python" "$bench/reference_train.py" --data "$work/data" --strategy "$1" --epochs "$epochs" \
    --image-size "$train_size" --batch 32 --workers "$workers" --threads "$threads" --teacher "$teacher" \
    --teacher-size "$teacher_size" --save "$2.save" >"$2.tsv" 2>"$2.tsv.log" ||
    { echo "reference_train.py $1 failed, see $2.tsv.log" >&2; exit 1; }
  rm -rf "$2.save"
}
if [[ " $parts " == *" train "* ]] && [ "$have_py" -eq 1 ]; then
  [ -x "$fopro" ] || { echo "$fopro not built" >&2; exit 1; }
  if [ ! -f "$work/data/.complete" ]; then
    echo "generating the dataset (8 classes: $counts images of 512x512)" >&2
    rm -rf "$work/data"
    "$python" - "$work/data" "$counts" <<'PY'
import os, sys
import cv2
import numpy as np
root, counts, side = sys.argv[1], [int(c) for c in sys.argv[2].split(",")], 512
rng = np.random.default_rng(0)
yy, xx = np.mgrid[0:side, 0:side].astype(np.float32) / side
for k, n in enumerate(counts):
    folder = os.path.join(root, "class_%d" % k)
    os.makedirs(folder, exist_ok=True)
    base = rng.uniform(50, 205, 3)
    for i in range(n):
        img = np.empty((side, side, 3), np.float32)
        for c in range(3):  # a grating per channel (class colour, random frequency and phase) plus blurred noise
            fx, fy = rng.uniform(2, 40, 2)
            img[..., c] = base[c] + 45 * np.sin(2 * np.pi * (fx * xx + fy * yy) + rng.uniform(0, 2 * np.pi))
        noise = cv2.GaussianBlur(rng.normal(0, 35, (side, side, 3)).astype(np.float32), (0, 0), rng.uniform(0.5, 3))
        img = np.clip(img + noise, 0, 255).astype(np.uint8)
        cv2.imwrite(os.path.join(folder, "img_%04d.jpg" % i), img, [cv2.IMWRITE_JPEG_QUALITY, 90])
open(os.path.join(root, ".complete"), "w").close()
PY
    rm -rf "$work/split"
  fi
  if [ ! -f "$work/split/split.json" ]; then
    rm -rf "$work/split"
    "$fopro" dataset split "$work/data" --out "$work/split" --train 1 --val 0 --test 0 >"$work/split.log" 2>&1 ||
      { echo "fopro dataset split failed, see $work/split.log" >&2; exit 1; }
  fi
  project_strategies=()
  for s in $train_strategies; do
    p="$(project_strategy "$s")"
    [[ " ${project_strategies[*]:-} " == *" $p "* ]] || project_strategies+=("$p")
  done
  for r in $(seq 1 "$rounds"); do
    d="$work/rounds/r$r"
    mkdir -p "$d"
    for p in "${project_strategies[@]}"; do
      mine=()
      for s in $train_strategies; do [ "$(project_strategy "$s")" = "$p" ] && mine+=("$s"); done
      if [ $((r % 2)) -eq 1 ]; then
        echo "round $r/$rounds, training $p: project, then PyTorch (${mine[*]})" >&2
        train_project "$p" "$d/train_project_$p"
        for s in "${mine[@]}"; do train_pytorch "$s" "$d/train_pytorch_$s"; done
      else
        echo "round $r/$rounds, training $p: PyTorch (${mine[*]}), then project" >&2
        for s in "${mine[@]}"; do train_pytorch "$s" "$d/train_pytorch_$s"; done
        train_project "$p" "$d/train_project_$p"
      fi
    done
  done
fi

# ---- the tables --------------------------------------------------------------------------------------
settings="Project ($build) against plain PyTorch ($python), $rounds rounds, order alternating, $threads torch threads"
[[ " $parts " == *" step "* ]] && settings+="; steps: sizes $sizes, median of $steps steps"
[[ " $parts " == *" train "* ]] && settings+="; training: $train_size px, $epochs epochs, batch 32, $workers workers,\
 teacher size $teacher_size, images per class $counts"
echo "$settings; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
echo
"$python" - "$work/rounds" "$rounds" "$train_strategies" <<'PY'
import csv, glob, os, statistics, sys

root, rounds, strategies = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
PROJECT_STEP = {"fopro_1fwd": "fopro"}
PROJECT_TRAIN = {"ce": "ce", "ekd": "ekd", "fopro": "fopro_kd", "fopro_1fwd": "fopro_kd"}


def read_tsv(path):
    rows, meta = {}, {}
    if not os.path.exists(path):
        return rows, meta
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if line.startswith("#"):
            if len(parts) == 2:
                meta[parts[0][1:].strip()] = float(parts[1])
        elif len(parts) == 3 and parts[0] != "epoch":
            rows[(parts[0], int(parts[1]))] = float(parts[2])
        elif len(parts) == 2:
            rows[parts[0]] = float(parts[1])
    return rows, meta


def med(v):
    return statistics.median(v) if v else None


def fmt(v, digits=3):
    return "-" if v is None else "%.*f" % (digits, v)


def ratio_text(ratios):
    if not ratios:
        return "-"
    return "%.2f (%.2f–%.2f)" % (statistics.median(ratios), min(ratios), max(ratios))


def rss_text(values):
    return "-" if not values else "%.0f" % max(values)


step_project = [read_tsv(os.path.join(root, "r%d" % r, "step_project.tsv")) for r in range(1, rounds + 1)]
step_pytorch = [read_tsv(os.path.join(root, "r%d" % r, "step_pytorch.tsv")) for r in range(1, rounds + 1)]
if any(p[0] for p in step_project):
    print("Steps: seconds per step (infer1/infer32: per call), medians over %d rounds" % rounds)
    print("%-11s %5s %11s %11s   %s" % ("row", "size", "project", "PyTorch", "PyTorch/project median (min–max)"))
    keys = []
    for (rows, _), (prow, _) in zip(step_project, step_pytorch):
        for k in list(prow) + list(rows):
            if k not in keys:
                keys.append(k)
    order = ["ce", "ekd_cached", "ekd", "fopro", "fopro_1fwd", "infer1", "infer32"]
    keys.sort(key=lambda k: (k[1], order.index(k[0]) if k[0] in order else 99))
    for name, size in keys:
        project_name = PROJECT_STEP.get(name, name)
        proj = [p[0][(project_name, size)] for p in step_project if (project_name, size) in p[0]]
        py = [p[0][(name, size)] for p in step_pytorch if (name, size) in p[0]]
        ratios = [b[0][(name, size)] / a[0][(project_name, size)] for a, b in zip(step_project, step_pytorch)
                  if (project_name, size) in a[0] and (name, size) in b[0] and a[0][(project_name, size)] > 0]
        label = name if name == project_name else "%s*" % name
        print("%-11s %5d %11s %11s   %s" % (label, size, fmt(med(proj)), fmt(med(py)), ratio_text(ratios)))
    print("fopro: the script's common way (two teacher forwards); fopro_1fwd*: exactly the project's work (one forward),"
          " paired with the project's fopro row")
    print("peak RSS (MB, largest over the rounds): project %s, PyTorch %s\n" % (
        rss_text([p[1]["peak_rss_mb"] for p in step_project if "peak_rss_mb" in p[1]]),
        rss_text([p[1]["peak_rss_mb"] for p in step_pytorch if "peak_rss_mb" in p[1]])))


def project_train(r, strategy):
    """(train seconds from epochs.csv, wall seconds, peak RSS) of a `fopro train` run, or None."""
    prefix = os.path.join(root, "r%d" % r, "train_project_%s" % strategy)
    wall, meta = read_tsv(prefix + ".tsv")
    epochs_csv = os.path.join(prefix + ".run", "epochs.csv")
    if "wall_seconds" not in wall or not os.path.exists(epochs_csv):
        return None
    seconds = sum(float(row["seconds"]) for row in csv.DictReader(open(epochs_csv)))
    return seconds, wall["wall_seconds"], meta.get("peak_rss_mb")


def pytorch_train(r, strategy):
    rows, meta = read_tsv(os.path.join(root, "r%d" % r, "train_pytorch_%s.tsv" % strategy))
    if "train_seconds" not in rows:
        return None
    return rows["train_seconds"], rows["wall_seconds"], meta.get("peak_rss_mb"), meta.get("peak_rss_workers_mb")


if glob.glob(os.path.join(root, "r*", "train_*")):
    print("Training: seconds per run, medians over %d rounds" % rounds)
    print("%-11s %-13s %11s %11s   %s" % ("strategy", "measure", "project", "PyTorch", "PyTorch/project median (min–max)"))
    rss_lines = []
    for s in strategies:
        p = PROJECT_TRAIN.get(s, s)
        proj = [project_train(r, p) for r in range(1, rounds + 1)]
        py = [pytorch_train(r, s) for r in range(1, rounds + 1)]
        for i, measure in ((0, "train epochs"), (1, "wall")):
            a = [x[i] for x in proj if x]
            b = [x[i] for x in py if x]
            ratios = [y[i] / x[i] for x, y in zip(proj, py) if x and y and x[i] > 0]
            label = s if PROJECT_TRAIN.get(s) == s else "%s*" % s
            print("%-11s %-13s %11s %11s   %s" % (label, measure, fmt(med(a), 1), fmt(med(b), 1), ratio_text(ratios)))
        rss_lines.append("%s: project %s, PyTorch %s (largest worker %s)" % (
            s, rss_text([x[2] for x in proj if x and x[2]]), rss_text([x[2] for x in py if x and x[2]]),
            rss_text([x[3] for x in py if x and x[3]])))
    print("*: paired with the project's %s; fopro_1fwd does the project's work exactly" % PROJECT_TRAIN["fopro"])
    print("peak RSS (MB, largest over the rounds): " + "; ".join(rss_lines))
PY
