// A 2-layer BERT-style encoder's loss and every gradient, built from our ops, against PyTorch's golden values.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { beforeEach, describe, it } from 'node:test';
import { setBackend, type BackendName } from '../../src/backend/index.js';
import { backendsUnderTest } from '../../src/backend/test-support.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { mergeHeads, splitHeads } from '../../src/nn/attention.js';
import { embedding } from '../../src/tensor/ops/embedding.js';
import { crossEntropy } from '../../src/tensor/ops/losses.js';
import { matmul } from '../../src/tensor/ops/matmul.js';
import { layerNorm } from '../../src/tensor/ops/normalization.js';
import { Tensor } from '../../src/tensor/tensor.js';

const dir = new URL('../../../test/golden/engine/', import.meta.url);
const golden = readSafetensors(new URL('transformer.safetensors', dir).pathname).tensors;
const config = JSON.parse(readFileSync(new URL('transformer.json', dir), 'utf8')) as { parameter_names?: string[] };

function get(name: string): Tensor {
  const raw = golden.get(name);
  if (!raw) throw new Error(`golden file has no '${name}'`);
  return new Tensor(raw.data, raw.shape);
}

/** Fresh leaf parameters from the golden weights. */
function parameters(): Map<string, Tensor> {
  const names = config.parameter_names ?? [...golden.keys()].filter((k) => k.startsWith('grad.')).map((k) => k.slice(5));
  return new Map(names.map((n) => [n, new Tensor(get(n).f32().slice(), get(n).shape, { requiresGrad: true })]));
}

function forward(p: Map<string, Tensor>, targets: Tensor): { logits: Tensor; hidden: Tensor; loss: Tensor } {
  const w = (n: string): Tensor => p.get(n)!;
  const linear = (x: Tensor, name: string): Tensor => matmul(x, w(`${name}.weight`), { transB: true }).add(w(`${name}.bias`));
  const ids = get('input.ids');
  const mask = get('input.mask');
  const [b, t] = ids.shape as [number, number];
  const positions = Tensor.from(
    Array.from({ length: t }, (_, i) => i),
    [t],
    { dtype: 'int32' },
  );
  let x = embedding(w('emb.word'), ids).add(embedding(w('emb.pos'), positions));
  x = layerNorm(x, w('emb.ln.weight'), w('emb.ln.bias'), 1e-12);
  const additive = new Tensor(
    Float32Array.from(mask.data, (m) => (1 - m) * -1e9),
    [b, 1, 1, t],
  );
  for (let l = 0; l < 2; l++) {
    const q = splitHeads(linear(x, `layers.${l}.q`), 4);
    const k = splitHeads(linear(x, `layers.${l}.k`), 4);
    const v = splitHeads(linear(x, `layers.${l}.v`), 4);
    const probs = matmul(q, k, { transB: true })
      .mul(1 / Math.sqrt(8))
      .softmax({ mask: additive });
    const ctx = mergeHeads(matmul(probs, v));
    x = layerNorm(x.add(linear(ctx, `layers.${l}.o`)), w(`layers.${l}.ln1.weight`), w(`layers.${l}.ln1.bias`), 1e-12);
    const h = linear(x, `layers.${l}.ffn1`).gelu();
    x = layerNorm(x.add(linear(h, `layers.${l}.ffn2`)), w(`layers.${l}.ln2.weight`), w(`layers.${l}.ln2.bias`), 1e-12);
  }
  const pooled = linear(x.slice(1, 0, 1).reshape([b, 32]), 'pooler').tanh();
  const logits = linear(pooled, 'classifier');
  const loss = crossEntropy(logits, targets, { classWeights: get('input.class_weights'), labelSmoothing: 0.1 });
  return { logits, hidden: x, loss };
}

/**
 * ||ours - ref|| / ||ref||, with a floor on ||ref||: some gradients are zero in exact arithmetic
 * (the key bias cancels in softmax) and both sides hold only rounding noise there.
 */
function relativeError(ours: Tensor, ref: Tensor): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.size; i++) {
    num += (ours.data[i]! - ref.data[i]!) ** 2;
    den += ref.data[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-3);
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

for (const backend of backendsUnderTest()) {
  describe(`2-layer transformer against PyTorch [${backend.name}]`, { skip: backend.skip ?? false }, () => {
    beforeEach(() => void setBackend(backend.name as BackendName));

    for (const [label, targetsKey, gradPrefix, lossKey] of [
      ['weighted, smoothed loss', 'input.targets', 'grad.', 'out.loss'],
      ['with an ignored target', 'input.targets_ignore', 'grad_ignore.', 'out.loss_ignore'],
    ] as const) {
      it(`${label}: logits, hidden states, loss and every gradient`, () => {
        const p = parameters();
        const { logits, hidden, loss } = forward(p, get(targetsKey));
        assert.ok(maxAbsDiff(logits, get('out.logits')) < 1e-4, `logits differ by ${maxAbsDiff(logits, get('out.logits'))}`);
        assert.ok(maxAbsDiff(hidden, get('out.hidden')) < 1e-4, `hidden states differ by ${maxAbsDiff(hidden, get('out.hidden'))}`);
        assert.ok(Math.abs(loss.item() - get(lossKey).item()) < 1e-5, `loss ${loss.item()} vs ${get(lossKey).item()}`);
        loss.backward();
        for (const [name, param] of p) {
          const ref = golden.get(`${gradPrefix}${name}`);
          if (!ref) continue;
          const err = relativeError(param.grad!, new Tensor(ref.data, ref.shape));
          assert.ok(err < 1e-4, `gradient of ${name}: relative error ${err}`);
        }
      });
    }
  });
}
