#!/usr/bin/env python3
"""Golden files for the tensor engine: a tiny BERT-style encoder and single ops, computed by PyTorch.

Run:  /work/venv/bin/python scripts/make-engine-golden.py   (scripts/setup-python-venv.sh makes the venv)
Deterministic: torch.manual_seed(SEED) with SEED = 1234, float32 throughout, one CPU thread.

Writes (relative to the repository root):

test/golden/engine/transformer.safetensors + transformer.json
  A 2-layer post-LayerNorm BERT-style encoder built from torch primitives only.
  Shapes: B = 3 sequences, T = 7 tokens, H = 32 hidden, NH = 4 heads of D = 8, F = 64 FFN,
  V = 50 vocabulary, P = 16 positions (only rows 0..T-1 are used), C = 3 classes.

    x = E[ids] + P[arange(T)]                       # E = emb.word [V,H], P = emb.pos [P,H]
    x = LN_emb(x)                                    # eps 1e-12 (every LayerNorm here uses 1e-12)
    for l in 0, 1:
      q, k, v = x Wq^T + bq, x Wk^T + bk, x Wv^T + bv   # weights [out,in] like torch.nn.Linear
      split heads: [B,T,H] -> [B,NH,T,D]
      s = q k^T / sqrt(D) + ((1 - mask) * -1e9)[:, None, None, :]
      a = softmax(s, -1); ctx = a v merged back to [B,T,H]
      x = LN1_l(x + ctx Wo^T + bo)
      h = gelu_exact(x W1^T + b1)                    # erf form
      x = LN2_l(x + h W2^T + b2)
    pooled = tanh(x[:, 0] Wp^T + bp)
    logits = pooled Wc^T + bc
    loss         = F.cross_entropy(logits, targets,        weight=class_weights, label_smoothing=0.1)
    loss_ignore  = F.cross_entropy(logits, targets_ignore, weight=class_weights, label_smoothing=0.1,
                                   ignore_index=-100)   # targets_ignore[1] = -100

  PyTorch's weighted, label-smoothed, mean-reduced cross entropy (checked by an assert below), with
  lp = log_softmax(logits), w = class_weights, eps = label smoothing, C classes, kept rows i (target != ignore):
    nll    = sum_i w[y_i] * -lp[i, y_i] / sum_i w[y_i]
    smooth = sum_i sum_c w[c] * -lp[i, c] / sum_i w[y_i]
    loss   = (1 - eps) * nll + (eps / C) * smooth

  Parameter names (all float32, Linear weights [out, in]):
    emb.word [50,32]  emb.pos [16,32]  emb.ln.weight [32]  emb.ln.bias [32]
    layers.{0,1}.{q,k,v,o}.weight [32,32]  layers.{0,1}.{q,k,v,o}.bias [32]
    layers.{0,1}.ln1.weight/bias [32]
    layers.{0,1}.ffn1.weight [64,32] (W1)  layers.{0,1}.ffn1.bias [64]
    layers.{0,1}.ffn2.weight [32,64] (W2)  layers.{0,1}.ffn2.bias [32]
    layers.{0,1}.ln2.weight/bias [32]
    pooler.weight [32,32]  pooler.bias [32]  classifier.weight [3,32]  classifier.bias [3]
  Weights and biases: normal(0, 0.2); LayerNorm weights 1 + normal(0, 0.2); LayerNorm biases normal(0, 0.2).

  Other tensors:
    input.ids            int32 [3,7]   token ids (positions past a row's length hold id 0)
    input.mask           int32 [3,7]   1 = real token, 0 = padding; row lengths 7, 4, 1
    input.targets        int32 [3]     [2, 0, 1]
    input.targets_ignore int32 [3]     [2, -100, 1]
    input.class_weights  float32 [3]   [1.0, 2.0, 0.5]
    act.emb              [3,7,32]  x after LN_emb
    act.layers.{l}.attn_probs [3,4,7,7]  a (softmax output) of layer l
    act.layers.{l}.attn_ctx   [3,7,32]   ctx merged back, before the output projection
    act.layers.{l}.ln1        [3,7,32]   x after LN1_l
    act.layers.{l}.ffn_act    [3,7,64]   h = gelu(...)
    act.layers.{l}.out        [3,7,32]   x after LN2_l (layer output)
    out.hidden           [3,7,32]  last hidden states (= act.layers.1.out)
    out.pooled           [3,32]
    out.logits           [3,3]
    out.loss             [1]       loss
    out.loss_ignore      [1]       loss_ignore
    grad.<name>          d loss / d <name>, for every parameter name above
    grad_ignore.<name>   d loss_ignore / d <name>, for the names in GRAD_IGNORE_NAMES: emb.word,
                         emb.ln.weight, layers.0.q.weight, layers.1.ffn2.weight, pooler.weight,
                         classifier.weight, classifier.bias
  transformer.json: the scalar config (sizes, eps, mask value, label smoothing, ignore index, seed),
  the parameter names in order, the inputs as lists, and both loss values as numbers.

test/golden/engine/ops.safetensors + ops.json
  Single ops. For each op <op>: inputs `<op>.in.<name>`, output `<op>.out`, an upstream gradient
  `<op>.grad_out` (same shape as the output; random normal), and the input gradients
  `<op>.grad.<name>` = d sum(out * grad_out) / d <name>. Ops (ops.json gives each one's arguments):
    layer_norm        in.x [2,3,8], in.weight [8], in.bias [8]; F.layer_norm over the last dim, eps 1e-5
    softmax_masked    in.scores [2,2,3,5], in.mask int32 [2,5] (no grad);
                      out = softmax(scores + ((1 - mask) * -1e9)[:, None, None, :], -1)
    softmax           in.x [3,6]; softmax over the last dim (includes a row with a large spread)
    log_softmax       in.x [3,6]; log_softmax over the last dim
    gelu_erf          in.x [21]; F.gelu(x) (exact), x from -5 to 5 plus noise
    gelu_tanh         in.x [21]; F.gelu(x, approximate='tanh')
    tanh              in.x [21]
    var_unbiased      in.x [4,6]; torch.var(x, dim=-1, unbiased=True)  -> out [4]
    var_biased        in.x [4,6]; torch.var(x, dim=-1, unbiased=False) -> out [4]
    var_all_unbiased  in.x [4,6]; torch.var(x) over all elements       -> out [1]
    ce_plain          in.logits [5,4], in.targets int32 [5]; F.cross_entropy, mean
    ce_smooth         same inputs; label_smoothing 0.1
    ce_weight         same inputs + in.weight [4] (no grad); weight only
    ce_ignore         in.targets has -100 at row 2; ignore_index -100 only
    ce_all            weight + label_smoothing 0.1 + ignore_index -100
    ce_sum_all        the same with reduction 'sum'
  Scalar outputs (cross entropy, var_all) are stored with shape [1], with grad_out of shape [1].
"""
import math
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_common import write_json  # noqa: E402

SEED = 1234
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "golden", "engine")

B, T, H, NH, FFN, V, P, C = 3, 7, 32, 4, 64, 50, 16, 3
D = H // NH
EPS = 1e-12
MASK_VALUE = -1e9
LABEL_SMOOTHING = 0.1
IGNORE_INDEX = -100
# One key only: safetensors writes a metadata map in arbitrary order, which would make the bytes vary.
METADATA = {"generator": f"scripts/make-engine-golden.py (torch {torch.__version__})"}
LAYERS = 2
GRAD_IGNORE_NAMES = ("emb.word", "emb.ln.weight", "layers.0.q.weight", "layers.1.ffn2.weight", "pooler.weight",
                     "classifier.weight", "classifier.bias")


def make_params(gen):
    """Returns an ordered dict name -> leaf tensor requiring grad."""
    def normal(*shape):
        return torch.randn(*shape, generator=gen) * 0.2

    shapes = [("emb.word", (V, H)), ("emb.pos", (P, H)), ("emb.ln.weight", (H,)), ("emb.ln.bias", (H,))]
    for l in range(LAYERS):
        for name in ("q", "k", "v", "o"):
            shapes += [(f"layers.{l}.{name}.weight", (H, H)), (f"layers.{l}.{name}.bias", (H,))]
        shapes += [(f"layers.{l}.ln1.weight", (H,)), (f"layers.{l}.ln1.bias", (H,))]
        shapes += [(f"layers.{l}.ffn1.weight", (FFN, H)), (f"layers.{l}.ffn1.bias", (FFN,))]
        shapes += [(f"layers.{l}.ffn2.weight", (H, FFN)), (f"layers.{l}.ffn2.bias", (H,))]
        shapes += [(f"layers.{l}.ln2.weight", (H,)), (f"layers.{l}.ln2.bias", (H,))]
    shapes += [("pooler.weight", (H, H)), ("pooler.bias", (H,)), ("classifier.weight", (C, H)), ("classifier.bias", (C,))]
    params = {}
    for name, shape in shapes:
        value = normal(*shape)
        if ".ln" in name and name.endswith(".weight"):
            value = value + 1.0
        params[name] = value.requires_grad_(True)
    return params


def linear(x, params, prefix):
    return x @ params[prefix + ".weight"].T + params[prefix + ".bias"]


def layer_norm(x, params, prefix):
    return F.layer_norm(x, (H,), params[prefix + ".weight"], params[prefix + ".bias"], eps=EPS)


def forward(params, ids, mask):
    acts = {}
    x = params["emb.word"][ids.long()] + params["emb.pos"][torch.arange(T)]
    x = layer_norm(x, params, "emb.ln")
    acts["act.emb"] = x
    additive = ((1.0 - mask.float()) * MASK_VALUE)[:, None, None, :]
    for l in range(LAYERS):
        p = f"layers.{l}"
        q, k, v = (linear(x, params, f"{p}.{n}").view(B, T, NH, D).transpose(1, 2) for n in ("q", "k", "v"))
        s = q @ k.transpose(-1, -2) / math.sqrt(D) + additive
        a = torch.softmax(s, dim=-1)
        ctx = (a @ v).transpose(1, 2).reshape(B, T, H)
        x = layer_norm(x + linear(ctx, params, f"{p}.o"), params, f"{p}.ln1")
        acts[f"act.{p}.attn_probs"] = a
        acts[f"act.{p}.attn_ctx"] = ctx
        acts[f"act.{p}.ln1"] = x
        h = F.gelu(linear(x, params, f"{p}.ffn1"))
        acts[f"act.{p}.ffn_act"] = h
        x = layer_norm(x + linear(h, params, f"{p}.ffn2"), params, f"{p}.ln2")
        acts[f"act.{p}.out"] = x
    pooled = torch.tanh(linear(x[:, 0], params, "pooler"))
    logits = linear(pooled, params, "classifier")
    return x, pooled, logits, acts


def manual_cross_entropy(logits, targets, weight, eps):
    """The documented formula, used only to check that the docstring describes what torch does."""
    lp = torch.log_softmax(logits.double(), -1)
    keep = targets != IGNORE_INDEX
    y = targets[keep].long()
    lp, w = lp[keep], weight.double()
    denom = w[y].sum()
    nll = (w[y] * -lp[torch.arange(len(y)), y]).sum() / denom
    smooth = (w[None, :] * -lp).sum() / denom
    return (1 - eps) * nll + eps / logits.shape[-1] * smooth


def detached(tensors):
    return {k: v.detach().contiguous().clone() for k, v in tensors.items()}


def make_transformer_golden():
    gen = torch.Generator().manual_seed(SEED)
    params = make_params(gen)
    lengths = [7, 4, 1]
    mask = torch.zeros(B, T, dtype=torch.int32)
    for row, n in enumerate(lengths):
        mask[row, :n] = 1
    ids = torch.randint(1, V, (B, T), generator=gen, dtype=torch.int32) * mask
    targets = torch.tensor([2, 0, 1], dtype=torch.int32)
    targets_ignore = torch.tensor([2, IGNORE_INDEX, 1], dtype=torch.int32)
    class_weights = torch.tensor([1.0, 2.0, 0.5])

    hidden, pooled, logits, acts = forward(params, ids, mask)
    loss = F.cross_entropy(logits, targets.long(), weight=class_weights, label_smoothing=LABEL_SMOOTHING)
    loss_ignore = F.cross_entropy(logits, targets_ignore.long(), weight=class_weights,
                                  label_smoothing=LABEL_SMOOTHING, ignore_index=IGNORE_INDEX)
    for value, tg in ((loss, targets), (loss_ignore, targets_ignore)):
        expected = manual_cross_entropy(logits.detach(), tg, class_weights, LABEL_SMOOTHING)
        assert abs(value.item() - expected.item()) < 1e-5, (value.item(), expected.item())

    names = list(params)
    grads = torch.autograd.grad(loss, [params[n] for n in names], retain_graph=True)
    grads_ignore = torch.autograd.grad(loss_ignore, [params[n] for n in names])

    tensors = {name: p.detach().clone() for name, p in params.items()}
    tensors.update({
        "input.ids": ids, "input.mask": mask, "input.targets": targets,
        "input.targets_ignore": targets_ignore, "input.class_weights": class_weights,
        "out.hidden": hidden, "out.pooled": pooled, "out.logits": logits,
        "out.loss": loss.reshape(1), "out.loss_ignore": loss_ignore.reshape(1),
    })
    tensors.update(acts)
    tensors.update({f"grad.{n}": g for n, g in zip(names, grads)})
    tensors.update({f"grad_ignore.{n}": g for n, g in zip(names, grads_ignore) if n in GRAD_IGNORE_NAMES})
    save_file(detached(tensors), os.path.join(OUT_DIR, "transformer.safetensors"),
              metadata=METADATA)
    config = {
        "generator": "scripts/make-engine-golden.py", "torch": torch.__version__, "seed": SEED,
        "batch": B, "seq_len": T, "hidden": H, "heads": NH, "head_dim": D, "ffn": FFN, "vocab": V,
        "max_positions": P, "classes": C, "layers": LAYERS, "layer_norm_eps": EPS,
        "mask_value": MASK_VALUE, "activation": "gelu_erf", "label_smoothing": LABEL_SMOOTHING,
        "ignore_index": IGNORE_INDEX, "init_std": 0.2, "lengths": lengths,
        "param_names": names, "grad_ignore_names": list(GRAD_IGNORE_NAMES),
        "ids": ids.tolist(), "mask": mask.tolist(), "targets": targets.tolist(),
        "targets_ignore": targets_ignore.tolist(), "class_weights": class_weights.tolist(),
        "loss": loss.item(), "loss_ignore": loss_ignore.item(), "logits": logits.tolist(),
    }
    write_json(os.path.join(OUT_DIR, "transformer.json"), config)
    return loss.item(), loss_ignore.item()


def op_case(tensors, meta, name, fn, inputs, no_grad=(), args=None, gen=None):
    """Runs fn(**inputs), stores inputs, output, a random upstream grad and the input grads."""
    leaves = {k: (v.clone().requires_grad_(True) if k not in no_grad else v) for k, v in inputs.items()}
    out = fn(**leaves)
    if out.dim() == 0:
        out = out.reshape(1)
    grad_out = torch.randn(out.shape, generator=gen)
    wanted = [k for k in leaves if k not in no_grad]
    grads = torch.autograd.grad(out, [leaves[k] for k in wanted], grad_outputs=grad_out)
    for k, v in inputs.items():
        tensors[f"{name}.in.{k}"] = v
    tensors[f"{name}.out"] = out
    tensors[f"{name}.grad_out"] = grad_out
    for k, g in zip(wanted, grads):
        tensors[f"{name}.grad.{k}"] = g
    meta[name] = {"inputs": list(inputs), "grads": wanted, "args": args or {}}


def make_ops_golden():
    gen = torch.Generator().manual_seed(SEED + 1)
    randn = lambda *s: torch.randn(*s, generator=gen)
    tensors, meta = {}, {}

    op_case(tensors, meta, "layer_norm",
            lambda x, weight, bias: F.layer_norm(x, (8,), weight, bias, eps=1e-5),
            {"x": randn(2, 3, 8) * 2 + 0.5, "weight": 1 + randn(8) * 0.3, "bias": randn(8) * 0.3},
            args={"eps": 1e-5, "normalized_shape": [8]}, gen=gen)

    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.int32)
    op_case(tensors, meta, "softmax_masked",
            lambda scores, mask: torch.softmax(scores + ((1 - mask.float()) * MASK_VALUE)[:, None, None, :], -1),
            {"scores": randn(2, 2, 3, 5) * 3, "mask": mask}, no_grad=("mask",),
            args={"dim": -1, "mask_value": MASK_VALUE}, gen=gen)

    spread = randn(3, 6) * 2
    spread[2] = torch.tensor([50.0, -30.0, 10.0, 49.0, 0.0, -80.0])
    op_case(tensors, meta, "softmax", lambda x: torch.softmax(x, -1), {"x": spread.clone()},
            args={"dim": -1}, gen=gen)
    op_case(tensors, meta, "log_softmax", lambda x: torch.log_softmax(x, -1), {"x": spread.clone()},
            args={"dim": -1}, gen=gen)

    xs = torch.linspace(-5, 5, 21) + randn(21) * 0.05
    op_case(tensors, meta, "gelu_erf", lambda x: F.gelu(x), {"x": xs.clone()}, args={"approximate": "none"}, gen=gen)
    op_case(tensors, meta, "gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), {"x": xs.clone()},
            args={"approximate": "tanh"}, gen=gen)
    op_case(tensors, meta, "tanh", lambda x: torch.tanh(x), {"x": xs.clone()}, gen=gen)

    xv = randn(4, 6) * 1.5 + 3
    op_case(tensors, meta, "var_unbiased", lambda x: torch.var(x, dim=-1, unbiased=True), {"x": xv.clone()},
            args={"dim": -1, "unbiased": True}, gen=gen)
    op_case(tensors, meta, "var_biased", lambda x: torch.var(x, dim=-1, unbiased=False), {"x": xv.clone()},
            args={"dim": -1, "unbiased": False}, gen=gen)
    op_case(tensors, meta, "var_all_unbiased", lambda x: torch.var(x), {"x": xv.clone()},
            args={"dim": None, "unbiased": True}, gen=gen)

    logits = randn(5, 4) * 2
    targets = torch.tensor([0, 3, 1, 2, 1], dtype=torch.int32)
    targets_ignore = torch.tensor([0, 3, IGNORE_INDEX, 2, 1], dtype=torch.int32)
    weight = torch.tensor([0.5, 1.0, 2.0, 1.5])
    ce = lambda **kw: (lambda logits, targets, weight=None: F.cross_entropy(logits, targets.long(), weight=weight, **kw))
    cases = [
        ("ce_plain", {}, targets, False),
        ("ce_smooth", {"label_smoothing": 0.1}, targets, False),
        ("ce_weight", {}, targets, True),
        ("ce_ignore", {"ignore_index": IGNORE_INDEX}, targets_ignore, False),
        ("ce_all", {"label_smoothing": 0.1, "ignore_index": IGNORE_INDEX}, targets_ignore, True),
        ("ce_sum_all", {"label_smoothing": 0.1, "ignore_index": IGNORE_INDEX, "reduction": "sum"}, targets_ignore, True),
    ]
    for name, kw, tg, weighted in cases:
        inputs = {"logits": logits.clone(), "targets": tg.clone()}
        if weighted:
            inputs["weight"] = weight.clone()
        op_case(tensors, meta, name, ce(**kw), inputs, no_grad=("targets", "weight"),
                args={"reduction": "mean", **kw, "weighted": weighted}, gen=gen)

    save_file(detached(tensors), os.path.join(OUT_DIR, "ops.safetensors"),
              metadata=METADATA)
    write_json(os.path.join(OUT_DIR, "ops.json"), {"generator": "scripts/make-engine-golden.py",
                                                   "torch": torch.__version__, "seed": SEED + 1,
                                                   "ignore_index": IGNORE_INDEX, "ops": meta})
    return len(meta)


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    loss, loss_ignore = make_transformer_golden()
    n_ops = make_ops_golden()
    print(f"transformer: loss {loss:.6f}, loss_ignore {loss_ignore:.6f}; ops: {n_ops} cases -> {OUT_DIR}")


if __name__ == "__main__":
    sys.exit(main())
