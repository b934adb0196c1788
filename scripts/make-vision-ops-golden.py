#!/usr/bin/env python3
"""Golden files for the vision ops: convolution, batch norm, pooling and activations, computed by PyTorch.

Run:  /work/venv/bin/python scripts/make-vision-ops-golden.py   (scripts/setup-python-venv.sh makes the venv)
Deterministic: a torch.Generator seeded with SEED = 4321, float32 throughout, one CPU thread.

Writes test/golden/engine/vision-ops.safetensors + vision-ops.json. Layout NCHW. For each op <op>: inputs
`<op>.in.<name>`, output `<op>.out`, an upstream gradient `<op>.grad_out` (random normal, shaped as the output)
and the input gradients `<op>.grad.<name>` = d sum(out * grad_out) / d <name>. vision-ops.json lists each op's
kind, inputs, differentiated inputs and arguments (named as the TypeScript options: stride, padding, dilation,
groups, kernel, ceilMode, countIncludePad, outputSize, training, momentum, eps, numBatchesTracked).

  conv2d_*        F.conv2d(x, weight, bias, stride, padding, dilation, groups); in.x, in.weight, in.bias (if any)
    conv2d_basic        x [2,3,7,6]  weight [4,3,3,3]  bias; padding 1
    conv2d_stride2      x [2,3,9,8]  weight [5,3,3,3]  bias; stride 2, padding 1
    conv2d_asymmetric   x [2,2,8,9]  weight [3,2,3,2]; stride [2,1], padding [1,2], dilation [1,2]
    conv2d_dilation2    x [1,2,9,10] weight [3,2,3,3]  bias; dilation 2, padding 2
    conv2d_groups2      x [2,4,6,6]  weight [6,2,3,3]  bias; groups 2, padding 1
    conv2d_depthwise    x [2,4,7,7]  weight [4,1,3,3]  bias; groups 4, stride 2, padding 1
    conv2d_depthwise_x2 x [1,3,6,5]  weight [6,1,3,3]; groups 3 (channel multiplier 2), padding 1
    conv2d_pointwise    x [2,5,4,3]  weight [6,5,1,1]  bias
    conv2d_stem         x [2,3,16,16] weight [8,3,7,7]; stride 2, padding 3 (ResNet's first layer)
  batch_norm_*    torch.nn.BatchNorm2d(C) through torch.func.functional_call with in.weight, in.bias and the running
                  statistics in.running_mean / in.running_var (no gradient); `<op>.running_mean_after` and
                  `<op>.running_var_after` hold the running statistics after the call, `<op>.num_batches_tracked_after`
                  the counter (int32 [1]; it starts at args.numBatchesTracked).
    batch_norm_train        x [4,3,5,5]; training, momentum 0.1, eps 1e-5
    batch_norm_cumulative   x [3,4,3,3]; training, momentum None (cumulative average), counter starting at 2
    batch_norm_eval         x [2,3,4,4]; evaluation, eps 1e-3
  max_pool2d_*    F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode); in.x
    max_pool2d_resnet   x [2,3,9,9]   kernel 3, stride 2, padding 1
    max_pool2d_ceil     x [2,2,7,9]   kernel 2, stride 2, ceil mode
    max_pool2d_dilation x [1,2,9,9]   kernel 3, stride 2, padding 1, dilation 2, ceil mode
    max_pool2d_ties     x [1,2,6,6]   integers 0..3, so windows hold tied maxima: gradients go to the first
  avg_pool2d_*    F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad); in.x
    avg_pool2d_pad          x [2,3,9,9]  kernel 3, stride 2, padding 1, count_include_pad True
    avg_pool2d_pad_exclude  the same, count_include_pad False
    avg_pool2d_ceil         x [2,2,7,8]  kernel 3, stride 2, padding 1, ceil mode, count_include_pad False
  adaptive_avg_pool2d_*  F.adaptive_avg_pool2d(x, output_size); in.x
    adaptive_avg_pool2d_3x2     x [2,3,7,5] -> (3, 2)
    adaptive_avg_pool2d_global  x [2,4,6,6] -> (1, 1)
  relu6, hardswish, hardsigmoid, silu   F.<name>(x); in.x [41] from -8 to 8 with the kinks -3, 0, 3, 6 exactly
"""
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_common import write_json  # noqa: E402

SEED = 4321
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "golden", "engine")
# One key only: safetensors writes a metadata map in arbitrary order, which would make the bytes vary.
METADATA = {"generator": f"scripts/make-vision-ops-golden.py (torch {torch.__version__})"}


def op_case(tensors, meta, name, kind, fn, inputs, gen, no_grad=(), args=None):
    """Runs fn(**inputs); stores inputs, output, a random upstream gradient and the input gradients."""
    leaves = {k: (v.clone().requires_grad_(True) if k not in no_grad else v.clone()) for k, v in inputs.items()}
    out = fn(**leaves)
    grad_out = torch.randn(out.shape, generator=gen)
    wanted = [k for k in leaves if k not in no_grad]
    grads = torch.autograd.grad(out, [leaves[k] for k in wanted], grad_outputs=grad_out)
    for k, v in inputs.items():
        tensors[f"{name}.in.{k}"] = v
    tensors[f"{name}.out"] = out
    tensors[f"{name}.grad_out"] = grad_out
    for k, g in zip(wanted, grads):
        tensors[f"{name}.grad.{k}"] = g
    meta[name] = {"kind": kind, "inputs": list(inputs), "grads": wanted, "args": args or {}}
    return leaves


def pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


def conv_cases(tensors, meta, gen):
    randn = lambda *s: torch.randn(*s, generator=gen)
    specs = [
        ("conv2d_basic", (2, 3, 7, 6), (4, 3, 3, 3), True, dict(padding=1)),
        ("conv2d_stride2", (2, 3, 9, 8), (5, 3, 3, 3), True, dict(stride=2, padding=1)),
        ("conv2d_asymmetric", (2, 2, 8, 9), (3, 2, 3, 2), False, dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2))),
        ("conv2d_dilation2", (1, 2, 9, 10), (3, 2, 3, 3), True, dict(dilation=2, padding=2)),
        ("conv2d_groups2", (2, 4, 6, 6), (6, 2, 3, 3), True, dict(groups=2, padding=1)),
        ("conv2d_depthwise", (2, 4, 7, 7), (4, 1, 3, 3), True, dict(groups=4, stride=2, padding=1)),
        ("conv2d_depthwise_x2", (1, 3, 6, 5), (6, 1, 3, 3), False, dict(groups=3, padding=1)),
        ("conv2d_pointwise", (2, 5, 4, 3), (6, 5, 1, 1), True, dict()),
        ("conv2d_stem", (2, 3, 16, 16), (8, 3, 7, 7), False, dict(stride=2, padding=3)),
    ]
    for name, xs, ws, has_bias, kw in specs:
        args = {"stride": pair(kw.get("stride", 1)), "padding": pair(kw.get("padding", 0)),
                "dilation": pair(kw.get("dilation", 1)), "groups": kw.get("groups", 1)}
        inputs = {"x": randn(*xs), "weight": randn(*ws) * 0.3}
        if has_bias:
            inputs["bias"] = randn(ws[0]) * 0.3
        op_case(tensors, meta, name, "conv2d",
                lambda x, weight, bias=None, kw=kw: F.conv2d(x, weight, bias, **kw), inputs, gen, args=args)


def batch_norm_cases(tensors, meta, gen):
    randn = lambda *s: torch.randn(*s, generator=gen)
    specs = [
        ("batch_norm_train", (4, 3, 5, 5), True, 0.1, 1e-5, 0),
        ("batch_norm_cumulative", (3, 4, 3, 3), True, None, 1e-5, 2),
        ("batch_norm_eval", (2, 3, 4, 4), False, 0.1, 1e-3, 0),
    ]
    for name, xs, training, momentum, eps, tracked in specs:
        c = xs[1]
        module = torch.nn.BatchNorm2d(c, eps=eps, momentum=momentum)
        module.train(training)
        running_mean = randn(c) * 0.5
        running_var = 0.5 + torch.rand(c, generator=gen)
        state = {}

        def fn(x, weight, bias, running_mean, running_var, module=module, state=state, tracked=tracked):
            counter = torch.tensor(tracked, dtype=torch.long)
            state.update(running_mean=running_mean, running_var=running_var, counter=counter)
            params = {"weight": weight, "bias": bias, "running_mean": running_mean, "running_var": running_var,
                      "num_batches_tracked": counter}
            return torch.func.functional_call(module, params, (x,))

        inputs = {"x": randn(*xs) * 2 + 0.5, "weight": 1 + randn(c) * 0.3, "bias": randn(c) * 0.3,
                  "running_mean": running_mean, "running_var": running_var}
        op_case(tensors, meta, name, "batch_norm2d", fn, inputs, gen, no_grad=("running_mean", "running_var"),
                args={"training": training, "momentum": momentum, "eps": eps, "numBatchesTracked": tracked})
        tensors[f"{name}.running_mean_after"] = state["running_mean"].detach().clone()
        tensors[f"{name}.running_var_after"] = state["running_var"].detach().clone()
        tensors[f"{name}.num_batches_tracked_after"] = state["counter"].reshape(1).to(torch.int32)
        if training:
            assert not torch.equal(state["running_mean"], running_mean), "running statistics were not updated"


def pool_cases(tensors, meta, gen):
    randn = lambda *s: torch.randn(*s, generator=gen)
    max_specs = [
        ("max_pool2d_resnet", randn(2, 3, 9, 9), dict(kernel_size=3, stride=2, padding=1)),
        ("max_pool2d_ceil", randn(2, 2, 7, 9), dict(kernel_size=2, stride=2, ceil_mode=True)),
        ("max_pool2d_dilation", randn(1, 2, 9, 9), dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)),
        ("max_pool2d_ties", torch.randint(0, 4, (1, 2, 6, 6), generator=gen).float(), dict(kernel_size=3, stride=1)),
    ]
    for name, x, kw in max_specs:
        args = {"kernel": pair(kw["kernel_size"]), "stride": pair(kw.get("stride", kw["kernel_size"])),
                "padding": pair(kw.get("padding", 0)), "dilation": pair(kw.get("dilation", 1)),
                "ceilMode": kw.get("ceil_mode", False)}
        op_case(tensors, meta, name, "max_pool2d", lambda x, kw=kw: F.max_pool2d(x, **kw), {"x": x}, gen, args=args)
    avg_specs = [
        ("avg_pool2d_pad", (2, 3, 9, 9), dict(kernel_size=3, stride=2, padding=1, count_include_pad=True)),
        ("avg_pool2d_pad_exclude", (2, 3, 9, 9), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
        ("avg_pool2d_ceil", (2, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ]
    for name, xs, kw in avg_specs:
        args = {"kernel": pair(kw["kernel_size"]), "stride": pair(kw["stride"]), "padding": pair(kw["padding"]),
                "ceilMode": kw.get("ceil_mode", False), "countIncludePad": kw["count_include_pad"]}
        op_case(tensors, meta, name, "avg_pool2d", lambda x, kw=kw: F.avg_pool2d(x, **kw), {"x": randn(*xs)}, gen, args=args)
    for name, xs, size in (("adaptive_avg_pool2d_3x2", (2, 3, 7, 5), (3, 2)), ("adaptive_avg_pool2d_global", (2, 4, 6, 6), (1, 1))):
        op_case(tensors, meta, name, "adaptive_avg_pool2d", lambda x, size=size: F.adaptive_avg_pool2d(x, size),
                {"x": randn(*xs)}, gen, args={"outputSize": list(size)})


def activation_cases(tensors, meta, gen):
    xs = torch.linspace(-8, 8, 41) + torch.randn(41, generator=gen) * 0.05
    xs[[10, 15, 25, 30]] = torch.tensor([-3.0, 0.0, 3.0, 6.0])
    for name, fn in (("relu6", F.relu6), ("hardswish", F.hardswish), ("hardsigmoid", F.hardsigmoid), ("silu", F.silu)):
        op_case(tensors, meta, name, name, lambda x, fn=fn: fn(x), {"x": xs.clone()}, gen)


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    tensors, meta = {}, {}
    conv_cases(tensors, meta, gen)
    batch_norm_cases(tensors, meta, gen)
    pool_cases(tensors, meta, gen)
    activation_cases(tensors, meta, gen)
    save_file({k: v.detach().contiguous().clone() for k, v in tensors.items()},
              os.path.join(OUT_DIR, "vision-ops.safetensors"), metadata=METADATA)
    write_json(os.path.join(OUT_DIR, "vision-ops.json"), {"generator": "scripts/make-vision-ops-golden.py",
                                                          "torch": torch.__version__, "seed": SEED, "ops": meta})
    print(f"vision ops: {len(meta)} cases -> {OUT_DIR}")


if __name__ == "__main__":
    sys.exit(main())
