#!/usr/bin/env python3
"""PyTorch twin of bench/vision-step.ts: training steps of transformers' ResNetForImageClassification (resnet-18's config)
and MobileNetV2ForImageClassification (google/mobilenet_v2_1.0_224's default config), batch 32 x 3 x 112 x 112,
cross entropy, AdamW (lr 1e-4, weight decay 0.01), float32, train mode. One JSON line per model.

Usage: /work/venv/bin/python bench/vision-step.py [models=resnet18,mobilenetv2] [batch=32] [size=112] [steps=3] [warmup=1] [threads=2]
"""
import json
import resource
import sys
import time

import torch
import torch.nn.functional as F
from transformers import MobileNetV2Config, MobileNetV2ForImageClassification, ResNetConfig, ResNetForImageClassification

models = (sys.argv[1] if len(sys.argv) > 1 else "resnet18,mobilenetv2").split(",")
batch, size, steps, warmup, threads = (int(v) for v in (sys.argv[2:7] + ["32", "112", "3", "1", "2"][len(sys.argv[2:7]):]))
classes = 10
torch.set_num_threads(threads)
torch.manual_seed(0)


def build(name):
    if name == "resnet18":
        return ResNetForImageClassification(ResNetConfig(layer_type="basic", embedding_size=64, hidden_sizes=[64, 128, 256, 512], depths=[2, 2, 2, 2], num_labels=classes))
    if name == "mobilenetv2":
        return MobileNetV2ForImageClassification(MobileNetV2Config(num_labels=classes))
    raise SystemExit(f"unknown model {name}")


for name in models:
    model = build(name).train()
    pixels = torch.randn(batch, 3, size, size)
    labels = torch.arange(batch) % classes
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)

    def step():
        loss = F.cross_entropy(model(pixel_values=pixels).logits, labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss.item()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    ms = sorted(times)[len(times) // 2]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"side": "torch", "model": name, "batch": batch, "size": size, "ms": ms, "times": times, "peakRssMiB": rss,
                      "backend": f"torch {torch.__version__}", "threads": torch.get_num_threads()}), flush=True)
