// The sizes a config.json implies, checked before allocation: absurd fields named with their file, weights too small for the config.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FinetuneError } from '../../errors.js';
import { loadTaskModel } from '../load.js';
import { checkConfigBudget } from './config-budget.js';

const BERT_BASE = {
  model_type: 'bert',
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  intermediate_size: 3072,
  max_position_embeddings: 512,
  type_vocab_size: 2,
};
const GB = 1024 ** 3;

function fails(run: () => unknown, message: RegExp): void {
  const started = Date.now();
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof FinetuneError, String(error));
    assert.match(error.message, message);
    assert.ok(!error.message.includes('\n'));
    return true;
  });
  assert.ok(Date.now() - started < 200);
}

describe('checkConfigBudget', () => {
  it('counts the parameters of bert-base (about 85 million in its linear weights and embeddings)', () => {
    const { parameters } = checkConfigBudget(BERT_BASE, 'config.json', { memoryBytes: 16 * GB, weightsBytes: 440_000_000 });
    assert.ok(parameters > 84e6 && parameters < 110e6, String(parameters));
  });

  it('names the absurd field and the file', () => {
    fails(
      () => checkConfigBudget({ ...BERT_BASE, num_hidden_layers: 100000 }, 'm/config.json', { memoryBytes: 16 * GB }),
      /^m\/config\.json: num_hidden_layers 100000 is more layers than any model has \(at most 1024\)$/,
    );
    fails(
      () => checkConfigBudget({ ...BERT_BASE, intermediate_size: 2147483648 }, 'm/config.json', { memoryBytes: 16 * GB }),
      /^m\/config\.json: intermediate_size 2147483648 makes a model of [\d.]+ billion parameters \([\d.]+ TB as float32\), more than this machine's 16 GB of memory$/,
    );
    fails(
      () => checkConfigBudget({ ...BERT_BASE, vocab_size: 1e9 }, 'm/config.json', { memoryBytes: 16 * GB }),
      /^m\/config\.json: vocab_size 1000000000 makes a model of 768 billion parameters/,
    );
    fails(
      () => checkConfigBudget({ model_type: 'distilbert', dim: 1e6, n_layers: 6, hidden_dim: 3072, vocab_size: 30522 }, 'd.json', { memoryBytes: 16 * GB }),
      /^d\.json: dim 1000000 makes a model of/,
    );
    fails(
      () => checkConfigBudget({ model_type: 'use-lite', embedding_size: 2 ** 30, vocab_size: 8002 }, 'u.json', { memoryBytes: 16 * GB }),
      /^u\.json: embedding_size 1073741824 makes a model of/,
    );
  });

  it('leaves fields that are not positive numbers to the family check', () => {
    assert.ok(Number.isNaN(checkConfigBudget({ ...BERT_BASE, hidden_size: 'abc', num_hidden_layers: -3 }, 'config.json', { memoryBytes: 16 * GB }).parameters));
  });

  it('refuses weights too small for the config: they belong to another model', () => {
    fails(
      () => checkConfigBudget(BERT_BASE, 'config.json', { memoryBytes: 16 * GB, weightsBytes: 1_000_000, weightsFile: 'model.safetensors' }),
      /^config\.json: (\w+) \d+ makes a model of [\d.]+ million parameters, but model\.safetensors holds only 976\.6 KB \(at least [\d.]+ MB expected\): the config does not belong to these weights$/,
    );
  });

  it('is checked by the loader before the model is built', async () => {
    const golden = fileURLToPath(new URL('../../../../test/golden/models/bert', import.meta.url));
    const folder = mkdtempSync(join(tmpdir(), 'finetune-budget-'));
    try {
      cpSync(golden, folder, { recursive: true });
      const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
      writeFileSync(
        join(folder, 'config.json'),
        JSON.stringify({ ...config, hidden_size: 4096, num_attention_heads: 4, intermediate_size: 16384, num_hidden_layers: 8 }),
      );
      await assert.rejects(
        loadTaskModel(folder),
        /config\.json: hidden_size 4096 makes a model of [\d.]+ billion parameters, but .*model\.safetensors holds only 132\.8 KB/,
      );
      writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 100000 }));
      await assert.rejects(loadTaskModel(folder, { init: 'random' }), /num_hidden_layers 100000 is more layers than any model has/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
