// Merging: the same logits merged and unmerged (within 1e-5), unmerge restores the base, mergeLora leaves a plain model that saves and reloads.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadTaskModel } from '../../models/load.js';
import { saveTaskModel } from '../../models/save.js';
import { applyLora } from './apply.js';
import { loraState } from './inject.js';
import { mergeAdapters, mergeLora, unmergeAdapters } from './merge.js';
import { logitsOf, maxAbsDiff, randomizeAdapters, tinyBatch, tinyModel, TINY_FAMILIES } from './test-support.js';

describe('LoRA merging', () => {
  for (const family of TINY_FAMILIES) {
    it(`gives ${family} the same logits merged and unmerged, within 1e-5`, () => {
      const model = tinyModel(family);
      applyLora(model, { targets: 'all-linear', r: 4, alpha: 8 });
      randomizeAdapters(model, 3, 0.5);
      const inputs = tinyBatch(4, 9);
      const unmerged = logitsOf(model, inputs);
      const weights = model
        .namedParameters()
        .filter(([n]) => !n.includes('lora_'))
        .map(([, p]) => p.f32().slice());
      assert.equal(mergeAdapters(model), family === 'bert' ? 13 : 12);
      const merged = logitsOf(model, inputs);
      const diff = maxAbsDiff(merged, unmerged);
      assert.ok(diff < 1e-5, `max difference ${diff}`);
      unmergeAdapters(model);
      const restored = model
        .namedParameters()
        .filter(([n]) => !n.includes('lora_'))
        .map(([, p]) => p.f32());
      assert.ok(
        restored.every((w, i) => maxAbsDiff(w, weights[i]!) < 1e-6),
        'unmerge restores the base weights',
      );
      assert.ok(maxAbsDiff(logitsOf(model, inputs), unmerged) < 1e-6);
    });
  }

  it('merges for good into a plain model that saves and reloads with the same logits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lora-merge-'));
    try {
      const model = tinyModel('distilbert');
      const keys = [...model.checkpointState().keys()];
      applyLora(model);
      randomizeAdapters(model);
      const inputs = tinyBatch();
      const expected = logitsOf(model, inputs);
      const merged = mergeLora(model);
      assert.equal(merged.length, 4);
      assert.equal(loraState(model), null);
      assert.deepEqual([...model.checkpointState().keys()], keys, 'no lora_ keys are left');
      assert.ok(
        model.parameters().every((p) => p.requiresGrad),
        'parameters train as before the adapter',
      );
      assert.ok(maxAbsDiff(logitsOf(model, inputs), expected) < 1e-5);
      await saveTaskModel(model, null, dir);
      const reloaded = await loadTaskModel(dir);
      assert.ok(maxAbsDiff(logitsOf(reloaded.model, inputs), expected) < 1e-5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to merge a model without an adapter', () => {
    assert.throws(() => mergeLora(tinyModel('bert')), /merging the adapter: the model has no LoRA adapter/);
    assert.throws(() => unmergeAdapters(tinyModel('bert')), /unmerging the adapter: the model has no LoRA adapter/);
  });
});
