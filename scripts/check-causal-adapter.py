#!/usr/bin/env python3
"""Checks that PEFT loads the LoRA adapters finetune trained on the tiny causal checkpoints and gives our logits.

Run:  node scripts/train-causal-adapter.mjs && /work/venv/bin/python scripts/check-causal-adapter.py [--atol 1e-4]

For <name> in gpt2, llama, qwen2: AutoModelForCausalLM.from_pretrained(test/golden/causal/<name>) (eager attention,
float32), PeftModel.from_pretrained(that, test/golden/causal/<name>-ours),
then compares the logits on the batch in <name>-ours.safetensors (position_ids = cumsum(mask) - 1, 1 at padding, at
the positions the mask keeps) with ours.logits, and merge_and_unload()'s with ours.merged.logits. Prints one line per
check and `VERDICT: PASS` or `VERDICT: FAIL`; exits 0 on pass, 1 on fail.
"""
import argparse
import os
import sys

import torch
from peft import PeftModel
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "golden", "causal")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--atol", type=float, default=1e-4)
    args = parser.parse_args()
    ok = True
    for name in ("gpt2", "llama", "qwen2"):
        expected = load_file(os.path.join(GOLDEN, f"{name}-ours.safetensors"))
        base = AutoModelForCausalLM.from_pretrained(os.path.join(GOLDEN, name), dtype=torch.float32, attn_implementation="eager")
        model = PeftModel.from_pretrained(base, os.path.join(GOLDEN, f"{name}-ours")).eval()
        ids = expected["input_ids"].long()
        mask = expected["attention_mask"].long()
        positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
        keep = mask.bool()
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=mask, position_ids=positions).logits
            diff = (logits - expected["ours.logits"]).abs()[keep].max().item()
            merged = model.merge_and_unload()
            merged_diff = (merged(input_ids=ids, attention_mask=mask, position_ids=positions).logits - expected["ours.merged.logits"]).abs()[keep].max().item()
        for what, value in (("adapter", diff), ("merged", merged_diff)):
            passed = value <= args.atol
            ok = ok and passed
            print(f"{name}: {what} logits max |diff| {value:.3g} {'<=' if passed else '>'} {args.atol}")
    print("VERDICT: PASS" if ok else "VERDICT: FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
