#!/usr/bin/env python3
"""Golden files for LoRA adapters exchanged with the real PEFT: tiny base models, adapters written by PEFT, and
adapters trained by finetune that PEFT loads.

Run:  npx tsc -p tsconfig.json && /work/venv/bin/python scripts/make-peft-golden.py
(scripts/setup-python-venv.sh makes the venv: torch 2.13, transformers 5.17, peft 0.21). Deterministic apart
from finetune's own run, which is seeded too: float32, one CPU thread, eager attention.

Three stages, for each architecture <arch> in bert, distilbert, roberta (test/golden/peft/<arch>/):
 1. base/                 <Arch>ForSequenceClassification.save_pretrained: hidden 16, 2 layers, 2 heads,
                          intermediate 24, vocabulary 60, 3 labels (neg, neu, pos); every parameter re-drawn
                          normal(0, 0.2) (LayerNorm weights 1 + normal(0, 0.2)).
    peft-adapter/         get_peft_model(base, LoraConfig(task_type=SEQ_CLS, **PEFT_ADAPTERS[arch])) with every
                          trainable tensor (A, B, the modules_to_save copies, trained biases) re-drawn
                          normal(0, 0.3), then PeftModel.save_pretrained (base_model_name_or_path '../base').
                          BERT's uses rank_pattern, alpha_pattern, rsLoRA and bias 'lora_only'; RoBERTa's
                          layers_to_transform.
    peft-adapter-bin/     (bert only) the same adapter saved with safe_serialization=False: adapter_model.bin.
 2. node scripts/train-peft-golden.mjs trains an adapter with finetune on base/ and saves it in ours-adapter/
    (with finetune.json: its logits on the golden inputs, parameter counts, losses).
 3. PeftModel.from_pretrained(base, ours-adapter) runs the golden inputs; its logits must match finetune's
    within 1e-4 (checked here, and again by test/peft/golden.test.ts without Python).
expected.json: the inputs (4 rows, the last two padded), the base's logits, PEFT's logits with its own adapter
(unmerged and after merge_and_unload) and with ours, and PEFT's trainable / total parameter counts for both.
"""
import json
import os
import subprocess
import sys

import peft
import torch
import transformers
from peft import LoraConfig, PeftModel, TaskType, get_peft_model
from transformers import (BertConfig, BertForSequenceClassification, DistilBertConfig,
                          DistilBertForSequenceClassification, RobertaConfig, RobertaForSequenceClassification)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_common import randomize, write_json  # noqa: E402

SEED = 2024
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "golden", "peft")
ID2LABEL = {0: "neg", 1: "neu", 2: "pos"}
LABELS = dict(id2label=ID2LABEL, label2id={v: k for k, v in ID2LABEL.items()})
VOCAB = 60
SIZES = dict(vocab_size=VOCAB, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=24,
             max_position_embeddings=40)
ARCHS = {
    "bert": (BertForSequenceClassification, lambda: BertConfig(pad_token_id=0, **SIZES, **LABELS)),
    "distilbert": (DistilBertForSequenceClassification,
                   lambda: DistilBertConfig(vocab_size=VOCAB, dim=16, n_layers=2, n_heads=2, hidden_dim=24,
                                            max_position_embeddings=40, pad_token_id=0, **LABELS)),
    "roberta": (RobertaForSequenceClassification,
                lambda: RobertaConfig(pad_token_id=1, bos_token_id=0, eos_token_id=2, type_vocab_size=1,
                                      layer_norm_eps=1e-5, **SIZES, **LABELS)),
}
PEFT_ADAPTERS = {
    "bert": dict(r=4, lora_alpha=8, lora_dropout=0.1, target_modules=["query", "value", "output.dense"],
                 rank_pattern={"layer.1.attention.self.query": 2, "output.dense": 3}, alpha_pattern={"value": 5},
                 use_rslora=True, bias="lora_only"),
    "distilbert": dict(r=4, lora_alpha=8, lora_dropout=0.1, target_modules=["q_lin", "v_lin"]),
    "roberta": dict(r=4, lora_alpha=16, lora_dropout=0.05, layers_to_transform=[1]),
}
ROWS, LENGTH = 4, 9


def golden_inputs(pad_id, seed):
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(3, VOCAB, (ROWS, LENGTH), generator=gen)
    mask = torch.ones(ROWS, LENGTH, dtype=torch.long)
    for row, used in ((2, 6), (3, 3)):
        ids[row, used:] = pad_id
        mask[row, used:] = 0
    return {"input_ids": ids, "attention_mask": mask}


def load_base(cls, folder):
    model = cls.from_pretrained(folder)
    model.set_attn_implementation("eager")
    # PEFT records this as base_model_name_or_path; relative to the adapter folder, so the files move with the repo.
    model.name_or_path = "../base"
    return model.eval()


def logits_of(model, inputs):
    with torch.no_grad():
        return model(**inputs).logits


def counts(model):
    trainable, total = model.get_nb_trainable_parameters()
    return {"trainable": trainable, "all_params": total}


def stage_one(arch, index):
    cls, make_config = ARCHS[arch]
    folder = os.path.join(OUT_DIR, arch)
    base_dir = os.path.join(folder, "base")
    torch.manual_seed(SEED + index)
    model = cls(make_config())
    randomize(model, SEED + index)
    model.eval().save_pretrained(base_dir)
    inputs = golden_inputs(model.config.pad_token_id, SEED + index)
    base_logits = logits_of(load_base(cls, base_dir), inputs)

    peft_dir = os.path.join(folder, "peft-adapter")
    peft_model = get_peft_model(load_base(cls, base_dir), LoraConfig(task_type=TaskType.SEQ_CLS, **PEFT_ADAPTERS[arch]))
    gen = torch.Generator().manual_seed(SEED + 10 + index)
    with torch.no_grad():
        for _, p in peft_model.named_parameters():
            if p.requires_grad:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.3)
    peft_model.save_pretrained(peft_dir)
    os.remove(os.path.join(peft_dir, "README.md"))
    if arch == "bert":
        bin_dir = os.path.join(folder, "peft-adapter-bin")
        peft_model.save_pretrained(bin_dir, safe_serialization=False)
        os.remove(os.path.join(bin_dir, "README.md"))

    loaded = PeftModel.from_pretrained(load_base(cls, base_dir), peft_dir).eval()
    peft_logits = logits_of(loaded, inputs)
    merged_logits = logits_of(loaded.merge_and_unload(), inputs)
    torch.testing.assert_close(merged_logits, peft_logits, rtol=0, atol=1e-5)
    trainable = counts(PeftModel.from_pretrained(load_base(cls, base_dir), peft_dir, is_trainable=True))
    write_json(os.path.join(folder, "expected.json"), {
        "generator": "scripts/make-peft-golden.py", "torch": torch.__version__,
        "transformers": transformers.__version__, "peft": peft.__version__, "arch": arch,
        "model_class": cls.__name__, "vocab_size": VOCAB, "pad_token_id": model.config.pad_token_id,
        "seed": SEED + index, "inputs": {k: v.tolist() for k, v in inputs.items()},
        "base_logits": base_logits.tolist(),
        "peft_adapter": {"lora_config": PEFT_ADAPTERS[arch], "logits": peft_logits.tolist(),
                         "merged_logits": merged_logits.tolist(), **trainable},
    })
    print(f"{arch}: base and PEFT adapter written; PEFT adapter changes the logits by "
          f"{(peft_logits - base_logits).abs().max().item():.4f}")


def stage_three(arch):
    cls, _ = ARCHS[arch]
    folder = os.path.join(OUT_DIR, arch)
    base_dir = os.path.join(folder, "base")
    expected_path = os.path.join(folder, "expected.json")
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    ours_json = os.path.join(folder, "finetune.json")
    with open(ours_json, encoding="utf-8") as f:
        ours = json.load(f)
    inputs = {k: torch.tensor(v) for k, v in expected["inputs"].items()}
    ours_dir = os.path.join(folder, "ours-adapter")
    loaded = PeftModel.from_pretrained(load_base(cls, base_dir), ours_dir).eval()
    peft_logits = logits_of(loaded, inputs)
    finetune_logits = torch.tensor(ours["logits"])
    diff = (peft_logits - finetune_logits).abs().max().item()
    if diff > 1e-4:
        sys.exit(f"{arch}: PEFT's logits with finetune's adapter differ from finetune's by {diff:.3g} (> 1e-4)")
    trainable = counts(PeftModel.from_pretrained(load_base(cls, base_dir), ours_dir, is_trainable=True))
    expected["ours_adapter"] = {
        "options": ours["options"], "steps": ours["steps"], "losses": ours["losses"],
        "finetune_trainable": ours["trainable"], "finetune_total": ours["total"],
        "finetune_logits": ours["logits"], "logits": peft_logits.tolist(), "max_abs_diff": diff, **trainable,
    }
    write_json(expected_path, expected)
    os.remove(ours_json)
    print(f"{arch}: PEFT loads finetune's adapter; logits within {diff:.2g} of finetune's; "
          f"PEFT counts {trainable['trainable']} trainable (finetune {ours['trainable']})")


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        # PEFT keeps target_modules in a set and saves it in the set's order, which follows string hashing.
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    if not os.path.exists(os.path.join(ROOT, "dist", "src", "peft", "lora", "index.js")):
        sys.exit("dist/ is missing: build first with `npx tsc -p tsconfig.json`")
    for index, arch in enumerate(ARCHS):
        stage_one(arch, index)
    subprocess.run(["node", os.path.join(ROOT, "scripts", "train-peft-golden.mjs")], check=True, cwd=ROOT)
    for arch in ARCHS:
        stage_three(arch)


if __name__ == "__main__":
    sys.exit(main())
