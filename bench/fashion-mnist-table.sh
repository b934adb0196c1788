#!/usr/bin/env bash
# The README's Fashion-MNIST table at 48 x 48: full fine-tuning, head only and random start of nsfwjs's MobileNetV2 on 1,000 and 60,000 images, each under `time -v`.
# Usage: bash bench/fashion-mnist-table.sh <results folder> [run names...]   (from the repository root; names: full-1k random-1k head-1k head-60k random-60k full-60k)
set -u
RESULTS=${1:?results folder}
shift
RUNS=${*:-full-1k random-1k head-1k head-60k random-60k full-60k}
mkdir -p "$RESULTS"
FT="node bin/finetune.js train --model nsfwjs-mobilenet-v2 --data /usr/share/datasets/fashion-mnist --image-size 48 --no-augment --seed 42 --no-progress"
FULL="--bn-momentum 0.1 --lr 1e-3 --eval-every 100000"
for run in $RUNS; do
  case $run in
    full-1k) flags="$FULL --max-train-images 1000 --epochs 3 --batch-size 32" ;;
    random-1k) flags="$FULL --max-train-images 1000 --epochs 3 --batch-size 32 --init random" ;;
    head-1k) flags="--max-train-images 1000 --epochs 30 --batch-size 32 --lr 1e-2 --freeze base" ;;
    head-60k) flags="--epochs 10 --batch-size 64 --lr 1e-2 --freeze base" ;;
    random-60k) flags="$FULL --epochs 2 --batch-size 64 --warmup-ratio 0.05 --init random" ;;
    full-60k) flags="$FULL --epochs 2 --batch-size 64 --warmup-ratio 0.05" ;;
    *) echo "unknown run $run" >&2; exit 2 ;;
  esac
  out="$RESULTS/$run.txt"
  { lscpu | grep 'Model name'; echo "start: $(date -u +%FT%TZ) $(uptime)"; } > "$out"
  /usr/bin/time -v $FT $flags --output "$RESULTS/runs/$run" >> "$out" 2>&1
  echo "end: $(date -u +%FT%TZ) $(uptime)" >> "$out"
  grep -E '^test on|Elapsed' "$out" | sed "s|^|$run: |"
done
