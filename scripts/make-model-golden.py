#!/usr/bin/env python3
"""Golden files for the BERT-family models: tiny random checkpoints made and run by the real transformers.

Run:  /work/venv/bin/python scripts/make-model-golden.py   (scripts/setup-python-venv.sh makes the venv)
Needs ../shared/data/sst2_train.tsv (relative to the repository; the tokenizers are trained on its first
400 sentences). Deterministic (byte-identical on a rerun): seeds fixed per architecture, float32, one
CPU thread.

For each architecture <arch> in bert, distilbert, roberta, xlm-roberta, test/golden/models/<arch>/ holds:
  config.json, model.safetensors       <Arch>ForSequenceClassification.save_pretrained; hidden 32, 2 layers,
                                       4 heads, intermediate 37, max_position_embeddings 64, num_labels 3,
                                       id2label {0: neg, 1: neu, 2: pos}; vocab = the tokenizer's size
  tokenizer.json, tokenizer_config.json, special_tokens_map.json  (+ vocab.txt for bert/distilbert,
                                       vocab.json + merges.txt for roberta); see scripts/golden_tokenizers.py
  expected.safetensors                 tensors below (float32; ids, masks and labels int32)
  expected.json                        texts, tokens, the same batches as lists (input names, labels,
                                       logits: the input of scripts/check-saved-model.py), loss, seed,
                                       parameter names, has_grads, and what
                                       AutoModelForSequenceClassification.from_pretrained reports
  Every parameter is re-drawn after construction: weights and biases normal(0, 0.2), LayerNorm weights
  1 + normal(0, 0.2), so that every tensor (biases, the padding rows) is non-trivial.
  Tensors in expected.safetensors (<b> is `single`: 4 sentences, or `pair`: 3 sentence pairs; both encoded
  by the saved tokenizer with padding=True, truncation=True, max_length=24):
    <b>.input_ids, <b>.attention_mask  int32 [N,T]
    <b>.token_type_ids                 int32 [N,T]   bert only (the others' tokenizers do not return it)
    <b>.labels                         int32 [N]
    <b>.logits                         [N,3]         eval mode (dropout off)
    <b>.last_hidden_state              [N,T,32]
    <b>.hidden_states.0                [N,T,32]      output of the embedding block (after its LayerNorm)
    single.loss                        [1]           mean cross entropy of single.logits vs single.labels
    grad.<hf parameter name>           d single.loss / d parameter, eval mode, for every named parameter
                                       (bert, distilbert, roberta; xlm-roberta runs RoBERTa's code and has
                                       none: expected.json has_grads). nn.Embedding(padding_idx=pad) rows
                                       get a zero gradient (word embeddings; RoBERTa position embeddings too).
  Attention runs in the eager implementation (set_attn_implementation("eager")); sdpa differs by ~1e-6.

Loading variants of the bert checkpoint (same encoder weights as models/bert), each in its own folder
under test/golden/models/ with expected.json (+ expected.safetensors); see scripts/golden_variants.py.
"""
import os
import sys

import torch
import transformers
from safetensors.torch import save_file
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, BertConfig,
                          BertForSequenceClassification, DistilBertConfig,
                          DistilBertForSequenceClassification, RobertaConfig,
                          RobertaForSequenceClassification, XLMRobertaConfig,
                          XLMRobertaForSequenceClassification)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_tokenizers  # noqa: E402
import golden_variants  # noqa: E402
from golden_common import METADATA, batch_tensors, loading_info, randomize, run_batch, write_json  # noqa: E402

SEED = 4321
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "golden", "models")
SST2_TRAIN = os.path.join(os.path.dirname(ROOT), "shared", "data", "sst2_train.tsv")
ID2LABEL = {0: "neg", 1: "neu", 2: "pos"}
# XLM-RoBERTa runs RoBERTa's code; its folder is there for the Unigram tokenizer and the model_type, and
# leaves out the gradients to keep the golden files small.
GRAD_ARCHS = ("bert", "distilbert", "roberta")
ENCODE = {"padding": True, "truncation": True, "max_length": 24}
SINGLE = {
    "texts": [
        "A gorgeous, witty, seductive movie.",
        "dull",
        "The café scenes — warm, funny and quietly moving — make up for a plot that wanders off "
        "far too often before its ending finally arrives.",
        "it 's not a bad film , just an unremarkable one .",
    ],
    "labels": [2, 0, 1, 1],
}
PAIR = {
    "texts": ["the acting is great .",
              "An ambitious, sprawling story about three generations of a family and the house they "
              "could never leave behind",
              "电影 yes"],
    "text_pairs": ["the script is not .", "too long", "no"],
    "labels": [0, 2, 1],
}
COMMON = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
              max_position_embeddings=64, id2label=ID2LABEL, label2id={v: k for k, v in ID2LABEL.items()})
ARCHS = {
    "bert": ("wordpiece", BertForSequenceClassification,
             lambda v, tok: BertConfig(vocab_size=v, pad_token_id=tok.pad_token_id, **COMMON)),
    "distilbert": ("wordpiece", DistilBertForSequenceClassification,
                   lambda v, tok: DistilBertConfig(vocab_size=v, pad_token_id=tok.pad_token_id, dim=32, n_layers=2,
                                                   n_heads=4, hidden_dim=37, max_position_embeddings=64,
                                                   id2label=ID2LABEL, label2id=COMMON["label2id"])),
    "roberta": ("bpe", RobertaForSequenceClassification,
                lambda v, tok: RobertaConfig(vocab_size=v, type_vocab_size=1, layer_norm_eps=1e-5,
                                             pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                                             eos_token_id=tok.eos_token_id, **COMMON)),
    "xlm-roberta": ("unigram", XLMRobertaForSequenceClassification,
                    lambda v, tok: XLMRobertaConfig(vocab_size=v, type_vocab_size=1, layer_norm_eps=1e-5,
                                                    pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                                                    eos_token_id=tok.eos_token_id, **COMMON)),
}


def encode(tokenizer, batch):
    pairs = batch.get("text_pairs")
    enc = tokenizer(batch["texts"], pairs, return_tensors="pt", **ENCODE) if pairs else \
        tokenizer(batch["texts"], return_tensors="pt", **ENCODE)
    return {k: v for k, v in enc.items()}


def batch_json(batch, enc, tokenizer, logits):
    data = {k: batch[k] for k in ("texts", "text_pairs") if k in batch}
    data["tokens"] = [tokenizer.convert_ids_to_tokens(row) for row in enc["input_ids"].tolist()]
    data.update({k: v.tolist() for k, v in enc.items()})
    data["labels"] = batch["labels"]
    data["logits"] = logits.tolist()
    return data


def make_arch(index, arch, lines):
    kind, cls, make_config = ARCHS[arch]
    folder = os.path.join(OUT_DIR, arch)
    os.makedirs(folder, exist_ok=True)
    built, extra_files = golden_tokenizers.build(kind, arch, lines)
    golden_tokenizers.save(built, extra_files, folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert type(tokenizer) is type(built), (type(tokenizer), type(built))

    config = make_config(len(tokenizer), tokenizer)
    model = cls(config)
    model.set_attn_implementation("eager")
    randomize(model, SEED + index)
    model.eval()
    model.save_pretrained(folder)

    single_enc, pair_enc = encode(tokenizer, SINGLE), encode(tokenizer, PAIR)
    single_out, pair_out = run_batch(model, single_enc), run_batch(model, pair_enc)
    tensors = batch_tensors("single", single_enc, SINGLE["labels"], single_out)
    tensors.update(batch_tensors("pair", pair_enc, PAIR["labels"], pair_out))

    model.zero_grad()
    loss = model(**single_enc, labels=torch.tensor(SINGLE["labels"])).loss
    loss.backward()
    tensors["single.loss"] = loss.detach().reshape(1)
    names = [n for n, _ in model.named_parameters()]
    with_grads = arch in GRAD_ARCHS
    for name, p in model.named_parameters() if with_grads else ():
        tensors[f"grad.{name}"] = p.grad.clone() if p.grad is not None else torch.zeros_like(p)
    save_file(tensors, os.path.join(folder, "expected.safetensors"), metadata=METADATA)

    reloaded = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    torch.testing.assert_close(run_batch(reloaded, single_enc).logits, single_out.logits, rtol=0, atol=1e-5)
    write_json(os.path.join(folder, "expected.json"), {
        "generator": "scripts/make-model-golden.py", "torch": torch.__version__,
        "transformers": transformers.__version__, "arch": arch, "model_class": cls.__name__,
        "tokenizer_class": type(tokenizer).__name__, "tokenizer_kind": kind, "vocab_size": len(tokenizer),
        "pad_token_id": tokenizer.pad_token_id, "encode": ENCODE, "seed": SEED + index,
        "init": "normal(0, 0.2); LayerNorm weights 1 + normal(0, 0.2)",
        "loss": loss.item(), "param_names": names, "has_grads": with_grads,
        "batches": {"single": batch_json(SINGLE, single_enc, tokenizer, single_out.logits),
                    "pair": batch_json(PAIR, pair_enc, tokenizer, pair_out.logits)},
        "loading_info": {"AutoModelForSequenceClassification":
                         loading_info(AutoModelForSequenceClassification, folder)},
    })
    return model, tokenizer, single_enc, pair_enc, loss.item()


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    if not os.path.exists(SST2_TRAIN):
        sys.exit(f"{SST2_TRAIN}: not found (the tokenizers are trained on it)")
    lines = golden_tokenizers.read_training_lines(SST2_TRAIN)
    for index, arch in enumerate(ARCHS):
        model, tokenizer, single_enc, pair_enc, loss = make_arch(index, arch, lines)
        print(f"{arch}: vocab {len(tokenizer)}, single T={single_enc['input_ids'].shape[1]}, "
              f"pair T={pair_enc['input_ids'].shape[1]}, loss {loss:.6f}")
        if arch == "bert":
            golden_variants.make_all(model, {"single": (single_enc, SINGLE), "pair": (pair_enc, PAIR)},
                                     OUT_DIR, SEED + 100)


if __name__ == "__main__":
    sys.exit(main())
