#!/usr/bin/env python3
# The PyTorch twin of `finetune bench train`: the same config.json, batch, loss and dense AdamW, timed the same way.
"""Times training steps (forward, cross-entropy, backward, AdamW step, zero_grad) of a BERT classifier.

Runs on PyTorch 2.x with transformers (BertForSequenceClassification, as a user would train it) or on
any PyTorch (Debian's 1.13 has no transformers) with the torch-only BERT below, which has the same
parameter names and computes what transformers' eager BERT computes. The last stdout line is JSON.

  python bench/pytorch_train.py --model-config bench/configs/bert-small.json --batch-size 16 \
      --seq-len 128 --steps 10 --threads 2 [--impl transformers|torch] [--dropout 0] \
      [--weights init.safetensors | --save-weights init.safetensors] [--batch b.safetensors | --save-batch b.safetensors] [--bf16]
"""
import argparse
import contextlib
import json
import math
import resource
import statistics
import struct
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F


# ---- safetensors without the safetensors package (Debian's Python has none) ----

_DTYPES = {'F32': np.float32, 'I32': np.int32, 'I64': np.int64}


def save_safetensors(path, tensors):
    """Writes {name: numpy array} (float32 / int32 / int64) as safetensors."""
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        dtype = {np.dtype(np.float32): 'F32', np.dtype(np.int32): 'I32', np.dtype(np.int64): 'I64'}[array.dtype]
        blob = array.astype(array.dtype.newbyteorder('<'), copy=False).tobytes()
        header[name] = {'dtype': dtype, 'shape': list(array.shape), 'data_offsets': [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def load_safetensors(path):
    """Reads a safetensors file into {name: numpy array}."""
    with open(path, 'rb') as f:
        data = f.read()
    (length,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + length])
    out = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        if entry['dtype'] not in _DTYPES:
            sys.exit(f'{path}: tensor {name}: dtype {entry["dtype"]} is not supported here')
        begin, end = entry['data_offsets']
        raw = data[8 + length + begin:8 + length + end]
        out[name] = np.frombuffer(raw, dtype=np.dtype(_DTYPES[entry['dtype']]).newbyteorder('<')).reshape(entry['shape']).copy()
    return out


# ---- a torch-only BERT with transformers' parameter names and eager computation ----

class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c['vocab_size'], c['hidden_size'], padding_idx=c.get('pad_token_id', 0))
        self.position_embeddings = nn.Embedding(c.get('max_position_embeddings', 512), c['hidden_size'])
        self.token_type_embeddings = nn.Embedding(c.get('type_vocab_size', 2), c['hidden_size'])
        self.LayerNorm = nn.LayerNorm(c['hidden_size'], eps=c.get('layer_norm_eps', 1e-12))
        self.dropout = nn.Dropout(c.get('hidden_dropout_prob', 0.1))

    def forward(self, ids, types):
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.word_embeddings(ids) + self.token_type_embeddings(types) + self.position_embeddings(positions)
        return self.dropout(self.LayerNorm(x))


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c['hidden_size']
        self.heads = c['num_attention_heads']
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.dropout = nn.Dropout(c.get('attention_probs_dropout_prob', 0.1))

    def forward(self, x, mask):
        b, t, h = x.shape
        d = h // self.heads
        split = lambda y: y.view(b, t, self.heads, d).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + mask
        probs = self.dropout(torch.softmax(scores, dim=-1))
        return torch.matmul(probs, v).transpose(1, 2).reshape(b, t, h)


class ResidualOutput(nn.Module):
    def __init__(self, c, inner):
        super().__init__()
        self.dense = nn.Linear(inner, c['hidden_size'])
        self.LayerNorm = nn.LayerNorm(c['hidden_size'], eps=c.get('layer_norm_eps', 1e-12))
        self.dropout = nn.Dropout(c.get('hidden_dropout_prob', 0.1))

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = ResidualOutput(c, c['hidden_size'])

    def forward(self, x, mask):
        return self.output(self.self(x, mask), x)


class Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c['hidden_size'], c['intermediate_size'])

    def forward(self, x):
        return F.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = ResidualOutput(c, c['intermediate_size'])

    def forward(self, x, mask):
        a = self.attention(x, mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c) for _ in range(c['num_hidden_layers'])])


class Pooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c['hidden_size'], c['hidden_size'])


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)
        self.pooler = Pooler(c)


class TorchBertForSequenceClassification(nn.Module):
    def __init__(self, c, num_labels):
        super().__init__()
        self.bert = Bert(c)
        drop = c.get('classifier_dropout')
        self.dropout = nn.Dropout(c.get('hidden_dropout_prob', 0.1) if drop is None else drop)
        self.classifier = nn.Linear(c['hidden_size'], num_labels)
        std = c.get('initializer_range', 0.02)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                m.weight.data.normal_(0.0, std)
            if isinstance(m, nn.Linear):
                m.bias.data.zero_()
            if isinstance(m, nn.LayerNorm):
                m.weight.data.fill_(1.0)
                m.bias.data.zero_()
        self.bert.embeddings.word_embeddings.weight.data[c.get('pad_token_id', 0)].zero_()

    def forward(self, input_ids, attention_mask, token_type_ids):
        x = self.bert.embeddings(input_ids, token_type_ids)
        mask = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.bert.encoder.layer:
            x = layer(x, mask)
        pooled = torch.tanh(self.bert.pooler.dense(x[:, 0]))
        return self.classifier(self.dropout(pooled))


def transformers_model(config, num_labels):
    from transformers import BertConfig, BertForSequenceClassification
    cfg = BertConfig(**{k: v for k, v in config.items() if k not in ('architectures', 'model_type')}, num_labels=num_labels)
    model = BertForSequenceClassification(cfg)

    def forward(input_ids, attention_mask, token_type_ids):
        return model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits
    return model, forward, getattr(model.config, '_attn_implementation', 'eager')


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model-config', required=True)
    p.add_argument('--batch-size', type=int, default=16)
    p.add_argument('--seq-len', type=int, default=128)
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--threads', type=int, default=None)
    p.add_argument('--impl', choices=['auto', 'transformers', 'torch'], default='auto')
    p.add_argument('--dropout', type=float, default=None, help='replace every dropout rate of the config')
    p.add_argument('--lr', type=float, default=1e-4)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--num-labels', type=int, default=2)
    p.add_argument('--weights', help='safetensors file with the starting weights')
    p.add_argument('--save-weights', help='write the starting weights here')
    p.add_argument('--batch', help='safetensors file with input_ids, attention_mask, token_type_ids, labels')
    p.add_argument('--save-batch', help='write the batch here')
    p.add_argument('--bf16', action='store_true',
                   help='forward and loss under torch.autocast("cpu", dtype=torch.bfloat16), as Trainer(bf16=True) on a CPU')
    p.add_argument('--json', action='store_true', help='(accepted for symmetry; the last line is always JSON)')
    a = p.parse_args()

    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    with open(a.model_config) as f:
        config = json.load(f)
    if a.dropout is not None:
        config.update(hidden_dropout_prob=a.dropout, attention_probs_dropout_prob=a.dropout, classifier_dropout=a.dropout)

    impl = a.impl
    if impl == 'auto':
        try:
            import transformers  # noqa: F401
            impl = 'transformers'
        except ImportError:
            impl = 'torch'
    if impl == 'transformers':
        model, forward, attn = transformers_model(config, a.num_labels)
    else:
        model = TorchBertForSequenceClassification(config, a.num_labels)
        forward, attn = model, 'eager'
    if a.weights:
        state = {k: torch.from_numpy(v) for k, v in load_safetensors(a.weights).items()}
        missing, _ = model.load_state_dict(state, strict=False)
        if missing:
            sys.exit(f'{a.weights}: missing weights: {", ".join(missing)}')
    if a.save_weights:
        save_safetensors(a.save_weights, {k: v.detach().numpy() for k, v in model.state_dict().items() if v.dtype == torch.float32})

    if a.batch:
        b = load_safetensors(a.batch)
        ids, mask, types, labels = (torch.from_numpy(b[k].astype(np.int64)) for k in ('input_ids', 'attention_mask', 'token_type_ids', 'labels'))
    else:
        g = torch.Generator().manual_seed(a.seed)
        ids = torch.randint(1, config['vocab_size'], (a.batch_size, a.seq_len), generator=g)
        mask = torch.ones_like(ids)
        types = torch.zeros_like(ids)
        labels = torch.randint(0, a.num_labels, (a.batch_size,), generator=g)
    if a.save_batch:
        save_safetensors(a.save_batch, {'input_ids': ids.int().numpy(), 'attention_mask': mask.int().numpy(),
                                        'token_type_ids': types.int().numpy(), 'labels': labels.int().numpy()})

    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)

    # Hugging Face's Trainer runs the forward and the loss under autocast and the backward after it.
    autocast = (lambda: torch.autocast('cpu', dtype=torch.bfloat16)) if a.bf16 else contextlib.nullcontext

    def step():
        with autocast():
            loss = F.cross_entropy(forward(ids, mask, types), labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss.item()

    losses = [step() for _ in range(a.warmup)]
    times = []
    cpu_times = []
    for _ in range(a.steps):
        start = time.perf_counter()
        cpu_start = time.process_time()
        losses.append(step())
        cpu_times.append((time.process_time() - cpu_start) * 1000)
        times.append((time.perf_counter() - start) * 1000)
    ms = statistics.median(times)
    result = {
        'msPerStep': ms, 'tokensPerSecond': a.batch_size * a.seq_len / (ms / 1000),
        'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'stepMs': times, 'cpuMsPerStep': statistics.median(cpu_times), 'losses': losses,
        'torch': torch.__version__, 'impl': impl, 'attention': attn, 'threads': torch.get_num_threads(),
        'bf16': a.bf16,
    }
    print(f'pytorch {torch.__version__} ({impl}, {attn} attention{", bf16 autocast" if a.bf16 else ""}), {torch.get_num_threads()} threads: '
          f'{ms:.1f} ms per step, {result["tokensPerSecond"]:.0f} tokens/s, peak RSS {result["peakRssMiB"]:.0f} MiB', file=sys.stderr)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
