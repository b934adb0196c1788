#!/usr/bin/env python3
"""Times LoRA training steps of a causal LM (transformers + PEFT, PyTorch float32, eager attention, random weights).

Usage: /work/venv/bin/python bench/causal-lora-step.py --config bench/configs/smollm2-135m.json [--batch 4] [--seq 256]
         [--steps 3] [--warmup 1] [--threads 2] [--gradient-checkpointing]
The same step as bench/causal-lora-step.ts: PEFT's Llama defaults (q_proj, v_proj), r 8, alpha 16, dropout 0.1, AdamW
lr 1e-4 weight decay 0.01 on the adapters, loss = model(input_ids, labels=input_ids).loss. Prints one JSON line.
"""
import argparse
import json
import resource
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoConfig, AutoModelForCausalLM

parser = argparse.ArgumentParser()
parser.add_argument("--config", default="bench/configs/smollm2-135m.json")
parser.add_argument("--batch", type=int, default=4)
parser.add_argument("--seq", type=int, default=256)
parser.add_argument("--steps", type=int, default=3)
parser.add_argument("--warmup", type=int, default=1)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--gradient-checkpointing", action="store_true")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

config = AutoConfig.from_pretrained(args.config)
config._attn_implementation = "eager"
model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
if args.gradient_checkpointing:
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.config.use_cache = False
model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.1, task_type="CAUSAL_LM"))
model.train()
trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
total = sum(p.numel() for p in model.parameters())
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, weight_decay=0.01)
ids = torch.randint(0, config.vocab_size, (args.batch, args.seq), generator=torch.Generator().manual_seed(1))
mask = torch.ones_like(ids)

times = []
loss = 0.0
for step in range(args.warmup + args.steps):
    start = time.perf_counter()
    out = model(input_ids=ids, attention_mask=mask, labels=ids, use_cache=False)
    out.loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    loss = out.loss.item()
    if step >= args.warmup:
        times.append((time.perf_counter() - start) * 1000)
print(json.dumps({
    "side": "pytorch",
    "config": args.config,
    "batch": args.batch,
    "seq": args.seq,
    "gradientCheckpointing": args.gradient_checkpointing,
    "trainable": trainable,
    "total": total,
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "loss": loss,
    "stepMs": [round(t) for t in times],
    "medianMs": round(sorted(times)[len(times) // 2]),
    "peakRssMiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
}))
