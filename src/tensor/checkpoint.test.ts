// Gradient checkpointing: the same gradients as without, the intermediates released in forward, dropout masks replayed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { loadTaskModel } from '../models/load.js';
import type { CausalLMModel } from '../models/causal/types.js';
import { CAUSAL_GOLDEN, CAUSAL_NAMES, goldenTensors, shiftedLoss } from '../models/causal/test-support.js';
import { applyLora } from '../peft/lora/apply.js';
import { checkpoint } from './checkpoint.js';
import { recycleBuffers } from './memory.js';
import { manualSeed } from './random.js';
import { Tensor } from './tensor.js';

/** The golden left-padded batch, or (large) 4 x 64 tokens, enough for the buffer pool to recycle what forward releases. */
function batch(name: string, large: boolean): { ids: Tensor; mask: Tensor } {
  if (large) {
    const ids = Int32Array.from({ length: 4 * 64 }, (_, i) => 3 + ((i * 37) % 90));
    const mask = Int32Array.from({ length: 4 * 64 }, (_, i) => (i % 64 < 8 * (i >> 6) ? 0 : 1));
    return { ids: new Tensor(ids, [4, 64]), mask: new Tensor(mask, [4, 64]) };
  }
  const golden = goldenTensors(name);
  return {
    ids: new Tensor(Int32Array.from(golden.get('left.input_ids')!.data), [2, 9]),
    mask: new Tensor(Int32Array.from(golden.get('left.attention_mask')!.data), [2, 9]),
  };
}

async function gradients(name: string, checkpointing: boolean, training: boolean, large = false): Promise<Map<string, Float32Array>> {
  const model = (await loadTaskModel(join(CAUSAL_GOLDEN, name))).model as CausalLMModel;
  model.train(training);
  model.gradientCheckpointing = checkpointing;
  const { ids, mask } = batch(name, large);
  manualSeed(7);
  recycleBuffers(() => {
    const loss = shiftedLoss(model.forward({ inputIds: ids, attentionMask: mask }), ids, mask);
    loss.backward();
  });
  return new Map(model.namedParameters().map(([n, p]) => [n, Float32Array.from(p.grad!.f32())]));
}

describe('gradient checkpointing', () => {
  for (const name of CAUSAL_NAMES) {
    for (const training of [false, true]) {
      it(`${name}: gradients identical with and without${training ? ' (training mode: dropout replayed)' : ''}`, async () => {
        const plain = await gradients(name, false, training);
        const recomputed = await gradients(name, true, training);
        assert.deepEqual([...recomputed.keys()], [...plain.keys()]);
        for (const [key, g] of plain) assert.deepEqual(recomputed.get(key), g, key);
      });
    }
  }

  it('gives the same gradients on a batch large enough for released buffers to be reused (4 x 64 tokens, dropout on)', async () => {
    const plain = await gradients('gpt2', false, true, true);
    const recomputed = await gradients('gpt2', true, true, true);
    for (const [key, g] of plain) assert.deepEqual(recomputed.get(key), g, key);
  });

  it('records itself when only the parameters inside train (LoRA over frozen embeddings), with the same gradients', async () => {
    const run = async (checkpointing: boolean): Promise<Map<string, Float32Array>> => {
      const model = (await loadTaskModel(join(CAUSAL_GOLDEN, 'llama'))).model as CausalLMModel;
      manualSeed(3);
      applyLora(model, { dropout: 0.1 });
      model.train();
      model.gradientCheckpointing = checkpointing;
      const { ids, mask } = batch('llama', true);
      manualSeed(9);
      recycleBuffers(() => shiftedLoss(model.forward({ inputIds: ids, attentionMask: mask }), ids, mask).backward());
      return new Map(
        model
          .namedParameters()
          .filter(([, p]) => p.requiresGrad)
          .map(([n, p]) => [n, Float32Array.from(p.grad!.f32())]),
      );
    };
    const plain = await run(false);
    const recomputed = await run(true);
    assert.equal(plain.size, 8);
    assert.deepEqual([...recomputed.keys()], [...plain.keys()]);
    for (const [key, g] of plain) assert.deepEqual(recomputed.get(key), g, key);
  });

  it('passes gradients to inputs and parameters read inside, and runs plainly when nothing records', () => {
    const w = new Tensor(Float32Array.of(0.5, -1, 2), [3], { requiresGrad: true });
    const x = new Tensor(Float32Array.of(1, 2, 3), [3], { requiresGrad: true });
    const fn = (h: Tensor): Tensor => h.mul(w).tanh().mul(h);
    fn(x).sum().backward();
    const expected = [Float32Array.from(x.grad!.f32()), Float32Array.from(w.grad!.f32())];
    x.grad = null;
    w.grad = null;
    const out = checkpoint(fn, [x]);
    assert.equal(out.gradFn?.op, 'checkpoint');
    out.sum().backward();
    assert.deepEqual([x.grad!.f32(), w.grad!.f32()], expected);
  });
});
