#!/usr/bin/env python3
"""Checks that the real transformers (and PEFT) load a task-head folder we wrote and reproduce our logits.

Usage:  /work/venv/bin/python scripts/check-task-folder.py <folder> <expected.json> [--atol 1e-4] [--base DIR]

<folder> is a model folder (config.json + weights) or a PEFT adapter folder (adapter_config.json).
The head comes from config.json `architectures[0]`: `...ForTokenClassification` loads with
AutoModelForTokenClassification, `...ForSequenceClassification` with AutoModelForSequenceClassification; the
config's problem_type (single_label_classification, multi_label_classification, regression) and labels are
kept. An adapter folder takes them from its own config.json when it has one, else from adapter_config.json
`task_type` (TOKEN_CLS or SEQ_CLS) and the base's config.json; the base model is --base DIR or
`base_model_name_or_path` (relative to the working folder, else to the adapter folder), loaded with the
adapter folder's labels (ignore_mismatched_sizes: the adapter brings the head), then
PeftModel.from_pretrained(base, folder).

<expected.json> holds the batch as lists at the top level (the layout of test/golden/tasks/*/expected.json):
  {"input_ids": [[..]], "attention_mask": [[..]], "token_type_ids": [[..]] (optional), "logits": [..]}
or named batches under "batches" (the layout scripts/check-saved-model.py reads).

Runs every batch in eval mode, float32, and prints ONE line:
  PASS|FAIL <folder>: <class> problem_type <p>, logits <shape> max |transformers - ours| = <d> (atol <a>);
  missing: ..; unexpected: ..; mismatched: ..
FAIL when a logits shape differs, max |diff| > atol, or the loading report has a missing, unexpected or
mismatched key (for an adapter: a key of adapter_model.* that the PEFT model lacks, or a PEFT-saved key that
the file lacks, as get_peft_model_state_dict names them; the base's report is printed, not judged). A folder
that cannot be loaded is a FAIL too. Exits 0 on PASS, 1 on FAIL, 2 on a usage error (no such folder, an
unreadable expected.json, an adapter whose base cannot be found).
"""
import argparse
import importlib
import json
import os
import sys
import warnings

import torch
import transformers
from safetensors import SafetensorError, safe_open
from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
check_saved_model = importlib.import_module("check-saved-model")
read_batches, summary, logits_diff = (check_saved_model.read_batches, check_saved_model.summary,
                                      check_saved_model.logits_diff)

HEADS = {"ForTokenClassification": AutoModelForTokenClassification,
         "ForSequenceClassification": AutoModelForSequenceClassification}
PEFT_TASKS = {"TOKEN_CLS": AutoModelForTokenClassification, "SEQ_CLS": AutoModelForSequenceClassification}
LABEL_KEYS = ("id2label", "label2id", "problem_type")


class UsageError(ValueError):
    """A fault of the command line or of expected.json (exit 2), not of the folder under check (FAIL, exit 1)."""


def parse_args():
    parser = argparse.ArgumentParser(description="Load a saved task-head folder with transformers and compare logits.")
    parser.add_argument("folder")
    parser.add_argument("expected")
    parser.add_argument("--atol", type=float, default=1e-4)
    parser.add_argument("--base", help="base model folder for a PEFT adapter folder")
    return parser.parse_args()


def read_config(folder):
    path = os.path.join(folder, "config.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    if not isinstance(config, dict):
        raise ValueError(f"{path}: not a JSON object")
    return config


def head_class(config, path):
    """The Auto class for config.json's architectures[0]."""
    architectures = config.get("architectures") or []
    name = architectures[0] if architectures and isinstance(architectures[0], str) else None
    for suffix, cls in HEADS.items():
        if name and name.endswith(suffix):
            return cls
    raise ValueError(f"{path}: architectures {architectures!r} names no ...ForTokenClassification or "
                     "...ForSequenceClassification")


def label_kwargs(config):
    """from_pretrained keyword arguments that carry config.json's head settings onto a base model."""
    kwargs = {k: config[k] for k in LABEL_KEYS if config.get(k) is not None}
    if "id2label" in kwargs:
        kwargs["id2label"] = {int(k): v for k, v in kwargs["id2label"].items()}
        kwargs["num_labels"] = len(kwargs["id2label"])
    return kwargs


def load_plain(folder):
    config = read_config(folder)
    if config is None:
        raise ValueError(f"{folder}: no config.json and no adapter_config.json")
    cls = head_class(config, os.path.join(folder, "config.json"))
    # ignore_mismatched_sizes: a head of the wrong size is reported as mismatched keys instead of raising.
    model, info = cls.from_pretrained(folder, output_loading_info=True, dtype=torch.float32,
                                      ignore_mismatched_sizes=True)
    report = {k: info[k] for k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    return model, report, ""


def resolve_base(folder, base, named):
    if base:
        candidates = [base]
    elif named:
        candidates = [named, os.path.join(folder, named)]
    else:
        raise UsageError(f"{folder}/adapter_config.json: no base_model_name_or_path; pass --base DIR")
    for candidate in candidates:
        if os.path.isfile(os.path.join(candidate, "config.json")):
            return candidate
    raise UsageError(f"{folder}: base model {candidates[0]!r} is not a local folder with config.json; "
                     "pass --base DIR")


def adapter_weight_keys(folder):
    path = os.path.join(folder, "adapter_model.safetensors")
    if os.path.exists(path):
        with safe_open(path, "pt") as f:
            return set(f.keys())
    path = os.path.join(folder, "adapter_model.bin")
    if os.path.exists(path):
        return set(torch.load(path, weights_only=True, map_location="cpu"))
    raise ValueError(f"{folder}: no adapter_model.safetensors or adapter_model.bin")


def load_adapter(folder, base):
    from peft import PeftConfig, PeftModel, get_peft_model_state_dict

    peft_config = PeftConfig.from_pretrained(folder)
    base = resolve_base(folder, base, peft_config.base_model_name_or_path)
    own = read_config(folder)
    task_type = getattr(peft_config.task_type, "value", peft_config.task_type)
    if own and own.get("architectures"):
        cls = head_class(own, os.path.join(folder, "config.json"))
    elif task_type in PEFT_TASKS:
        cls = PEFT_TASKS[task_type]
    else:
        cls = head_class(read_config(base), os.path.join(base, "config.json"))
    base_model, info = cls.from_pretrained(base, output_loading_info=True, dtype=torch.float32,
                                           ignore_mismatched_sizes=True, **label_kwargs(own or {}))
    model = PeftModel.from_pretrained(base_model, folder)
    # The keys PEFT's save_pretrained writes. With bias "all" it also picks up the biases inside the
    # modules_to_save wrappers (`.original_module.`, `.modules_to_save.<name>.`), which it stores under the
    # module's own name as well: those copies are not required.
    expected = {k for k in get_peft_model_state_dict(model)
                if ".original_module." not in k and ".modules_to_save." not in k}
    saved = adapter_weight_keys(folder)
    report = {"missing_keys": sorted(expected - saved), "unexpected_keys": sorted(saved - expected),
              "mismatched_keys": []}
    mismatched = [k for k, _, _ in info["mismatched_keys"]]
    base_report = (f"; base {base}: missing {summary(info['missing_keys'])}, unexpected "
                   f"{summary(info['unexpected_keys'])}, mismatched {summary(mismatched)}")
    return model, report, base_report


def main():
    args = parse_args()
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.manual_seed(0)
    # PEFT warns of missing adapter keys on stderr; the one report line lists them (and unexpected ones too).
    warnings.simplefilter("ignore")
    try:
        if not os.path.isdir(args.folder):
            raise UsageError(f"{args.folder}: no such folder")
        batches, _ = read_batches(args.expected)
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        if os.path.exists(os.path.join(args.folder, "adapter_config.json")):
            model, report, base_report = load_adapter(args.folder, args.base)
        else:
            model, report, base_report = load_plain(args.folder)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (OSError, ValueError, RuntimeError, KeyError, TypeError, SafetensorError) as e:
        # The first line of torch's load_state_dict error is generic; the size mismatch follows it.
        message = " ".join(line.strip() for line in str(e).strip().splitlines())
        print(f"FAIL {args.folder}: cannot be loaded: {type(e).__name__} {message[:400]}")
        return 1
    model.eval()
    diffs, shapes = [], []
    for name, batch in batches.items():
        diff, shape, expected_shape = logits_diff(model, batch)
        diffs.append(diff)
        shapes.append(str(shape) if diff is not None else f"{name} {shape} from transformers vs {expected_shape} ours")
    worst = max((d for d in diffs if d is not None), default=0.0)
    ok = all(d is not None for d in diffs) and worst <= args.atol and not any(report.values())
    mismatched = [k if isinstance(k, str) else k[0] for k in report["mismatched_keys"]]
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    kind = type(inner).__name__ + (" + adapter" if inner is not model else "")
    compared = f"{worst:.3e}" if all(d is not None for d in diffs) else "not compared (shapes differ)"
    print(f"{'PASS' if ok else 'FAIL'} {args.folder}: {kind} problem_type {inner.config.problem_type}, logits "
          f"{', '.join(shapes)} max |transformers - ours| = {compared}"
          f" (atol {args.atol:.0e}); missing: {summary(report['missing_keys'])}; unexpected: "
          f"{summary(report['unexpected_keys'])}; mismatched: {summary(mismatched)}{base_report}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
