#!/usr/bin/env python3
"""Checks that a model folder we wrote holds exactly what transformers' save_pretrained writes for it.

Usage:  /work/venv/bin/python scripts/check-saved-config.py <folder> [<folder> ...]

For each folder: loads it with AutoModelForSequenceClassification (float32), saves it again with
save_pretrained into a temporary folder, and compares the two config.json files (every key and value;
`transformers_version` excepted, since ours keeps the source checkpoint's) and the two model.safetensors
files (the same keys, dtypes, shapes and values). Prints one line per folder and a final
`VERDICT: PASS` or `VERDICT: FAIL`; exits 0 on pass, 1 on fail.
"""
import json
import os
import sys
import tempfile

import torch
import transformers
from safetensors import safe_open
from transformers import AutoModelForSequenceClassification


def tensors(path):
    with safe_open(path, "pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, f.metadata()


def check(folder):
    model = AutoModelForSequenceClassification.from_pretrained(folder, dtype=torch.float32)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
            ours = json.load(f)
        with open(os.path.join(tmp, "config.json"), encoding="utf-8") as f:
            theirs = json.load(f)
        theirs_tensors, theirs_meta = tensors(os.path.join(tmp, "model.safetensors"))
    ours_tensors, ours_meta = tensors(os.path.join(folder, "model.safetensors"))
    problems = []
    for key in sorted(set(ours) | set(theirs)):
        if key == "transformers_version":
            continue
        if key not in theirs:
            problems.append(f"config.json: '{key}' is ours only")
        elif key not in ours:
            problems.append(f"config.json: '{key}' is missing (transformers writes {theirs[key]!r})")
        elif ours[key] != theirs[key]:
            problems.append(f"config.json: '{key}' is {ours[key]!r}, transformers writes {theirs[key]!r}")
    if list(ours) != sorted(ours):
        problems.append("config.json: keys are not sorted")
    if set(ours_tensors) != set(theirs_tensors):
        problems.append(f"model.safetensors: keys differ: ours only {sorted(set(ours_tensors) - set(theirs_tensors))}, "
                        f"theirs only {sorted(set(theirs_tensors) - set(ours_tensors))}")
    for key in sorted(set(ours_tensors) & set(theirs_tensors)):
        a, b = ours_tensors[key], theirs_tensors[key]
        if a.dtype != b.dtype or a.shape != b.shape or not torch.equal(a, b):
            problems.append(f"model.safetensors: '{key}' differs ({a.dtype} {list(a.shape)} vs {b.dtype} {list(b.shape)})")
    if ours_meta != theirs_meta:
        problems.append(f"model.safetensors: metadata {ours_meta} vs {theirs_meta}")
    status = "OK" if not problems else "DIFFERS: " + "; ".join(problems)
    print(f"{folder}: {type(model).__name__}, {len(ours)} config keys, {len(ours_tensors)} tensors: {status}")
    return not problems


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    ok = all([check(folder) for folder in sys.argv[1:]])
    print(f"VERDICT: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
