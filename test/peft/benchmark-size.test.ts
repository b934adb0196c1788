// LoRA on a BERT of the benchmark size (hidden 768, 12 layers, 12 heads, intermediate 3072, vocabulary 30522): under 5% trains.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultLabels, headSpec } from '../../src/models/labels.js';
import { familyFor } from '../../src/models/registry.js';
import { applyLora } from '../../src/peft/lora/apply.js';

const BENCHMARK_BERT = {
  model_type: 'bert',
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  vocab_size: 30522,
};

describe('LoRA at the benchmark size', () => {
  it('trains 296,450 of 109,778,690 parameters (0.27%) with the defaults, as PEFT counts', () => {
    // The architecture only: parameter counts do not need initial values.
    const model = familyFor('bert', 'config.json').create(BENCHMARK_BERT, 'config.json', headSpec(defaultLabels(2)));
    assert.equal(model.parameterCount().total, 109_483_778, 'bert-base-uncased with a 2-label head');
    const { trainable, total } = applyLora(model);
    // 12 layers x (query, value) x r 8 x (768 + 768), plus the classifier 768 x 2 + 2.
    assert.equal(trainable, 12 * 2 * 8 * 1536 + 1538);
    assert.equal(trainable, 296_450, "PEFT 0.21's get_nb_trainable_parameters for bert-base, r 8");
    assert.equal(total, 109_483_778 + 12 * 2 * 8 * 1536);
    assert.equal(total + 1538, 109_780_228, "PEFT's total, which counts the saved head twice");
    assert.ok(trainable / total < 0.05, `${((100 * trainable) / total).toFixed(2)}% trains`);
  });
});
