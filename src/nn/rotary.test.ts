// Rope set-up from config.json: the older rope_scaling spelling, partial rotary, and the errors a bad config gets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FinetuneError } from '../errors.js';
import { ropeInverseFrequencies, rotaryTables } from './rotary.js';

const base = { hidden_size: 64, num_attention_heads: 4 };

describe('ropeInverseFrequencies', () => {
  it('reads rope_theta and rope_scaling as older config.json files spell them, rope_scaling winning', () => {
    const older = ropeInverseFrequencies({ ...base, rope_theta: 500000, rope_scaling: { type: 'linear', factor: 2 } });
    const newer = ropeInverseFrequencies({ ...base, rope_parameters: { rope_type: 'linear', rope_theta: 500000, factor: 2 } });
    assert.deepEqual(older, newer);
    const both = ropeInverseFrequencies({ ...base, rope_scaling: { rope_type: 'linear', factor: 2 }, rope_parameters: { rope_type: 'default' } });
    assert.equal(both.invFreq[1], Math.fround(ropeInverseFrequencies(base).invFreq[1]! / 2));
  });

  it('defaults to theta 10000 over the whole head, or the partial_rotary_factor share of it', () => {
    const full = ropeInverseFrequencies(base);
    assert.equal(full.rotaryDim, 16);
    assert.equal(full.invFreq[0], 1);
    assert.equal(full.invFreq[4], Math.fround(1 / Math.fround(10000 ** 0.5)));
    const partial = ropeInverseFrequencies({ ...base, head_dim: 32, partial_rotary_factor: 0.25 });
    assert.equal(partial.rotaryDim, 8);
    assert.equal(partial.invFreq.length, 4);
  });

  it('refuses rope types it does not implement and missing or bad parameters, naming the key', () => {
    const bad = (config: Parameters<typeof ropeInverseFrequencies>[0], pattern: RegExp): void => {
      assert.throws(
        () => ropeInverseFrequencies(config),
        (e: unknown) => e instanceof FinetuneError && pattern.test(e.message),
      );
    };
    bad({ ...base, rope_parameters: { rope_type: 'yarn', factor: 4 } }, /rope_parameters\.rope_type: 'yarn' is not supported/);
    bad({ ...base, rope_parameters: { rope_type: 'linear' } }, /rope_parameters\.factor: rope_type 'linear' needs a number/);
    bad({ ...base, rope_parameters: { rope_type: 'llama3', factor: 8, low_freq_factor: 1 } }, /rope_parameters\.high_freq_factor/);
    bad(
      { ...base, rope_parameters: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4 } },
      /original_max_position_embeddings: rope_type 'llama3' needs it/,
    );
    bad({ ...base, rope_theta: -1 }, /rope_theta: -1 must be a positive number/);
    bad({ ...base, partial_rotary_factor: 0.01 }, /head_dim: 16 heads of which 0 rotate/);
  });
});

describe('rotaryTables', () => {
  it('holds cos and sin of position * inverse frequency, scaled', () => {
    const { cos, sin } = rotaryTables({ invFreq: Float32Array.of(1, 0.5), attentionScaling: 2 }, 3);
    assert.deepEqual(cos.shape, [3, 2]);
    assert.equal(cos.data[2 * 2 + 1], Math.fround(Math.cos(1)) * 2);
    assert.equal(sin.data[1 * 2], Math.fround(Math.sin(1)) * 2);
    assert.throws(() => rotaryTables({ invFreq: Float32Array.of(1), attentionScaling: 1 }, 1.5), /positions 1.5 must be an integer/);
  });
});
