#!/usr/bin/python3
# numpy's matmul GFLOP/s for the four transpose combinations of one shape (Debian numpy on the same OpenBLAS).
# Usage: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/matmul-numpy.py [m k n] [--serve]
# With --serve it reads one combination per stdin line (NN, NT, TN or TT), times one call and answers the ms
# (bench/matmul-paired.ts drives it so that both sides are timed under the same machine load).
import sys
import time

import numpy as np

serve = "--serve" in sys.argv
numbers = [v for v in sys.argv[1:] if v != "--serve"]
m, k, n = (int(v) for v in numbers[:3]) if len(numbers) >= 3 else (2048, 768, 3072)
rng = np.random.default_rng(0)
threads = __import__("os").environ.get("OPENBLAS_NUM_THREADS", "default")


def operands(trans_a, trans_b):
    a = rng.random((k, m), dtype=np.float32).T if trans_a else rng.random((m, k), dtype=np.float32)
    b = rng.random((n, k), dtype=np.float32).T if trans_b else rng.random((k, n), dtype=np.float32)
    return a, b, np.empty((m, n), dtype=np.float32)


if serve:
    cases = {label: operands(label[0] == "T", label[1] == "T") for label in ("NN", "NT", "TN", "TT")}
    for line in sys.stdin:
        a, b, c = cases[line.strip()]
        start = time.perf_counter()
        np.matmul(a, b, out=c)
        print(f"{(time.perf_counter() - start) * 1000:.4f}", flush=True)
    sys.exit(0)

for trans_a, trans_b in ((False, False), (False, True), (True, False), (True, True)):
    # Transposed operands are transposed views of C-order arrays, so numpy hands BLAS a transpose flag, not a copy.
    a, b, c = operands(trans_a, trans_b)

    def call():
        start = time.perf_counter()
        np.matmul(a, b, out=c)
        return (time.perf_counter() - start) * 1000

    warm = min(call(), call())
    repeats = max(3, min(50, int(1000 / max(warm, 1e-3)) + 1))
    times = sorted(call() for _ in range(repeats))
    mid = len(times) // 2
    ms = times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2
    label = ("T" if trans_a else "N") + ("T" if trans_b else "N")
    print(f"numpy openblas {m}x{k}x{n} {label} threads={threads}: {2 * m * n * k / (ms / 1000) / 1e9:.1f} GFLOP/s ({ms:.2f} ms)")
