#!/usr/bin/env python3
"""Golden files for the causal language models (GPT-2, Llama, Qwen2), made with torch 2.13 / transformers 5 / PEFT.

Run:  /work/venv/bin/python scripts/make-causal-golden.py
Deterministic: seeded generators, float32, one CPU thread, eager attention.

For each tiny random checkpoint <name> in gpt2, llama (grouped-query, llama3 rope scaling, untied), qwen2
(q/k/v biases, tied) it writes test/golden/causal/<name>/{config.json, model.safetensors} (save_pretrained) and
test/golden/causal/<name>.safetensors with, for <side> in left, right (padding side):
  <side>.input_ids, <side>.attention_mask   int32 [2, 9]
  <side>.logits                             [2, 9, V], at position_ids = cumsum(mask) - 1 (1 at padding), as
                                            generate() computes them; padded query rows are not meant to be compared
  <side>.loss                               [1]: model(labels = ids with -100 at padding and where the previous
                                            position is padding).loss (shifted inside)
  <side>.grad.<parameter name>              d loss / d parameter (tied ones under their first name)
  generate.<i>.prompt, generate.<i>.ids     greedy generate(do_sample=False, max_new_tokens=32) of three prompts
                                            (one at a time): the prompt's ids and the whole returned sequence
  generate.<i>.penalty_ids                  the same with repetition_penalty=1.5 and max_new_tokens=16
and the LoRA adapters test/golden/causal/<name>-lora/{adapter_config.json, adapter_model.safetensors} (PEFT,
task_type CAUSAL_LM, random B so the update is not zero; gpt2: c_attn with fan_in_fan_out, llama: q_proj/v_proj
and qwen2: all-linear), with in <name>.safetensors:
  lora.logits     the PeftModel's logits on the right-padded batch
  merged.logits   merge_and_unload()'s logits on the same batch
  merged.<key>    the merged weights of the wrapped layers (checkpoint keys)
"""
import os
import sys

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_common import METADATA  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "golden", "causal")
VOCAB = 96
torch.set_num_threads(1)


def configs():
    gpt2 = GPT2Config(vocab_size=VOCAB, n_positions=64, n_embd=32, n_layer=2, n_head=4, bos_token_id=1, eos_token_id=2,
                      initializer_range=0.2, attn_implementation="eager")
    llama = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                        num_key_value_heads=2, max_position_embeddings=128, tie_word_embeddings=False,
                        bos_token_id=1, eos_token_id=2, pad_token_id=0, initializer_range=0.2, rms_norm_eps=1e-5,
                        rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                         "original_max_position_embeddings": 16},
                        attn_implementation="eager")
    qwen2 = Qwen2Config(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                        num_key_value_heads=1, max_position_embeddings=128, tie_word_embeddings=True,
                        bos_token_id=1, eos_token_id=2, initializer_range=0.2, rms_norm_eps=1e-6,
                        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}, attn_implementation="eager")
    return {"gpt2": (GPT2LMHeadModel, gpt2), "llama": (LlamaForCausalLM, llama), "qwen2": (Qwen2ForCausalLM, qwen2)}


LORA = {
    "gpt2": dict(target_modules=["c_attn"], fan_in_fan_out=True),
    "llama": dict(target_modules=["q_proj", "v_proj"]),
    "qwen2": dict(target_modules="all-linear"),
}


def randomize_norms(model, gen):
    """Norm weights 1 + N(0, 0.2) and biases N(0, 0.2), so a wrong norm or a dropped bias shows."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name or "ln_" in name or name.endswith("bias"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.2 + (1.0 if name.endswith("weight") else 0.0))


def batch(side, gen):
    lengths = [9, 6]
    ids = torch.randint(3, VOCAB, (2, 9), generator=gen)
    mask = torch.zeros(2, 9, dtype=torch.long)
    for row, n in enumerate(lengths):
        if side == "right":
            mask[row, :n] = 1
        else:
            mask[row, 9 - n:] = 1
    ids = ids.masked_fill(mask == 0, 0)
    return ids, mask


def positions(mask):
    return (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)


def main():
    os.makedirs(OUT, exist_ok=True)
    for index, (name, (cls, config)) in enumerate(configs().items()):
        torch.manual_seed(100 + index)
        model = cls(config).eval()
        gen = torch.Generator().manual_seed(200 + index)
        randomize_norms(model, gen)
        folder = os.path.join(OUT, name)
        model.save_pretrained(folder)
        out = {}
        for side in ("left", "right"):
            ids, mask = batch(side, gen)
            # A token whose previous position is padding has no context: its prediction would come from a query that sees
            # only padding (with left padding), where transformers' eager attention averages over all keys. -100 there.
            previous = torch.cat([torch.zeros_like(mask[:, :1]), mask[:, :-1]], dim=1)
            labels = ids.masked_fill((mask == 0) | (previous == 0), -100)
            model.zero_grad()
            result = model(input_ids=ids, attention_mask=mask, position_ids=positions(mask), labels=labels)
            result.loss.backward()
            out[f"{side}.input_ids"] = ids.to(torch.int32)
            out[f"{side}.attention_mask"] = mask.to(torch.int32)
            out[f"{side}.logits"] = result.logits.detach()
            out[f"{side}.loss"] = result.loss.detach().reshape(1)
            for pname, p in model.named_parameters():
                out[f"{side}.grad.{pname}"] = p.grad.detach().clone()
        model.zero_grad()
        with torch.no_grad():
            for i, length in enumerate([1, 5, 12]):
                prompt = torch.randint(3, VOCAB, (1, length), generator=gen)
                seq = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False, max_new_tokens=32,
                                     pad_token_id=0)
                out[f"generate.{i}.prompt"] = prompt[0].to(torch.int32)
                out[f"generate.{i}.ids"] = seq[0].to(torch.int32)
                penalised = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False, max_new_tokens=16,
                                           repetition_penalty=1.5, pad_token_id=0)
                out[f"generate.{i}.penalty_ids"] = penalised[0].to(torch.int32)
        ids, mask = out["right.input_ids"].long(), out["right.attention_mask"].long()
        peft_config = LoraConfig(r=4, lora_alpha=8, task_type="CAUSAL_LM", init_lora_weights=False, **LORA[name])
        torch.manual_seed(300 + index)
        peft_model = get_peft_model(model, peft_config).eval()
        peft_model.save_pretrained(os.path.join(OUT, f"{name}-lora"))
        os.remove(os.path.join(OUT, f"{name}-lora", "README.md"))
        targets = {k[: -len(".lora_A.default.weight")] for k in peft_model.state_dict() if k.endswith(".lora_A.default.weight")}
        with torch.no_grad():
            out["lora.logits"] = peft_model(input_ids=ids, attention_mask=mask, position_ids=positions(mask)).logits
            merged = peft_model.merge_and_unload()
            out["merged.logits"] = merged(input_ids=ids, attention_mask=mask, position_ids=positions(mask)).logits
        for key, value in merged.state_dict().items():
            if any(key == f"{t.removeprefix('base_model.model.')}.weight" for t in targets):
                out[f"merged.{key}"] = value.detach().clone()
        save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(OUT, f"{name}.safetensors"), metadata=METADATA)
        print(name, {k: list(v.shape) for k, v in out.items() if not k.startswith(("left.grad", "right.grad"))})
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("Made by scripts/make-causal-golden.py (see its docstring for every tensor).\n")


if __name__ == "__main__":
    main()
