#!/usr/bin/env bash
# Demo comparison: CE vs Balanced Softmax vs EKD vs FoPro-KD (AKD) on the built-in demo
# (Fashion-MNIST made long-tailed, factor 0.01), several seeds, reported as measured.
#
#   tests/bench/demo_comparison.sh [BUILD_DIR] [WORK_DIR]
#
# Every run: CIFAR ResNet ×0.5 (blocks 1,1,1,1), 32 px, batch 64, Adam 1e-3, no augmentation,
# EPOCHS epochs of at most MAX_BATCHES batches (short on purpose: 2 cores). EKD and FoPro-KD use the
# demo teacher (MobileNetV2 to block_10_project_BN) at the student's 32 px; EKD's teacher features
# are cached. Prints balanced accuracy and the mean recall of the three rarest classes
# ("tail recall") on the 10,000 test images, mean ± sample std over the seeds.
# Environment: SEEDS (default "0 1 2"), EPOCHS (2), MAX_BATCHES (60), STRATEGIES.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$here/build/release}"
work="${2:-$(mktemp -d /tmp/fopro-comparison.XXXXXX)}"
fopro="$build/app/fopro"
teacher="${FOPRO_ASSETS:-$here/.cache/assets}/teachers/mobilenet_v2/model.json"
seeds="${SEEDS:-0 1 2}"
strategies="${STRATEGIES:-ce bsm ekd fopro_kd}"
mkdir -p "$work"
[ -f "$work/demo/fashion-mnist-lt.json" ] || "$fopro" demo --no-train --out "$work/demo" >/dev/null
for seed in $seeds; do
  for s in $strategies; do
    run="$work/runs/$s-seed$seed"
    [ -f "$run/results/test_metrics.json" ] && continue
    rm -rf "$run"; mkdir -p "$work/runs"
    extra=()
    case "$s" in ekd|fopro_kd) extra=(--teacher "$teacher" --teacher-layer block_10_project_BN --teacher-size 0) ;; esac
    start=$(date +%s)
    "$fopro" train --dataset "$work/demo/fashion-mnist-lt.json" --run "$run" --strategy "$s" --student cifar_resnet \
      --width 0.5 --blocks 1,1,1,1 --image-size 32 --batch 64 --lr 1e-3 --no-augment --epochs "${EPOCHS:-2}" \
      --max-batches "${MAX_BATCHES:-60}" --seed "$seed" --threads 2 "${extra[@]}" >/dev/null 2>"$run.log" || {
        echo "run $s seed $seed failed, see $run.log" >&2; exit 1; }
    echo "$s seed $seed: $(( $(date +%s) - start )) s" >&2
  done
done
python3 - "$work/runs" $strategies <<'PY'
import json, os, statistics, sys
root, strategies = sys.argv[1], sys.argv[2:]
print(f"{'strategy':10} {'runs':>4} {'balanced accuracy':>20} {'tail recall (3 rarest)':>24}")
for s in strategies:
    bacc, tail = [], []
    for d in sorted(os.listdir(root)):
        if not d.startswith(s + "-seed") or not os.path.isdir(os.path.join(root, d)):
            continue
        res = os.path.join(root, d, "results")
        m = json.load(open(os.path.join(res, "test_metrics.json")))
        classes = json.load(open(os.path.join(res, "test_per_class.json")))["classes"]
        rarest = sorted(classes, key=lambda c: c["trainCount"])[:3]
        bacc.append(m["balancedAccuracy"])
        tail.append(sum(c["recall"] for c in rarest) / 3)
    f = lambda v: f"{statistics.mean(v):.4f} ± {statistics.stdev(v) if len(v) > 1 else 0:.4f}"
    print(f"{s:10} {len(bacc):>4} {f(bacc):>20} {f(tail):>24}")
PY
