#!/usr/bin/env python3
"""Golden files for the image classifiers: tiny random ResNet and ViT checkpoints with transformers' logits and gradients.

Run:  /work/venv/bin/python scripts/make-vision-golden.py   (transformers 5.17, torch 2.13; one CPU thread)
Deterministic: torch.manual_seed(SEED) before each model, float32 throughout.

Writes test/golden/vision/<name>/ for each model below: config.json + model.safetensors (save_pretrained),
preprocessor_config.json, and golden.safetensors with
  pixel_values [B, C, H, W]       a fixed normal(0, 1) tensor
  labels int32 [B]                targets of the loss
  eval.logits [B, classes]        model.eval()(pixel_values).logits
  train.logits, train.loss [1]    model.train(): logits and cross entropy against labels (batch norm uses the
                                  batch statistics and updates its running ones)
  grad.<parameter>                d train.loss / d parameter, every parameter (transformers' names)
  after.<buffer>                  running_mean / running_var after that training-mode call (ResNet)

  resnet-basic       basic layers, embedding 8, hidden_sizes [8, 16], depths [2, 1], 3 labels, pixels [2, 3, 32, 32]
  resnet-bottleneck  bottleneck layers, embedding 8, hidden_sizes [16, 32], depths [1, 2], downsample_in_first_stage
                     and downsample_in_bottleneck, 4 labels, pixels [3, 3, 24, 24]
  vit                hidden 16, 2 layers, 4 heads, FFN 32, image 16, patch 4, 3 labels, pixels [2, 3, 16, 16]
  vit-nobias         qkv_bias false, image 12, patch 4, gelu_new, 1 channel, 2 labels, pixels [2, 1, 12, 12]
Every parameter is re-drawn (normal(0, 0.2); norm weights 1 + normal(0, 0.2); ResNet convolutions keep
transformers' kaiming init) and the batch norms get random running statistics, so nothing is at its default.
"""
import json
import os
import re

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import ResNetConfig, ResNetForImageClassification, ViTConfig, ViTForImageClassification

SEED = 1234
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "golden", "vision")
METADATA = {"format": "pt"}

RESNET_PRE = {
    "crop_pct": 0.875, "do_normalize": True, "do_rescale": True, "do_resize": True,
    "image_mean": [0.485, 0.456, 0.406], "image_processor_type": "ConvNextImageProcessor",
    "image_std": [0.229, 0.224, 0.225], "resample": 3, "rescale_factor": 1 / 255, "size": {"shortest_edge": 32},
}
VIT_PRE = {
    "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": [0.5, 0.5, 0.5],
    "image_processor_type": "ViTImageProcessor", "image_std": [0.5, 0.5, 0.5], "resample": 2,
    "rescale_factor": 1 / 255, "size": {"height": 16, "width": 16},
}

MODELS = {
    "resnet-basic": (ResNetConfig(embedding_size=8, hidden_sizes=[8, 16], depths=[2, 1], layer_type="basic", num_labels=3), [2, 3, 32, 32], RESNET_PRE),
    "resnet-bottleneck": (
        ResNetConfig(embedding_size=8, hidden_sizes=[16, 32], depths=[1, 2], layer_type="bottleneck", downsample_in_first_stage=True,
                     downsample_in_bottleneck=True, num_labels=4),
        [3, 3, 24, 24], {**RESNET_PRE, "size": {"shortest_edge": 24}},
    ),
    "vit": (ViTConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=4, intermediate_size=32, image_size=16, patch_size=4, num_labels=3),
            [2, 3, 16, 16], VIT_PRE),
    "vit-nobias": (
        ViTConfig(hidden_size=12, num_hidden_layers=1, num_attention_heads=3, intermediate_size=24, image_size=12, patch_size=4, num_channels=1,
                  qkv_bias=False, hidden_act="gelu_new", num_labels=2),
        [2, 1, 12, 12], {**VIT_PRE, "image_mean": [0.5], "image_std": [0.5], "size": {"height": 12, "width": 12}},
    ),
}


# transformers 5 runs ViT under new module names and saves the checkpoint keys of google/vit-*; gradients are
# stored under the saved keys.
LEGACY = [
    (r"^vit\.layers\.(\d+)\.", r"vit.encoder.layer.\1."),
    (r"\.attention\.q_proj\.", ".attention.attention.query."),
    (r"\.attention\.k_proj\.", ".attention.attention.key."),
    (r"\.attention\.v_proj\.", ".attention.attention.value."),
    (r"\.attention\.o_proj\.", ".attention.output.dense."),
    (r"\.mlp\.fc1\.", ".intermediate.dense."),
    (r"\.mlp\.fc2\.", ".output.dense."),
]


def saved_key(name):
    for pattern, replacement in LEGACY:
        name = re.sub(pattern, replacement, name)
    return name


def randomize(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "convolution" in name and name.startswith("resnet."):
                continue
            value = torch.randn(p.shape) * 0.2
            if name.endswith("weight") and ("norm" in name):
                value += 1.0
            p.copy_(value)
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn(b.shape) * 0.1)
            elif name.endswith("running_var"):
                b.copy_(torch.rand(b.shape) + 0.5)


def make(name, config, shape, pre):
    torch.manual_seed(SEED)
    model = ResNetForImageClassification(config) if config.model_type == "resnet" else ViTForImageClassification(config)
    randomize(model)
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    model.save_pretrained(folder)
    with open(os.path.join(folder, "preprocessor_config.json"), "w", encoding="utf-8") as f:
        json.dump(pre, f, indent=2, sort_keys=True)
        f.write("\n")
    pixels = torch.randn(shape)
    labels = torch.arange(shape[0]) % config.num_labels
    out = {"pixel_values": pixels, "labels": labels.to(torch.int32)}
    model.eval()
    with torch.no_grad():
        out["eval.logits"] = model(pixel_values=pixels).logits
    model.train()
    logits = model(pixel_values=pixels).logits
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    out["train.logits"] = logits.detach()
    out["train.loss"] = loss.detach().reshape(1)
    with safe_open(os.path.join(folder, "model.safetensors"), "pt") as f:
        saved = set(f.keys())
    for pname, p in model.named_parameters():
        key = saved_key(pname)
        assert key in saved, f"{name}: parameter {pname} saved as {key}?"
        out[f"grad.{key}"] = p.grad
    for bname, b in model.named_buffers():
        if bname.endswith("running_mean") or bname.endswith("running_var"):
            out[f"after.{bname}"] = b.clone()
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(folder, "golden.safetensors"), metadata=METADATA)
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    print(f"{name}: {size} bytes, eval logits {out['eval.logits'].flatten()[:3].tolist()}")


def main():
    torch.set_num_threads(1)
    for name, (config, shape, pre) in MODELS.items():
        make(name, config, shape, pre)


if __name__ == "__main__":
    main()
