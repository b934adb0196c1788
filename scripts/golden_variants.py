"""Loading variants of the bert golden checkpoint, written by scripts/make-model-golden.py.

Each folder under test/golden/models/ holds config.json, the weights in the variant's form, expected.json
and expected.safetensors. All share the encoder weights of models/bert (so last_hidden_state and
pooler_output equal models/bert's where the weights are float32). Folders:
  bert-base-model/  BertModel.save_pretrained (keys without the `bert.` prefix, pooler included, no classifier),
                    architectures [BertModel], no labels; with the bert tokenizer files, like a
                    sentence-transformers checkpoint
  bert-legacy/      model.safetensors written by hand in the old BertForPreTraining layout: `bert.` prefix,
                    every LayerNorm.weight/bias renamed LayerNorm.gamma/beta, extra cls.predictions.*
                    and cls.seq_relationship.* keys, an int64 [1,64] `bert.embeddings.position_ids`, no classifier
  bert-bin/         pytorch_model.bin = torch.save(state_dict) of models/bert (classifier included), no safetensors
  bert-f16/         models/bert saved in float16; expected outputs from the float16 weights upcast to float32
  bert-bf16/        the same in bfloat16
  bert-sharded/     models/bert via save_pretrained(max_shard_size=...): model.safetensors.index.json + 2 shards
  bert-5labels/     BertForSequenceClassification with 5 labels (id2label 0..4 = very_neg..very_pos): the bert
                    encoder plus a new random classifier [5,32]
expected.safetensors (int32 inputs, float32 outputs; <b> = single | pair, the same batches as models/bert):
  <b>.input_ids, <b>.attention_mask, <b>.token_type_ids, <b>.labels, <b>.last_hidden_state, and
  <b>.logits where the checkpoint has a classifier, <b>.pooler_output where it has none (BertModel output).
expected.json: description, checkpoint keys {key: [dtype, shape]}, the batches as lists (logits where a
classifier exists), and `loading_info`: what BertForSequenceClassification.from_pretrained (and
AutoModel.from_pretrained) report: missing / unexpected / mismatched keys, error messages, loaded dtype.
"""
import copy
import os
import shutil

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import AutoModel, BertConfig, BertForSequenceClassification, BertModel

from golden_common import METADATA, batch_tensors, loading_info, randomize, run_batch, write_json

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def fresh_folder(out_dir, name):
    folder = os.path.join(out_dir, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return folder


def checkpoint_keys(folder):
    keys = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.endswith(".safetensors") and not name.startswith("expected"):
            with safe_open(path, "pt") as f:
                for k in f.keys():
                    t = f.get_slice(k)
                    keys[k] = [t.get_dtype(), list(t.get_shape())]
        elif name.endswith(".bin"):
            for k, t in torch.load(path, weights_only=True).items():
                keys[k] = [str(t.dtype).replace("torch.", ""), list(t.shape)]
    return dict(sorted(keys.items()))


def write_expected(folder, model, batches, description, loading):
    """Runs model (float32) on the batches and writes expected.safetensors + expected.json."""
    tensors, as_json = {}, {}
    for name, (enc, batch) in batches.items():
        out = run_batch(model, enc)
        tensors.update(batch_tensors(name, enc, batch["labels"], out, embedding_output=False))
        as_json[name] = {k: v.tolist() for k, v in enc.items()}
        if getattr(out, "logits", None) is not None:
            as_json[name]["labels"] = batch["labels"]
            as_json[name]["logits"] = out.logits.tolist()
    save_file(tensors, os.path.join(folder, "expected.safetensors"), metadata=METADATA)
    write_json(os.path.join(folder, "expected.json"), {
        "generator": "scripts/make-model-golden.py", "variant": os.path.basename(folder),
        "description": description, "encoder_same_as": "models/bert", "keys": checkpoint_keys(folder),
        "batches": as_json, "loading_info": loading,
    })


def base_config(model):
    data = model.config.to_dict()
    for key in ("id2label", "label2id", "architectures", "dtype", "torch_dtype", "transformers_version"):
        data.pop(key, None)
    return BertConfig(**data)


def make_base_model(model, batches, out_dir):
    folder = fresh_folder(out_dir, "bert-base-model")
    base = BertModel(base_config(model))
    base.load_state_dict(model.bert.state_dict())
    base.set_attn_implementation("eager")
    base.eval().save_pretrained(folder)
    for name in TOKENIZER_FILES:
        shutil.copy(os.path.join(out_dir, "bert", name), folder)
    write_expected(folder, base, batches, "BertModel.save_pretrained: keys without the bert. prefix, no classifier", {
        "BertForSequenceClassification": loading_info(BertForSequenceClassification, folder),
        "AutoModel": loading_info(AutoModel, folder),
    })


def legacy_key(key):
    if ".LayerNorm." in key:
        return key.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
    return key


def make_legacy(model, batches, out_dir, seed):
    folder = fresh_folder(out_dir, "bert-legacy")
    config = base_config(model)
    config.architectures = ["BertForPreTraining"]
    config.save_pretrained(folder)
    hidden, vocab = config.hidden_size, config.vocab_size
    gen = torch.Generator().manual_seed(seed)
    rand = lambda *shape: torch.randn(*shape, generator=gen) * 0.2  # noqa: E731
    state = {legacy_key("bert." + k): v.clone() for k, v in model.bert.state_dict().items()}
    state.update({
        "bert.embeddings.position_ids": torch.arange(config.max_position_embeddings, dtype=torch.int64)[None],
        "cls.predictions.bias": rand(vocab),
        "cls.predictions.transform.dense.weight": rand(hidden, hidden),
        "cls.predictions.transform.dense.bias": rand(hidden),
        "cls.predictions.transform.LayerNorm.gamma": 1 + rand(hidden),
        "cls.predictions.transform.LayerNorm.beta": rand(hidden),
        "cls.predictions.decoder.weight": state["bert.embeddings.word_embeddings.weight"].clone(),
        "cls.seq_relationship.weight": rand(2, hidden),
        "cls.seq_relationship.bias": rand(2),
    })
    save_file({k: v.contiguous() for k, v in state.items()}, os.path.join(folder, "model.safetensors"),
              metadata=METADATA)
    loaded = AutoModel.from_pretrained(folder).eval()
    torch.testing.assert_close(loaded.embeddings.LayerNorm.weight, model.bert.embeddings.LayerNorm.weight)
    write_expected(folder, model.bert, batches,
                   "old BertForPreTraining layout: bert. prefix, LayerNorm gamma/beta, cls.* heads, "
                   "int64 bert.embeddings.position_ids; no classifier", {
                       "BertForSequenceClassification": loading_info(BertForSequenceClassification, folder),
                       "AutoModel": loading_info(AutoModel, folder),
                   })


def make_bin(model, batches, out_dir):
    folder = fresh_folder(out_dir, "bert-bin")
    model.config.save_pretrained(folder)
    torch.save({k: v.clone() for k, v in model.state_dict().items()}, os.path.join(folder, "pytorch_model.bin"))
    write_expected(folder, model, batches, "pytorch_model.bin written by torch.save(state_dict); no safetensors", {
        "BertForSequenceClassification": loading_info(BertForSequenceClassification, folder),
    })


def make_half(model, batches, out_dir, dtype, name):
    folder = fresh_folder(out_dir, name)
    copy.deepcopy(model).to(dtype).save_pretrained(folder)
    upcast = copy.deepcopy(model)
    upcast.load_state_dict({k: v.to(dtype).to(torch.float32) for k, v in model.state_dict().items()})
    loaded = BertForSequenceClassification.from_pretrained(folder, dtype=torch.float32).eval()
    torch.testing.assert_close(loaded.classifier.weight, upcast.classifier.weight, rtol=0, atol=0)
    write_expected(folder, upcast.eval(), batches,
                   f"models/bert saved in {name[5:]}; expected outputs from the weights upcast to float32", {
                       "BertForSequenceClassification": loading_info(BertForSequenceClassification, folder),
                   })


def make_sharded(model, batches, out_dir):
    folder = fresh_folder(out_dir, "bert-sharded")
    total = sum(v.numel() * v.element_size() for v in model.state_dict().values())
    model.save_pretrained(folder, max_shard_size=int(total * 0.6))
    shards = sorted(n for n in os.listdir(folder) if n.endswith(".safetensors"))
    assert shards == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"], shards
    assert os.path.exists(os.path.join(folder, "model.safetensors.index.json"))
    write_expected(folder, model, batches, "models/bert in 2 safetensors shards with model.safetensors.index.json", {
        "BertForSequenceClassification": loading_info(BertForSequenceClassification, folder),
    })


def make_five_labels(model, batches, out_dir, seed):
    folder = fresh_folder(out_dir, "bert-5labels")
    names = ["very_neg", "neg", "neu", "pos", "very_pos"]
    config = base_config(model)
    config.id2label = dict(enumerate(names))
    config.label2id = {n: i for i, n in enumerate(names)}
    five = BertForSequenceClassification(config)
    randomize(five, seed)
    five.bert.load_state_dict(model.bert.state_dict())
    five.set_attn_implementation("eager")
    five.eval().save_pretrained(folder)
    try:
        BertForSequenceClassification.from_pretrained(folder, num_labels=3)
        strict_error = None
    except RuntimeError as e:
        strict_error = str(e).splitlines()[0]
    write_expected(folder, five, batches, "classifier with 5 labels over the models/bert encoder", {
        "BertForSequenceClassification": loading_info(BertForSequenceClassification, folder),
        "BertForSequenceClassification(num_labels=3, ignore_mismatched_sizes=True)":
            loading_info(BertForSequenceClassification, folder, num_labels=3, ignore_mismatched_sizes=True),
        "BertForSequenceClassification(num_labels=3) raises": strict_error,
    })


def make_all(model, batches, out_dir, seed):
    """model: the float32 models/bert classifier (eval mode); batches: {name: (encoding, batch dict)}."""
    make_base_model(model, batches, out_dir)
    make_legacy(model, batches, out_dir, seed)
    make_bin(model, batches, out_dir)
    make_half(model, batches, out_dir, torch.float16, "bert-f16")
    make_half(model, batches, out_dir, torch.bfloat16, "bert-bf16")
    make_sharded(model, batches, out_dir)
    make_five_labels(model, batches, out_dir, seed + 1)
