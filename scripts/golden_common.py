"""Helpers shared by scripts/make-model-golden.py and scripts/golden_variants.py."""
import json

import torch

# save_file metadata: transformers expects format=pt; one key keeps the header bytes stable.
METADATA = {"format": "pt"}


def randomize(model, seed):
    """Re-draws every parameter: normal(0, 0.2), LayerNorm weights 1 + normal(0, 0.2)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            value = torch.randn(p.shape, generator=gen) * 0.2
            if name.endswith("weight") and ("LayerNorm" in name or "layer_norm" in name):
                value += 1.0
            p.copy_(value)


def run_batch(model, enc):
    with torch.no_grad():
        return model(**enc, output_hidden_states=True)


def batch_tensors(prefix, enc, labels, out, embedding_output=True):
    """Tensors `<prefix>.<input name>` (int32), labels, logits, last_hidden_state, pooler_output where the
    model has one, and (embedding_output) `<prefix>.hidden_states.0`, the output of the embedding block."""
    tensors = {f"{prefix}.{k}": v.to(torch.int32) for k, v in enc.items()}
    if labels is not None:
        tensors[f"{prefix}.labels"] = torch.tensor(labels, dtype=torch.int32)
    if getattr(out, "logits", None) is not None:
        tensors[f"{prefix}.logits"] = out.logits
    tensors[f"{prefix}.last_hidden_state"] = out.hidden_states[-1]
    if getattr(out, "pooler_output", None) is not None:
        tensors[f"{prefix}.pooler_output"] = out.pooler_output
    if embedding_output:
        tensors[f"{prefix}.hidden_states.0"] = out.hidden_states[0]
    return {k: v.detach().contiguous() for k, v in tensors.items()}


def loading_info(cls, folder, **kwargs):
    """What cls.from_pretrained(folder) reports, as JSON-friendly sorted lists, plus the loaded dtype."""
    model, info = cls.from_pretrained(folder, output_loading_info=True, **kwargs)
    return {
        "missing_keys": sorted(info["missing_keys"]),
        "unexpected_keys": sorted(info["unexpected_keys"]),
        "mismatched_keys": sorted([k, list(a), list(b)] for k, a, b in info["mismatched_keys"]),
        "error_msgs": list(info["error_msgs"]),
        "dtype": str(model.dtype).replace("torch.", ""),
    }


def dumps(value, depth=0):
    """JSON with one key per line, lists on one line unless nested and long (then one row per line)."""
    pad, inner = " " * depth, " " * (depth + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {dumps(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    flat = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    nested = isinstance(value, (list, tuple)) and any(isinstance(v, (list, tuple, dict)) for v in value)
    if nested and len(flat) > 100:
        return "[\n" + ",\n".join(inner + dumps(v, depth + 1) for v in value) + "\n" + pad + "]"
    return flat


def write_json(path, data):
    with open(path, "w", encoding="utf-8") as f:
        f.write(dumps(data) + "\n")
