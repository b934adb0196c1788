#!/usr/bin/env python3
"""Checks an exported folder (finetune export) in Python's onnx and onnxruntime against transformers.

Usage:  /work/venv/bin/python scripts/check-onnx-export.py <export folder> <source model folder> [<export> <source> ...]

For each pair: onnx.checker on onnx/model.onnx (and model_quantized.onnx when present); then, by the
kind config.json names:
- encoders: a few sentences tokenized with the export's tokenizer.json, run by onnxruntime (CPU) and by
  transformers' AutoModelForSequenceClassification / AutoModelForTokenClassification on the source folder;
- causal LMs (...ForCausalLM, ...LMHeadModel): a left-padded batch of ids as a first step (empty
  past_key_values) and a second step fed the present.* outputs, against transformers'
  AutoModelForCausalLM on the whole sequence; then 6 greedy tokens with the cache against generate();
- image classifiers (...ForImageClassification): random pixel_values against
  AutoModelForImageClassification. A source of `-` (a model transformers cannot load, such as the
  Keras MobileNetV2) checks that the export runs and that int8 keeps the fp32 argmax.
All in float32, eval mode. fp32 logits must agree within 1e-4; int8 logits must give the same argmax
(sequence heads, causal next tokens, images). Prints one line per model and a final `VERDICT: PASS`
or `VERDICT: FAIL`; exits 0 on pass.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
from tokenizers import Tokenizer
from transformers import (
    AutoModelForCausalLM,
    AutoModelForImageClassification,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
)

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


def onnx_files(export):
    for name in ["model.onnx", "model_quantized.onnx"]:
        path = os.path.join(export, "onnx", name)
        if os.path.exists(path):
            onnx.checker.check_model(path)
            yield name, path


def causal_step(session, ids, mask, past):
    """One step: ids [B, Tn], the whole mask [B, Tp + Tn], past {name: array}; positions as transformers.js makes them."""
    positions = np.cumsum(mask, axis=-1) - 1
    positions[mask == 0] = 1
    feeds = {"input_ids": ids, "attention_mask": mask, "position_ids": positions[:, -ids.shape[1] :].astype(np.int64), **past}
    names = [o.name for o in session.get_outputs()]
    out = dict(zip(names, session.run(names, feeds)))
    return out["logits"], {n.replace("present.", "past_key_values."): v for n, v in out.items() if n.startswith("present.")}


def empty_past(session, batch):
    return {
        i.name: np.zeros((batch, i.shape[1], 0, i.shape[3]), dtype=np.float32)
        for i in session.get_inputs()
        if i.name.startswith("past_key_values.")
    }


def check_causal(export, source, config):
    model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32).eval()
    ids = np.array([[5, 17, 33, 8, 41, 12], [0, 0, 9, 27, 3, 60]], dtype=np.int64)
    mask = np.array([[1] * 6, [0, 0, 1, 1, 1, 1]], dtype=np.int64)
    more = np.array([[22, 7], [14, 50]], dtype=np.int64)
    whole_ids = np.concatenate([ids, more], axis=1)
    whole_mask = np.concatenate([mask, np.ones_like(more)], axis=1)
    positions = np.cumsum(whole_mask, axis=-1) - 1
    positions[whole_mask == 0] = 1
    with torch.no_grad():
        expected = model(
            input_ids=torch.tensor(whole_ids), attention_mask=torch.tensor(whole_mask), position_ids=torch.tensor(positions)
        ).logits.numpy()
        prompt = torch.tensor([[4, 19, 33, 7]])
        greedy = model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=6, do_sample=False, pad_token_id=0)[0, 4:].tolist()
    keep = whole_mask.astype(bool)
    ok = True
    lines = []
    for name, path in onnx_files(export):
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        first, past = causal_step(session, ids, mask, empty_past(session, 2))
        second, _ = causal_step(session, more, whole_mask, past)
        got = np.concatenate([first, second], axis=1)
        diff = float(np.abs(got - expected)[keep].max())
        eos = config.get("eos_token_id")
        eos = set(eos if isinstance(eos, list) else [eos])
        tokens, past, step, step_mask = [], empty_past(session, 1), prompt.numpy(), np.ones((1, 4), dtype=np.int64)
        for _ in range(6):
            logits, past = causal_step(session, step, step_mask, past)
            tokens.append(int(logits[0, -1].argmax()))
            if tokens[-1] in eos:
                break
            step = np.array([[tokens[-1]]], dtype=np.int64)
            step_mask = np.ones((1, step_mask.shape[1] + 1), dtype=np.int64)
        if name == "model.onnx":
            good = diff < 1e-4 and tokens == greedy
            lines.append(f"fp32 max |diff| {diff:.2e} over a first and a cached step, greedy {'same' if tokens == greedy else 'DIFFERENT'} ({greedy})")
        else:
            agree = float((got.argmax(-1) == expected.argmax(-1))[keep].mean())
            good = agree >= 0.9
            lines.append(f"int8 max |diff| {diff:.2e}, next-token argmax agreement {agree:.2%}, greedy {tokens}")
        ok = ok and good
    return ok, lines


def check_image(export, source, config):
    size = config.get("image_size") or 224
    channels = config.get("num_channels") or 3
    pixels = np.random.default_rng(7).standard_normal((3, channels, size, size)).astype(np.float32)
    expected = None
    if source != "-":
        model = AutoModelForImageClassification.from_pretrained(source, dtype=torch.float32).eval()
        with torch.no_grad():
            expected = model(pixel_values=torch.tensor(pixels)).logits.numpy()
    ok = True
    lines = []
    reference = expected
    for name, path in onnx_files(export):
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        got = session.run(["logits"], {"pixel_values": pixels})[0]
        if reference is None:
            reference = got
            lines.append(f"fp32 runs (no transformers model to compare with), logits {tuple(got.shape)}")
            continue
        diff = float(np.abs(got - reference).max())
        if name == "model.onnx":
            good = diff < 1e-4
            lines.append(f"fp32 max |diff| {diff:.2e}")
        else:
            agree = float((got.argmax(-1) == reference.argmax(-1)).mean())
            good = agree == 1.0
            lines.append(f"int8 max |diff| {diff:.2e}, argmax agreement {agree:.2%}")
        ok = ok and good
    return ok, lines


def check(export, source):
    config = json.load(open(os.path.join(export, "config.json")))
    architecture = config["architectures"][0]
    kind = None
    if architecture.endswith("ForCausalLM") or architecture.endswith("LMHeadModel"):
        kind = check_causal
    elif architecture.endswith("ForImageClassification"):
        kind = check_image
    if kind is not None:
        ok, lines = kind(export, source, config)
        print(f"{'PASS' if ok else 'FAIL'} {export} ({architecture}, onnxruntime {ort.__version__}): {'; '.join(lines)}")
        return ok
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
