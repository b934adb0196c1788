#!/bin/sh
# Builds bench/matmul-harness.c against native/src (the N-API binding cut off gemm.c) and Debian's OpenBLAS, and runs
# it: median GFLOP/s of ours (built-in kernels) and of OpenBLAS (AVX-512 kernels), and the median per-call ratio.
# Usage: bench/matmul-harness.sh M K N [threads 1] [rounds 7]
set -e
cd "$(dirname "$0")/.."
out=$(mktemp -d)
sed '/^\/\* Elements a row-major/,$d' native/src/gemm.c > "$out/gemm-core.c"
gcc -O3 -std=gnu11 -pthread -Inative/src -I"$(dirname "$(dirname "$(command -v node)")")/include/node" \
  -DFT_BLAS_OPENBLAS=1 -I/usr/include/x86_64-linux-gnu/openblas-pthread -o "$out/harness" bench/matmul-harness.c \
  "$out/gemm-core.c" native/src/gemm-builtin.c native/src/gemm-pack.c native/src/pool.c -lopenblas -lm
FINETUNE_GEMM=builtin OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX} "$out/harness" "$1" "$2" "$3" "${4:-1}" "${5:-7}"
rm -rf "$out"
