#!/usr/bin/env python3
"""Golden files for the decoder-only language-model ops, computed by PyTorch 2.13 / transformers 5.17.

Run:  /work/venv/bin/python scripts/make-causal-ops-golden.py   (scripts/setup-python-venv.sh makes the venv)
Deterministic: a torch.Generator seeded with SEED = 4321, float32 throughout, one CPU thread.

Writes test/golden/engine/causal-ops.safetensors + causal-ops.json. Every "grad" is the gradient of
sum(out * grad_out) (for attention: sum(out * grad_out * attention_mask), i.e. padded query positions are
ignored as a loss ignores them) with respect to the input, by autograd.

rms_norm      transformers' LlamaRMSNorm(16, eps=1e-6) with a random weight on x [2, 5, 16] (values up to ~30).
              rms_norm.in.{x, weight}, rms_norm.out, rms_norm.grad_out, rms_norm.grad.{x, weight}

rope.<type>   for <type> in default, linear, llama3 (json "rope.<type>.config": the LlamaConfig fields read):
              inv_freq from transformers' own initialisers (LlamaRotaryEmbedding.compute_default_rope_parameters
              for default, ROPE_INIT_FUNCTIONS[type] otherwise) -> rope.<type>.inv_freq [8];
              cos / sin of LlamaRotaryEmbedding.forward at position_ids (int32 [2, 6]) -> rope.<type>.{cos, sin}
              [2, 6, 16]; apply_rotary_pos_emb on q [2, 4, 6, 16] and k [2, 2, 6, 16] (transformers' layout),
              STORED TRANSPOSED to [B, T, heads, D]: rope.<type>.in.{q, k}, .out.{q, k}, .grad_out.{q, k}, .grad.{q, k}.
rope.llama3_8b.inv_freq  [64]: Llama 3.1 8B's settings (head_dim 128, theta 500000, factor 8, low 1, high 4,
              original 8192).

attn.<case>   transformers' eager_attention_forward (modeling_llama: repeat_kv, softmax in float32) under the
              4-D mask of masking_utils.create_causal_mask (eager: 0 / float32 minimum) from
              attention_mask int32 [3, 6]; heads 4 of 8, scaling 1/sqrt(8). Cases: left (left padding), right
              (right padding), gqa2_left (2 key/value heads, left padding), gqa1_right (1 key/value head, right
              padding). Inputs and outputs in [B, T, heads, D]: attn.<case>.in.{q, k, v}, .attention_mask,
              .out, .grad_out, .grad.{q, k, v}. Outputs at padded query positions follow transformers' own rule
              (uniform over all keys) and are not meant to be compared.
"""
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import LlamaConfig
from transformers.masking_utils import create_causal_mask
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS
from transformers.models.llama.modeling_llama import (LlamaRMSNorm, LlamaRotaryEmbedding, apply_rotary_pos_emb,
                                                      eager_attention_forward)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_common import METADATA, write_json  # noqa: E402

SEED = 4321
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "golden", "engine")

ROPE_CONFIGS = {
    "default": {"rope_type": "default", "rope_theta": 10000.0},
    "linear": {"rope_type": "linear", "rope_theta": 10000.0, "factor": 4.0},
    # original 64: wavelengths 2 pi / inv_freq fall on both sides of 64 / 4 and 64 / 1, so all three branches run.
    "llama3": {"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0,
               "high_freq_factor": 4.0, "original_max_position_embeddings": 64},
}


def llama_config(rope_parameters, hidden=64, heads=4, kv_heads=2, max_positions=2048):
    config = LlamaConfig(hidden_size=hidden, num_attention_heads=heads, num_key_value_heads=kv_heads,
                         max_position_embeddings=max_positions, intermediate_size=2 * hidden, num_hidden_layers=1,
                         vocab_size=32, rope_parameters=dict(rope_parameters))
    config._attn_implementation = "eager"
    return config


def config_fields(config):
    """The config.json fields ropeInverseFrequencies reads, as transformers saves them."""
    saved = config.to_dict()
    keys = ["hidden_size", "num_attention_heads", "head_dim", "max_position_embeddings", "rope_parameters"]
    return {k: saved[k] for k in keys if k in saved}


def inv_freq_of(config):
    rope_type = config.rope_parameters["rope_type"]
    if rope_type == "default":
        return LlamaRotaryEmbedding.compute_default_rope_parameters(config)
    return ROPE_INIT_FUNCTIONS[rope_type](config)


def grads(out, grad_out, leaves):
    return torch.autograd.grad(out, leaves, grad_outputs=grad_out)


def make_rms_norm(tensors, meta, gen):
    norm = LlamaRMSNorm(16, eps=1e-6)
    with torch.no_grad():
        norm.weight.copy_(1 + torch.randn(16, generator=gen) * 0.3)
    x = (torch.randn(2, 5, 16, generator=gen) * torch.tensor([0.1, 1.0, 10.0, 1.0, 1.0])[None, :, None]).requires_grad_(True)
    out = norm(x)
    grad_out = torch.randn(out.shape, generator=gen)
    gx, gw = grads(out, grad_out, [x, norm.weight])
    tensors.update({"rms_norm.in.x": x, "rms_norm.in.weight": norm.weight, "rms_norm.out": out,
                    "rms_norm.grad_out": grad_out, "rms_norm.grad.x": gx, "rms_norm.grad.weight": gw})
    meta["rms_norm"] = {"eps": 1e-6}


def make_rope(tensors, meta, gen):
    position_ids = torch.tensor([[0, 1, 2, 3, 4, 5], [0, 0, 7, 130, 1000, 2047]])
    for name, params in ROPE_CONFIGS.items():
        config = llama_config(params)
        inv_freq, scaling = inv_freq_of(config)
        rotary = LlamaRotaryEmbedding(config)
        assert torch.equal(rotary.inv_freq, inv_freq)
        q = torch.randn(2, 4, 6, 16, generator=gen).requires_grad_(True)
        k = torch.randn(2, 2, 6, 16, generator=gen).requires_grad_(True)
        cos, sin = rotary(q, position_ids)
        q_out, k_out = apply_rotary_pos_emb(q, k, cos, sin)
        gq_out, gk_out = torch.randn(q_out.shape, generator=gen), torch.randn(k_out.shape, generator=gen)
        gq, gk = grads((q_out, k_out), (gq_out, gk_out), [q, k])
        ours = lambda t: t.transpose(1, 2)  # [B, heads, T, D] -> [B, T, heads, D]
        p = f"rope.{name}"
        tensors.update({f"{p}.inv_freq": inv_freq, f"{p}.cos": cos, f"{p}.sin": sin,
                        f"{p}.position_ids": position_ids.to(torch.int32),
                        f"{p}.in.q": ours(q), f"{p}.in.k": ours(k), f"{p}.out.q": ours(q_out), f"{p}.out.k": ours(k_out),
                        f"{p}.grad_out.q": ours(gq_out), f"{p}.grad_out.k": ours(gk_out),
                        f"{p}.grad.q": ours(gq), f"{p}.grad.k": ours(gk)})
        meta[p] = {"config": config_fields(config), "attention_scaling": scaling}
    big = llama_config({"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
                        "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
                       hidden=4096, heads=32, kv_heads=8, max_positions=131072)
    inv_freq, scaling = inv_freq_of(big)
    tensors["rope.llama3_8b.inv_freq"] = inv_freq
    meta["rope.llama3_8b"] = {"config": config_fields(big), "attention_scaling": scaling}


ATTENTION_CASES = {
    "left": (4, [[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 0, 1]]),
    "right": (4, [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0], [1, 0, 0, 0, 0, 0]]),
    "gqa2_left": (2, [[1, 1, 1, 1, 1, 1], [0, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1]]),
    "gqa1_right": (1, [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0]]),
}


class AttentionModule(torch.nn.Module):
    """What eager_attention_forward reads from its module."""

    def __init__(self, groups):
        super().__init__()
        self.num_key_value_groups = groups
        self.training = False


def make_attention(tensors, meta, gen):
    heads, dim, batch, tokens = 4, 8, 3, 6
    for name, (kv_heads, mask_rows) in ATTENTION_CASES.items():
        config = llama_config(ROPE_CONFIGS["default"], hidden=heads * dim, heads=heads, kv_heads=kv_heads)
        attention_mask = torch.tensor(mask_rows)
        embeds = torch.zeros(batch, tokens, heads * dim)
        mask = create_causal_mask(config=config, inputs_embeds=embeds, attention_mask=attention_mask,
                                  past_key_values=None, position_ids=torch.arange(tokens)[None].expand(batch, -1),
                                  allow_is_causal_skip=False)
        assert mask.dtype == torch.float32 and mask.shape == (batch, 1, tokens, tokens)
        q = (torch.randn(batch, heads, tokens, dim, generator=gen) * 1.5).requires_grad_(True)
        k = (torch.randn(batch, kv_heads, tokens, dim, generator=gen) * 1.5).requires_grad_(True)
        v = torch.randn(batch, kv_heads, tokens, dim, generator=gen).requires_grad_(True)
        out, _ = eager_attention_forward(AttentionModule(heads // kv_heads), q, k, v, mask, scaling=dim ** -0.5)
        grad_out = torch.randn(out.shape, generator=gen)
        weighted = grad_out * attention_mask[:, :, None, None].float()
        gq, gk, gv = grads(out, weighted, [q, k, v])
        ours = lambda t: t.transpose(1, 2)
        p = f"attn.{name}"
        tensors.update({f"{p}.in.q": ours(q), f"{p}.in.k": ours(k), f"{p}.in.v": ours(v),
                        f"{p}.attention_mask": attention_mask.to(torch.int32), f"{p}.out": out,
                        f"{p}.grad_out": grad_out, f"{p}.grad.q": ours(gq), f"{p}.grad.k": ours(gk),
                        f"{p}.grad.v": ours(gv)})
        meta[p] = {"heads": heads, "kv_heads": kv_heads, "head_dim": dim, "scaling": dim ** -0.5}


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    tensors, meta = {}, {}
    make_rms_norm(tensors, meta, gen)
    make_rope(tensors, meta, gen)
    make_attention(tensors, meta, gen)
    tensors = {k: v.detach().contiguous() for k, v in tensors.items()}
    save_file(tensors, os.path.join(OUT_DIR, "causal-ops.safetensors"), metadata=METADATA)
    write_json(os.path.join(OUT_DIR, "causal-ops.json"), {"generator": "scripts/make-causal-ops-golden.py",
                                                          "torch": torch.__version__, "seed": SEED, "cases": meta})
    print(f"{len(tensors)} tensors, {len(meta)} cases -> {OUT_DIR}")


if __name__ == "__main__":
    sys.exit(main())
