#!/usr/bin/env python3
"""Checks an exported folder (finetune export) in Python's onnx and onnxruntime against transformers.

Usage:  /work/venv/bin/python scripts/check-onnx-export.py <export folder> <source model folder> [<export> <source> ...]

For each pair: onnx.checker on onnx/model.onnx (and model_quantized.onnx when present); then a few
sentences tokenized with the export's tokenizer.json, run by onnxruntime (CPU) and by transformers'
AutoModelForSequenceClassification / AutoModelForTokenClassification on the source folder (float32,
eval mode). fp32 logits must agree within 1e-4; int8 logits must give the same argmax on sequence
heads. Prints one line per model and a final `VERDICT: PASS` or `VERDICT: FAIL`; exits 0 on pass.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
from tokenizers import Tokenizer
from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification

TEXTS = ["the film was a delight", "dull and far too long", "an odd, quiet story about two brothers"]


def batch(export):
    tok = Tokenizer.from_file(os.path.join(export, "tokenizer.json"))
    encodings = [tok.encode(t) for t in TEXTS]
    width = max(len(e.ids) for e in encodings)
    pad = json.load(open(os.path.join(export, "config.json"))).get("pad_token_id") or 0
    ids = np.full((len(TEXTS), width), pad, dtype=np.int64)
    mask = np.zeros((len(TEXTS), width), dtype=np.int64)
    for i, e in enumerate(encodings):
        ids[i, : len(e.ids)] = e.ids
        mask[i, : len(e.ids)] = 1
    return ids, mask


def run_onnx(path, ids, mask):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in [i.name for i in session.get_inputs()]:
        feeds["token_type_ids"] = np.zeros_like(ids)
    return session.run(["logits"], feeds)[0]


def check(export, source):
    config = json.load(open(os.path.join(export, "config.json")))
    token = config["architectures"][0].endswith("ForTokenClassification")
    auto = AutoModelForTokenClassification if token else AutoModelForSequenceClassification
    model = auto.from_pretrained(source, dtype=torch.float32).eval()
    ids, mask = batch(export)
    with torch.no_grad():
        expected = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask)).logits.numpy()
    ok = True
    lines = []
    for name in ["model.onnx", "model_quantized.onnx"]:
        path = os.path.join(export, "onnx", name)
        if not os.path.exists(path):
            continue
        onnx.checker.check_model(path)
        got = run_onnx(path, ids, mask)
        if token:
            keep = mask.astype(bool)
            diff = float(np.abs(got[keep] - expected[keep]).max())
        else:
            diff = float(np.abs(got - expected).max())
        if name == "model.onnx":
            good = diff < 1e-4
            lines.append(f"fp32 max |diff| {diff:.2e}")
        else:
            agree = float((got.argmax(-1) == expected.argmax(-1))[mask.astype(bool) if token else slice(None)].mean())
            good = agree == 1.0 or token
            lines.append(f"int8 max |diff| {diff:.2e}, argmax agreement {agree:.2%}")
        ok = ok and good
    print(f"{'PASS' if ok else 'FAIL'} {export} ({config['architectures'][0]}, onnxruntime {ort.__version__}): {'; '.join(lines)}")
    return ok


def main(args):
    if len(args) < 2 or len(args) % 2:
        print(__doc__)
        return 2
    results = [check(args[i], args[i + 1]) for i in range(0, len(args), 2)]
    print(f"VERDICT: {'PASS' if all(results) else 'FAIL'}")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
