// PackedLinear: a packed layer computes what its Linear does, however the weight is stored, and a packed model its logits.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { getBackend, setBackend, type BackendName } from '../backend/index.js';
import { createTaskModel } from '../models/load.js';
import { applyLora } from '../peft/lora/apply.js';
import { inferenceLogits } from '../tasks/inference.js';
import { syntheticBatch } from '../train/bench/bench-batch.js';
import { manualSeed, Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Linear } from './layers.js';
import { PackedLinear, packLinearLayers } from './packed-linear.js';

const TINY_BERT = {
  model_type: 'bert',
  vocab_size: 40,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 48,
  max_position_embeddings: 16,
};

function assertNear(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, label);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= 1e-5 * (1 + Math.abs(expected[i]!)), `${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('PackedLinear', () => {
  const initial = getBackend().name as BackendName;
  afterEach(() => setBackend(initial));

  for (const fanInFanOut of [false, true]) {
    for (const bias of [true, false]) {
      it(`follows its Linear (weight ${fanInFanOut ? '[in, out], as GPT-2' : '[out, in]'}, ${bias ? 'with' : 'no'} bias)`, () => {
        const rng = new Random(3);
        const linear = new Linear(40, 23, { fanInFanOut, bias, rng });
        const x = Tensor.randn([2, 5, 40], { rng });
        const packed = PackedLinear.fromLinear(linear).forward(x);
        assert.deepEqual(packed.shape, [2, 5, 23]);
        assertNear(packed.f32(), linear.forward(x).f32(), 'output');
      });
    }
  }

  it('packLinearLayers leaves a model its logits, its LoRA adapter included', () => {
    for (const lora of [false, true]) {
      manualSeed(1);
      const model = createTaskModel(TINY_BERT);
      if (lora) {
        applyLora(model, { r: 4 });
        // A non-zero update, so that a dropped adapter would show.
        for (const [name, p] of model.namedParameters()) if (name.endsWith('lora_B.weight')) p.f32().fill(0.05);
      }
      model.eval(); // the adapter's new dropout starts in training mode
      const { inputs } = syntheticBatch(3, 12, TINY_BERT.vocab_size, model.numLabels, 2);
      const expected = inferenceLogits(model, inputs);
      const names = packLinearLayers(model);
      assert.ok(names.includes('classifier'), names.join(', '));
      assert.equal(
        names.some((n) => n.endsWith('lora_A')),
        lora,
      );
      assertNear(inferenceLogits(model, inputs), expected, lora ? 'logits with LoRA' : 'logits');
    }
  });

  it('refuses to run on another backend than the one that packed it, with one line', () => {
    setBackend('js');
    const layer = PackedLinear.fromLinear(new Linear(8, 4, { rng: new Random(1) }));
    const x = Tensor.randn([2, 8], { rng: new Random(2) });
    assert.equal(layer.forward(x).shape[1], 4);
    if (initial === 'js') return;
    setBackend(initial);
    assert.throws(() => layer.forward(x), /packed for the js backend, the current one is native/);
  });
});
