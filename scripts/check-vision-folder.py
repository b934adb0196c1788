#!/usr/bin/env python3
"""Checks that the real transformers load an image-classifier folder we wrote and reproduce our logits.

Usage:  /work/venv/bin/python scripts/check-vision-folder.py <folder> [<expected.json>] [--atol 1e-4]

<folder> holds config.json, model.safetensors and preprocessor_config.json as finetune saves a ResNet or ViT.
<expected.json> (default <folder>/expected.json, which test/models/vision.test.ts writes when VISION_SAVE_DIR is
set) holds {"shape": [B, C, H, W], "pixel_values": [flat], "logits": [flat]}.
Steps: AutoModelForImageClassification.from_pretrained(output_loading_info=True, float32), failing on any missing,
unexpected or mismatched key; its image processor (the PIL ViTImageProcessor or ConvNextImageProcessor; the
fast ones need torchvision) must read preprocessor_config.json; the model in
eval mode on pixel_values must give logits within atol. Prints one line per step and `VERDICT: PASS` or
`VERDICT: FAIL`; exits 0 on pass, 1 on fail.
"""
import argparse
import json
import os
import sys

import torch
from transformers import AutoModelForImageClassification
from transformers.models.convnext.image_processing_pil_convnext import ConvNextImageProcessorPil
from transformers.models.vit.image_processing_pil_vit import ViTImageProcessorPil


def main():
    parser = argparse.ArgumentParser(description="Load a saved image-classifier folder with transformers and compare logits.")
    parser.add_argument("folder")
    parser.add_argument("expected", nargs="?")
    parser.add_argument("--atol", type=float, default=1e-4)
    args = parser.parse_args()
    expected_path = args.expected or os.path.join(args.folder, "expected.json")
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    ok = True
    model, info = AutoModelForImageClassification.from_pretrained(args.folder, output_loading_info=True, dtype=torch.float32)
    problems = {k: v for k, v in info.items() if v}
    print(f"load {type(model).__name__}: {'keys match' if not problems else problems}")
    ok &= not problems
    # The PIL processors: AutoImageProcessor and the default (fast) ones need torchvision, absent here.
    with open(os.path.join(args.folder, "preprocessor_config.json"), encoding="utf-8") as f:
        kind = json.load(f)["image_processor_type"]
    processor_class = {"ViTImageProcessor": ViTImageProcessorPil, "ConvNextImageProcessor": ConvNextImageProcessorPil}[kind]
    processor = processor_class.from_pretrained(args.folder)
    crop = getattr(processor, "crop_pct", None)
    print(f"preprocessor {kind}: size {dict(processor.size)}, crop_pct {crop}, resample {processor.resample}, mean {processor.image_mean}, std {processor.image_std}")
    pixels = torch.tensor(expected["pixel_values"], dtype=torch.float32).reshape(expected["shape"])
    model.eval()
    with torch.no_grad():
        logits = model(pixel_values=pixels).logits
    ours = torch.tensor(expected["logits"], dtype=torch.float32).reshape(logits.shape)
    diff = (logits - ours).abs().max().item()
    print(f"logits {list(logits.shape)}: max |transformers - ours| = {diff:.3g} (atol {args.atol})")
    ok &= diff <= args.atol
    print(f"VERDICT: {'PASS' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
