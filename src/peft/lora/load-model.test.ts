// loadClassifierWithAdapter: base + adapter folder, an adapter folder alone, labels and head size from the adapter, tokenizers, errors.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { labelList } from '../../models/labels.js';
import { createTaskModel } from '../../models/load.js';
import { saveTaskModel } from '../../models/save.js';
import type { EncoderTaskModel } from '../../models/types.js';
import type { Encoding, TextTokenizer } from '../../tokenizers/types.js';
import { applyLora } from './apply.js';
import { isAdapterOnlyFolder, loadClassifierWithAdapter, resolveRecordedBase } from './load-model.js';
import { saveAdapter, saveAdapterModel } from './save.js';
import { logitsOf, maxAbsDiff, randomizeAdapters, tinyBatch, tinyConfig } from './test-support.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lora-model-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A base folder (3 labels, no tokenizer) and the same weights as a model with `labels` for the adapter to train on. */
async function baseAndModel(labels: string[]): Promise<{ base: string; model: EncoderTaskModel }> {
  const base = join(root, 'base');
  const original = createTaskModel(tinyConfig('bert') as never);
  await saveTaskModel(original, null, base);
  const names = { id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])), label2id: Object.fromEntries(labels.map((l, i) => [l, i])) };
  const model = createTaskModel(tinyConfig('bert') as never, { labels: names }) as EncoderTaskModel;
  const weights = new Map(original.namedParameters());
  for (const [name, p] of model.namedParameters()) if (!name.startsWith('classifier')) p.f32().set(weights.get(name)!.f32());
  applyLora(model);
  randomizeAdapters(model);
  return { base, model };
}

/** A whitespace tokenizer whose save writes a WordPiece vocab.txt, enough for the loader to find one. */
const tinyTokenizer = {
  padId: 0,
  vocabSize: 50,
  async save(dir: string): Promise<void> {
    writeFileSync(join(dir, 'vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b'].join('\n'));
  },
  encode(): Encoding {
    throw new Error('not used');
  },
} as unknown as TextTokenizer;

describe('loadClassifierWithAdapter', () => {
  it("loads a run's output folder alone: the base it records, its labels, the adapter, its tokenizer", async () => {
    const { base, model } = await baseAndModel(['spam', 'ham']);
    const inputs = tinyBatch();
    const expected = logitsOf(model, inputs);
    const out = join(root, 'run');
    await saveAdapterModel(model, tinyTokenizer, out, base);
    assert.ok(isAdapterOnlyFolder(out));
    assert.equal(isAdapterOnlyFolder(base), false);
    const loaded = await loadClassifierWithAdapter(out);
    assert.equal(loaded.adapterDir, out);
    assert.equal(loaded.adapter!.baseModelNameOrPath, base);
    assert.deepEqual(labelList((loaded.model as EncoderTaskModel).labels), ['spam', 'ham']);
    assert.ok(maxAbsDiff(logitsOf(loaded.model, inputs), expected) < 1e-6);
    assert.ok(loaded.tokenizer !== null, "the adapter folder's tokenizer");
    assert.ok(!loaded.warnings.some((w) => w.includes('tokenizer') || w.includes('head')), loaded.warnings.join('\n'));
    assert.equal(loaded.model.training, false);
    // What the adapter brings, said instead of a warning that the base has no head for these labels.
    assert.equal(loaded.adapterSummary, `${out}: LoRA adapter (r 8, alpha 16, on query, value) with its own classifier (2 labels: spam, ham) over ${base}`);
  });

  it("rebuilds the head for the adapter's class count when nothing names the labels (a PEFT adapter on a 3-label base)", async () => {
    const { base, model } = await baseAndModel(['x', 'y']);
    const inputs = tinyBatch();
    const expected = logitsOf(model, inputs);
    const adapter = join(root, 'adapter');
    saveAdapter(model, adapter, null);
    const loaded = await loadClassifierWithAdapter(base, { adapter });
    assert.equal(loaded.model.numLabels, 2);
    assert.ok(maxAbsDiff(logitsOf(loaded.model, inputs), expected) < 1e-6);
    assert.ok(
      loaded.warnings.some((w) => w.includes('no tokenizer files')),
      'the base has none and the adapter brings none',
    );
  });

  it('loads a plain model folder as it is, without an adapter', async () => {
    const { base } = await baseAndModel(['a', 'b', 'c']);
    const loaded = await loadClassifierWithAdapter(base);
    assert.equal(loaded.adapter, null);
    assert.equal(loaded.adapterDir, null);
    assert.equal(loaded.adapterSummary, null);
    assert.ok(!loaded.model.namedParameters().some(([n]) => n.includes('lora_')));
  });

  it('finds a relative base from the adapter folder when it does not exist from here', () => {
    mkdirSync(join(root, 'base'));
    mkdirSync(join(root, 'adapter'));
    assert.equal(resolveRecordedBase('../base', join(root, 'adapter')), join(root, 'base'));
    assert.equal(resolveRecordedBase('org/model', join(root, 'adapter')), 'org/model');
    assert.equal(resolveRecordedBase('/no/such/base', join(root, 'adapter')), '/no/such/base');
  });

  it('says what to do when the adapter names no base, and refuses a missing adapter folder', async () => {
    const { model } = await baseAndModel(['a', 'b']);
    const adapter = join(root, 'adapter');
    saveAdapter(model, adapter, null);
    await assert.rejects(
      loadClassifierWithAdapter(adapter),
      /adapter_config.json: base_model_name_or_path is null; give the base model with --model and this folder with --adapter/,
    );
    await assert.rejects(loadClassifierWithAdapter(join(root, 'base'), { adapter: join(root, 'nothing') }), /nothing: no such adapter folder/);
    await assert.rejects(loadClassifierWithAdapter(join(root, 'base'), { adapter: join(root, 'base') }), /base: no adapter_config.json/);
  });
});
