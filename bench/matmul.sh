#!/bin/sh
# Runs numpy (Debian, OpenBLAS) and this project's gemm side by side, alternating, for the same shape and threads.
# Usage: bench/matmul.sh [rounds] [m k n] [backend]   (after npm run build; check `uptime` first: the machine must be quiet)
set -e
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
M=${2:-2048}; K=${3:-768}; N=${4:-3072}
BACKEND=${5:-native}
THREADS=${THREADS:-2}
echo "load: $(uptime)"
# On a busy machine, node dist/bench/matmul-paired.js times the two sides in strict alternation instead.
i=1
while [ "$i" -le "$ROUNDS" ]; do
  echo "round $i"
  OPENBLAS_NUM_THREADS=$THREADS /usr/bin/python3 bench/matmul-numpy.py "$M" "$K" "$N"
  FINETUNE_THREADS=$THREADS node dist/bench/matmul-ours.js "$M" "$K" "$N" --backend "$BACKEND" --threads "$THREADS"
  i=$((i + 1))
done
