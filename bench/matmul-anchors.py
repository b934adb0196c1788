#!/usr/bin/env python3
# The anchors of `finetune bench matmul --compare`: torch.mm (PyTorch's MKL) and OpenBLAS's cblas_sgemm
# (Debian's libopenblas through ctypes), timed one call per stdin line so the caller can alternate with its own.
# Usage: OPENBLAS_CORETYPE=SkylakeX python bench/matmul-anchors.py M K N THREADS
# The first line out is JSON naming the anchors that loaded; then each input line "<anchor> <NN|NT|TN|TT>" is
# answered with the wall-clock and the CPU milliseconds (all threads of the process) of one call, or "error <why>".
import ctypes
import ctypes.util
import json
import sys
import time

import numpy as np

m, k, n, threads = (int(v) for v in sys.argv[1:5])
rng = np.random.default_rng(0)


def stored(rows, cols, transposed):
    # A transposed operand is stored [cols, rows], as the Backend's gemm takes it.
    return rng.random((cols, rows) if transposed else (rows, cols), dtype=np.float32) - 0.5


operands = {
    label: (stored(m, k, label[0] == "T"), stored(k, n, label[1] == "T"), np.empty((m, n), dtype=np.float32))
    for label in ("NN", "NT", "TN", "TT")
}
anchors = {}
info = {}

try:
    import torch

    torch.set_num_threads(threads)
    tensors = {label: tuple(torch.from_numpy(x) for x in ops) for label, ops in operands.items()}

    def torch_call(label):
        a, b, c = tensors[label]
        torch.mm(a.t() if label[0] == "T" else a, b.t() if label[1] == "T" else b, out=c)

    anchors["torch"] = torch_call
    info["torch"] = f"torch {torch.__version__} ({'mkl' if torch.backends.mkl.is_available() else 'no mkl'})"
except ImportError as error:
    info["torch"] = f"unavailable: {error}"

path = ctypes.util.find_library("openblas") or "libopenblas.so.0"
try:
    blas = ctypes.CDLL(path)
    blas.openblas_set_num_threads(threads)
    blas.openblas_get_corename.restype = ctypes.c_char_p
    blas.cblas_sgemm.argtypes = [ctypes.c_int] * 6 + [ctypes.c_float, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                                                      ctypes.c_int, ctypes.c_float, ctypes.c_void_p, ctypes.c_int]

    def openblas_call(label):
        a, b, c = operands[label]
        trans_a, trans_b = label[0] == "T", label[1] == "T"
        blas.cblas_sgemm(101, 112 if trans_a else 111, 112 if trans_b else 111, m, n, k, 1.0, a.ctypes.data,
                         a.shape[1], b.ctypes.data, b.shape[1], 0.0, c.ctypes.data, n)

    anchors["openblas"] = openblas_call
    info["openblas"] = f"{path} core {blas.openblas_get_corename().decode()}"
except (OSError, AttributeError) as error:
    info["openblas"] = f"unavailable: {error}"

print(json.dumps({"anchors": list(anchors), "info": info}), flush=True)
for line in sys.stdin:
    name, label = line.split()
    try:
        start, cpu = time.perf_counter(), time.process_time()
        anchors[name](label)
        print(f"{(time.perf_counter() - start) * 1000:.4f} {(time.process_time() - cpu) * 1000:.4f}", flush=True)
    except Exception as error:  # one line back whatever failed, so the caller never waits forever
        print(f"error {error}", flush=True)
