#!/usr/bin/env python3
"""Golden files for the task heads (token classification, multi-label classification, regression), made and
run by the real transformers on tiny random checkpoints.

Run:  /work/venv/bin/python scripts/make-task-golden.py   (after scripts/make-model-golden.py: the tokenizer
files and model sizes come from test/golden/models/<arch>/). Deterministic (byte-identical on a rerun): seeds
fixed per folder, float32, one CPU thread, eager attention.

For <arch> in bert, distilbert, roberta and <task> in token, multi, regression, test/golden/tasks/<arch>-<task>/
holds:
  config.json, model.safetensors       save_pretrained of a random model: the config of models/<arch>/ (hidden
                                       32, 2 layers, 4 heads, intermediate 37, 64 positions, vocab 500) with
    token        <Arch>ForTokenClassification, 5 labels O, B-PER, I-PER, B-LOC, I-LOC
    multi        <Arch>ForSequenceClassification, problem_type multi_label_classification, 4 labels
                 toxic, obscene, threat, insult
    regression   <Arch>ForSequenceClassification, problem_type regression, num_labels 1 (LABEL_0)
                                       Every parameter re-drawn: normal(0, 0.2), LayerNorm weights 1 + normal(0, 0.2).
  tokenizer.json, tokenizer_config.json, special_tokens_map.json, vocab.txt | vocab.json + merges.txt
                                       byte copies of models/<arch>/'s. The token folders encode with
                                       tokenizer_kwargs (expected.json): RoBERTa's with add_prefix_space=True,
                                       which the copied tokenizer_config.json does not say (false there).
  expected.safetensors                 (no batch prefix; ids, masks and int labels int32, the rest float32)
    input_ids, attention_mask          [N,T]
    token_type_ids                     [N,T]     bert only
    labels                             token: int32 [N,T], run_ner's alignment with label_all_tokens=False
                                       (first sub-token of a word: the word's tag id; later sub-tokens, special
                                       and padding tokens: -100); multi: float32 [N,4] multi-hot;
                                       regression: float32 [N]
    labels_all_tokens                  token only: int32 [N,T], label_all_tokens=True (later sub-tokens get
                                       run_ner's b_to_i_label of the word's id: B-PER -> I-PER, B-LOC -> I-LOC)
    logits                             token [N,T,5]; multi [N,4]; regression [N,1]   (eval mode)
    loss                               [1] the model's own loss with labels=: token: mean cross entropy over
                                       the positions whose label is not -100; multi: BCEWithLogits mean over
                                       N x 4; regression: MSE of logits[:, 0] vs labels
    loss_all_tokens                    token only: [1] the same with labels_all_tokens
    grad.<hf parameter name>           d loss / d parameter (eval mode) for every named parameter; the padding
                                       rows of nn.Embedding(padding_idx) get zero
  expected.json                        inputs (token: words, tags, tokenizer_kwargs, is_split_into_words;
                                       multi: texts, label_names; regression: texts, text_pairs), encode
                                       options, tokens, word_ids (token: per row, null for special and padding
                                       tokens), the batch as lists at the top level (input_ids, attention_mask,
                                       token_type_ids for bert, labels, labels_all_tokens for token, logits:
                                       the input of scripts/check-task-folder.py), loss, seed, param_names,
                                       and loading_info: what the Auto class's from_pretrained reports (empty)
All folders encode with padding=True, truncation=True, max_length=24 (T = 24).

tasks/bert-token-legacy-head/: config.json + model.safetensors copied from models/bert (a
BertForSequenceClassification, 3 labels, pooler included), no tokenizer; expected.json records what
BertForTokenClassification.from_pretrained reports for it: with the checkpoint's labels (3: the sequence
classifier is taken as the token classifier; the pooler is unexpected), with num_labels=5 (an error: classifier
size mismatch) and with num_labels=5 + ignore_mismatched_sizes=True (classifier.* mismatched, re-initialized);
expected.safetensors holds the bert-token batch (input_ids, attention_mask, token_type_ids) and `logits`
[N,T,3] of the 3-label load.
"""
import os
import shutil
import sys

import torch
import transformers
from safetensors.torch import save_file
from transformers import (AutoConfig, AutoModelForSequenceClassification, AutoModelForTokenClassification,
                          AutoTokenizer, BertForTokenClassification)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_common import METADATA, loading_info, randomize, write_json  # noqa: E402

SEED = 6150
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS_DIR = os.path.join(ROOT, "test", "golden", "models")
OUT_DIR = os.path.join(ROOT, "test", "golden", "tasks")
ARCHS = ("bert", "distilbert", "roberta")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "vocab.json",
                   "merges.txt")
ENCODE = {"padding": True, "truncation": True, "max_length": 24}
NER_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
TOXIC_LABELS = ["toxic", "obscene", "threat", "insult"]
TOKEN = {
    "words": [
        ["John", "Smith", "moved", "to", "New", "York."],
        ["Müller", "met", "Ana", "in", "Köln,"],
        ["Hi", "Paris", "!"],
        ["The", "long", "afternoon", "walk", "took", "Maria", "Lopez", "and", "her", "brother", "from", "Lisbon",
         "through", "Porto", "to", "the", "northern", "coast", "of", "Spain", "before", "nightfall", "."],
    ],
    "tags": [
        ["B-PER", "I-PER", "O", "O", "B-LOC", "I-LOC"],
        ["B-PER", "O", "B-PER", "O", "B-LOC"],
        ["O", "B-LOC", "O"],
        ["O", "O", "O", "O", "O", "B-PER", "I-PER", "O", "O", "O", "O", "B-LOC", "O", "B-LOC", "O", "O", "O", "O",
         "O", "B-LOC", "O", "O", "O"],
    ],
}
MULTI = {
    "texts": ["What a thoughtful, kind reply.",
              "You filthy idiot, I will find you and wreck your stupid car!",
              "this comment is garbage and so is its writer",
              "damn"],
    "labels": [[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0], [1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0]],
}
REGRESSION = {
    "texts": ["A man is playing a guitar.", "The cat sleeps on the warm windowsill all afternoon.", "电影 yes"],
    "text_pairs": ["A person plays an instrument.", "Stocks fell sharply.", "the movie , yes"],
    "labels": [3.8, 0.25, 4.6],
}


def labels_dict(names):
    return {"id2label": dict(enumerate(names)), "label2id": {n: i for i, n in enumerate(names)}}


TASKS = {
    "token": (AutoModelForTokenClassification, dict(num_labels=len(NER_LABELS), **labels_dict(NER_LABELS))),
    "multi": (AutoModelForSequenceClassification, dict(num_labels=len(TOXIC_LABELS), **labels_dict(TOXIC_LABELS),
                                                       problem_type="multi_label_classification")),
    "regression": (AutoModelForSequenceClassification, dict(num_labels=1, problem_type="regression")),
}


def b_to_i_label(names):
    """run_ner.py's map from a B- label id to its I- label id (every other id to itself)."""
    return [names.index("I-" + n[2:]) if n.startswith("B-") and "I-" + n[2:] in names else i
            for i, n in enumerate(names)]


def align_labels(enc, tags, label_all_tokens):
    """run_ner.py's tokenize_and_align_labels: one label id per token, -100 where no loss is taken."""
    label_to_id, b_to_i = {n: i for i, n in enumerate(NER_LABELS)}, b_to_i_label(NER_LABELS)
    rows = []
    for i, word_tags in enumerate(tags):
        previous, row = None, []
        for word in enc.word_ids(batch_index=i):
            if word is None:
                row.append(-100)
            elif word != previous:
                row.append(label_to_id[word_tags[word]])
            else:
                row.append(b_to_i[label_to_id[word_tags[word]]] if label_all_tokens else -100)
            previous = word
        rows.append(row)
    return rows


def copy_files(src, dst, names):
    for name in names:
        if os.path.exists(os.path.join(src, name)):
            shutil.copyfile(os.path.join(src, name), os.path.join(dst, name))


def fresh_folder(name):
    folder = os.path.join(OUT_DIR, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return folder


def encode_task(task, arch, folder):
    """Returns (tokenizer kwargs, encoding, labels tensor, extra label tensors, JSON fields of the inputs)."""
    if task == "token":
        kwargs = {"add_prefix_space": True} if arch == "roberta" else {}
        tokenizer = AutoTokenizer.from_pretrained(folder, **kwargs)
        enc = tokenizer(TOKEN["words"], is_split_into_words=True, return_tensors="pt", **ENCODE)
        first, every = align_labels(enc, TOKEN["tags"], False), align_labels(enc, TOKEN["tags"], True)
        word_ids = [enc.word_ids(batch_index=i) for i in range(len(TOKEN["words"]))]
        fields = {"words": TOKEN["words"], "tags": TOKEN["tags"], "tokenizer_kwargs": kwargs,
                  "is_split_into_words": True, "word_ids": word_ids}
        return tokenizer, enc, torch.tensor(first), {"labels_all_tokens": torch.tensor(every)}, fields
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if task == "multi":
        enc = tokenizer(MULTI["texts"], return_tensors="pt", **ENCODE)
        return tokenizer, enc, torch.tensor(MULTI["labels"]), {}, {"texts": MULTI["texts"], "tokenizer_kwargs": {},
                                                                   "label_names": TOXIC_LABELS}
    enc = tokenizer(REGRESSION["texts"], REGRESSION["text_pairs"], return_tensors="pt", **ENCODE)
    return tokenizer, enc, torch.tensor(REGRESSION["labels"]), {}, {
        "texts": REGRESSION["texts"], "text_pairs": REGRESSION["text_pairs"], "tokenizer_kwargs": {}}


def int_or_float(t):
    return t.to(torch.int32) if not t.is_floating_point() else t.to(torch.float32)


def make_task(seed, arch, task):
    auto_cls, label_config = TASKS[task]
    src = os.path.join(MODELS_DIR, arch)
    folder = fresh_folder(f"{arch}-{task}")
    copy_files(src, folder, TOKENIZER_FILES)
    tokenizer, enc, labels, extra_labels, fields = encode_task(task, arch, folder)
    inputs = {k: v for k, v in enc.items()}

    config = AutoConfig.from_pretrained(src, **label_config)
    model = auto_cls.from_config(config)
    model.set_attn_implementation("eager")
    randomize(model, seed)
    model.eval()
    model.save_pretrained(folder)

    model.zero_grad()
    out = model(**inputs, labels=labels)
    out.loss.backward()
    tensors = {k: v.to(torch.int32) for k, v in inputs.items()}
    tensors["labels"] = int_or_float(labels)
    tensors.update({k: int_or_float(v) for k, v in extra_labels.items()})
    tensors["logits"] = out.logits.detach()
    tensors["loss"] = out.loss.detach().reshape(1)
    losses = {"loss": out.loss.item()}
    with torch.no_grad():
        for name, value in extra_labels.items():
            loss = model(**inputs, labels=value).loss
            tensors[name.replace("labels", "loss")] = loss.reshape(1)
            losses[name.replace("labels", "loss")] = loss.item()
    names = [n for n, _ in model.named_parameters()]
    for name, p in model.named_parameters():
        tensors[f"grad.{name}"] = p.grad.clone() if p.grad is not None else torch.zeros_like(p)
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(folder, "expected.safetensors"),
              metadata=METADATA)

    reloaded = auto_cls.from_pretrained(folder).eval()
    with torch.no_grad():
        torch.testing.assert_close(reloaded(**inputs).logits, out.logits, rtol=0, atol=1e-5)
    batch = {k: v.tolist() for k, v in inputs.items()}
    # The labels as written above (regression targets are not float32-rounded in the JSON).
    batch["labels"] = labels.tolist() if task == "token" else (MULTI if task == "multi" else REGRESSION)["labels"]
    batch.update({k: v.tolist() for k, v in extra_labels.items()})
    write_json(os.path.join(folder, "expected.json"), {
        "generator": "scripts/make-task-golden.py", "torch": torch.__version__,
        "transformers": transformers.__version__, "arch": arch, "task": task, "model_class": type(model).__name__,
        "problem_type": model.config.problem_type, "num_labels": model.config.num_labels,
        "id2label": {str(k): v for k, v in model.config.id2label.items()},
        "tokenizer_class": type(tokenizer).__name__, "tokenizer_from": f"models/{arch}", "encode": ENCODE,
        "seed": seed, "init": "normal(0, 0.2); LayerNorm weights 1 + normal(0, 0.2)",
        **fields,
        "tokens": [tokenizer.convert_ids_to_tokens(row) for row in inputs["input_ids"].tolist()],
        **batch, "logits": out.logits.tolist(), **losses, "param_names": names,
        "loading_info": {auto_cls.__name__: loading_info(auto_cls, folder)},
    })
    return folder, inputs["input_ids"].shape, losses


def legacy_report(folder, **kwargs):
    """loading_info of BertForTokenClassification, or the error it raises (folder path made relative)."""
    try:
        return loading_info(BertForTokenClassification, folder, **kwargs)
    except (RuntimeError, ValueError, OSError) as e:
        return {"error": str(e).replace(OUT_DIR + os.sep, "").strip().splitlines()[0]}


def make_legacy_head():
    folder = fresh_folder("bert-token-legacy-head")
    copy_files(os.path.join(MODELS_DIR, "bert"), folder, ("config.json", "model.safetensors"))
    token_folder = os.path.join(OUT_DIR, "bert-token")
    tokenizer = AutoTokenizer.from_pretrained(token_folder)
    enc = tokenizer(TOKEN["words"], is_split_into_words=True, return_tensors="pt", **ENCODE)
    inputs = {k: v for k, v in enc.items()}
    model = BertForTokenClassification.from_pretrained(folder).eval()
    model.set_attn_implementation("eager")
    with torch.no_grad():
        logits = model(**inputs).logits
    tensors = {k: v.to(torch.int32) for k, v in inputs.items()}
    tensors["logits"] = logits
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(folder, "expected.safetensors"),
              metadata=METADATA)
    five = dict(num_labels=len(NER_LABELS), **labels_dict(NER_LABELS))
    write_json(os.path.join(folder, "expected.json"), {
        "generator": "scripts/make-task-golden.py", "torch": torch.__version__,
        "transformers": transformers.__version__,
        "description": "models/bert (BertForSequenceClassification, 3 labels, pooler) loaded as "
                       "BertForTokenClassification; logits are the 3-label load's on the bert-token batch",
        "checkpoint_from": "models/bert", "batch_from": "tasks/bert-token",
        **{k: v.tolist() for k, v in inputs.items()}, "logits": logits.tolist(),
        "loading_info": {
            "BertForTokenClassification": legacy_report(folder),
            "BertForTokenClassification(num_labels=5)": legacy_report(folder, **five),
            "BertForTokenClassification(num_labels=5, ignore_mismatched_sizes=True)":
                legacy_report(folder, ignore_mismatched_sizes=True, **five),
        },
    })


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    for arch in ARCHS:
        if not os.path.exists(os.path.join(MODELS_DIR, arch, "model.safetensors")):
            sys.exit(f"{os.path.join(MODELS_DIR, arch)}: not found (run scripts/make-model-golden.py first)")
    for a, arch in enumerate(ARCHS):
        for t, task in enumerate(TASKS):
            folder, shape, losses = make_task(SEED + 10 * a + t, arch, task)
            print(f"{os.path.basename(folder)}: N,T = {list(shape)}, "
                  + ", ".join(f"{k} {v:.6f}" for k, v in losses.items()))
    make_legacy_head()
    print("bert-token-legacy-head: written")


if __name__ == "__main__":
    sys.exit(main())
