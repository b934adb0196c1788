#!/bin/sh
# The GEMM table of bench/README.md: `finetune bench matmul --compare` (ours against PyTorch's MKL and OpenBLAS's
# AVX-512 kernels, alternating call by call) at the two BERT shapes (M x K x N), 1 and 2 threads.
# Usage: bench/matmul.sh [rounds] [python]   (after the build; python: an interpreter with numpy and torch)
# LEAD_CALLS=1 gives each side one untimed call right before each timed one (products back to back, as in a step).
# FINETUNE_GEMM=builtin (the default here) measures the built-in kernels even where OpenBLAS is linked.
set -e
cd "$(dirname "$0")/.."
ROUNDS=${1:-15}
PYTHON=${2:-python3}
export FINETUNE_GEMM=${FINETUNE_GEMM:-builtin}
# The OpenBLAS anchor with its AVX-512 kernels whatever the machine sets (some set Haswell, AVX2, for everything).
export OPENBLAS_CORETYPE=${MATMUL_OPENBLAS_CORETYPE:-SkylakeX}
echo "cpu: $(lscpu | grep 'Model name' | sed 's/.*: *//')"
echo "load: $(uptime)"
for threads in 1 2; do
  for shape in "2048 768 3072" "1024 768 768"; do
    set -- $shape
    node bin/finetune.js bench matmul --compare --m "$1" --k "$2" --n "$3" --threads "$threads" --rounds "$ROUNDS" --python "$PYTHON" \
      --lead-calls "${LEAD_CALLS:-0}"
  done
done
echo "load: $(uptime)"
