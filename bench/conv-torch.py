#!/usr/bin/env python3
"""PyTorch's side of bench/conv-compare.mjs: conv2d forward + backward on ResNet-18's first layers, float32,
torch.set_num_threads(THREADS); prints one line per layer with the median of the reps in ms, as conv-ours.ts does.

Usage: /work/venv/bin/python bench/conv-torch.py [threads] [reps] [batch]
"""
import sys
import time

import torch
import torch.nn.functional as F


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    torch.set_num_threads(threads)
    layers = [
        ("stem 3->64 7x7/2", (batch, 3, 112, 112), (64, 3, 7, 7), 2, 3, False),
        ("conv 64->64 3x3", (batch, 64, 56, 56), (64, 64, 3, 3), 1, 1, True),
    ]
    for name, xs, ws, stride, padding, input_grad in layers:
        x = torch.randn(*xs, requires_grad=input_grad)
        w = (torch.randn(*ws) * 0.05).requires_grad_(True)
        b = torch.zeros(ws[0], requires_grad=True)
        upstream = None

        def step():
            nonlocal upstream
            y = F.conv2d(x, w, b, stride=stride, padding=padding)
            if upstream is None:
                upstream = torch.randn(y.shape)
            y.backward(upstream)
            x.grad = w.grad = b.grad = None

        step()
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            step()
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(f"torch {torch.__version__} threads={threads} {name} N={batch}: {times[len(times) // 2]:.1f} ms")


if __name__ == "__main__":
    main()
