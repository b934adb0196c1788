#!/usr/bin/env python3
"""Checks that the real transformers (and PEFT) load a model folder we wrote and reproduce our logits.

Usage:  /work/venv/bin/python scripts/check-saved-model.py <folder> <expected.json> [--atol 1e-4] [--base <folder>]

<folder> is a folder written by `finetune` (config.json + model.safetensors + tokenizer files), or a LoRA
adapter folder (adapter_config.json + adapter_model.safetensors): then the base model comes from --base,
or else from adapter_config.json's base_model_name_or_path when that is a local folder; the base is
loaded with the adapter folder's config.json labels when it has one.

<expected.json> holds our inputs and logits, either as one batch at the top level or as named batches
(the layout of test/golden/models/*/expected.json, so the script also runs on those folders):
  {"batches": {"<name>": {"input_ids": [[..]], "attention_mask": [[..]], "token_type_ids": [[..]] (optional),
                          "logits": [[..]], "texts": [..] (optional), "text_pairs": [..] (optional)}},
   "encode": {"padding": true, "truncation": true, "max_length": 24} (optional)}
Steps: load with AutoModelForSequenceClassification.from_pretrained(output_loading_info=True, float32) and
fail on any missing, unexpected or mismatched key (for an adapter: on missing or unexpected adapter keys);
where a batch has texts and the folder has a tokenizer, encode them with AutoTokenizer and the `encode`
options and fail unless the ids equal input_ids; run every batch in eval mode and fail unless
max |logits - expected| <= atol. Prints one line per step and a final `VERDICT: PASS` or `VERDICT: FAIL`;
exits 0 on pass, 1 on fail, 2 on a usage error.
"""
import argparse
import json
import os
import sys

import torch
import transformers
from transformers import AutoModelForSequenceClassification, AutoTokenizer

TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "sentencepiece.bpe.model", "spiece.model")


def parse_args():
    parser = argparse.ArgumentParser(description="Load a saved model folder with transformers and compare logits.")
    parser.add_argument("folder")
    parser.add_argument("expected")
    parser.add_argument("--atol", type=float, default=1e-4)
    parser.add_argument("--base", help="base model folder for a LoRA adapter folder")
    return parser.parse_args()


def read_batches(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    batches = data.get("batches") or {"top-level": data}
    for name, batch in batches.items():
        for key in ("input_ids", "logits"):
            if key not in batch:
                raise ValueError(f"{path}: batch {name} has no {key}")
    return batches, data.get("encode", {"padding": True, "truncation": True})


def summary(keys):
    return ", ".join(sorted(str(k) for k in keys)) if keys else "none"


def load_plain(folder, auto_cls=AutoModelForSequenceClassification):
    model, info = auto_cls.from_pretrained(folder, output_loading_info=True, dtype=torch.float32)
    problems = {k: info[k] for k in ("missing_keys", "unexpected_keys", "mismatched_keys") if info[k]}
    print(f"loaded: {type(model).__name__} from {folder}; missing: {summary(info['missing_keys'])}; "
          f"unexpected: {summary(info['unexpected_keys'])}; mismatched: {summary(info['mismatched_keys'])}")
    return model, not problems


def load_adapter(folder, base):
    from peft import PeftConfig, get_peft_model

    peft_config = PeftConfig.from_pretrained(folder)
    base = base or peft_config.base_model_name_or_path
    if not base or not os.path.isdir(base):
        raise ValueError(f"{folder}: adapter folder needs --base <folder> (base_model_name_or_path is {base!r})")
    labels = {}
    if os.path.exists(os.path.join(folder, "config.json")):
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
            id2label = json.load(f).get("id2label")
        if id2label:
            labels = {"num_labels": len(id2label), "id2label": {int(k): v for k, v in id2label.items()}}
    base_model, base_ok = load_plain_base(base, labels)
    model = get_peft_model(base_model, peft_config)
    result = model.load_adapter(folder, adapter_name="default")
    model.set_adapter("default")
    print(f"adapter: {peft_config.peft_type} r={getattr(peft_config, 'r', '?')} from {folder}; "
          f"missing adapter keys: {summary(result.missing_keys)}; unexpected: {summary(result.unexpected_keys)}")
    return model, base_ok and not result.missing_keys and not result.unexpected_keys


def load_plain_base(base, labels):
    model, info = AutoModelForSequenceClassification.from_pretrained(
        base, output_loading_info=True, dtype=torch.float32, **labels)
    # The classifier may be missing from a base checkpoint: the adapter brings it (modules_to_save).
    unexpected = info["unexpected_keys"]
    print(f"base: {type(model).__name__} from {base}; missing: {summary(info['missing_keys'])}; "
          f"unexpected: {summary(unexpected)}")
    return model, not unexpected


def check_tokenizer(folder, name, batch, encode):
    if "texts" not in batch or not any(os.path.exists(os.path.join(folder, f)) for f in TOKENIZER_FILES):
        return True
    tokenizer = AutoTokenizer.from_pretrained(folder)
    args = [batch["texts"]] + ([batch["text_pairs"]] if batch.get("text_pairs") else [])
    ids = tokenizer(*args, **encode)["input_ids"]
    if ids == batch["input_ids"]:
        print(f"tokenizer: batch {name}: ids equal ({len(ids)} rows)")
        return True
    row = next((i for i, (a, b) in enumerate(zip(ids, batch["input_ids"])) if a != b), min(len(ids), len(batch["input_ids"])))
    print(f"tokenizer: batch {name}: ids differ from row {row}: transformers "
          f"{ids[row] if row < len(ids) else None} vs ours {batch['input_ids'][row] if row < len(batch['input_ids']) else None}")
    return False


def logits_diff(model, batch):
    """(max |logits - batch logits|, transformers' shape, the batch's shape); the difference is None when the
    shapes differ. The model runs input_ids, attention_mask and token_type_ids where the batch has them."""
    inputs = {k: torch.tensor(batch[k], dtype=torch.long)
              for k in ("input_ids", "attention_mask", "token_type_ids") if batch.get(k) is not None}
    with torch.no_grad():
        logits = model(**inputs).logits.float()
    expected = torch.tensor(batch["logits"], dtype=torch.float32)
    if logits.shape != expected.shape:
        return None, list(logits.shape), list(expected.shape)
    return (logits - expected).abs().max().item(), list(logits.shape), list(expected.shape)


def check_logits(model, name, batch, atol):
    diff, shape, expected_shape = logits_diff(model, batch)
    if diff is None:
        print(f"logits: batch {name}: shape {shape} from transformers vs {expected_shape} ours")
        return False
    ok = diff <= atol
    print(f"logits: batch {name}: max |transformers - ours| = {diff:.3e} (atol {atol:.0e}) {'OK' if ok else 'TOO FAR'}")
    return ok


def main():
    args = parse_args()
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.manual_seed(0)
    try:
        if not os.path.isdir(args.folder):
            raise ValueError(f"{args.folder}: no such folder")
        batches, encode = read_batches(args.expected)
        if os.path.exists(os.path.join(args.folder, "adapter_config.json")):
            model, ok = load_adapter(args.folder, args.base)
        else:
            model, ok = load_plain(args.folder)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    model.eval()
    for name, batch in batches.items():
        ok = check_tokenizer(args.folder, name, batch, encode) and ok
        ok = check_logits(model, name, batch, args.atol) and ok
    print(f"VERDICT: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
