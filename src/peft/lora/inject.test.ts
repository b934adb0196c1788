// LoRA ranks are checked against every target layer before anything is wrapped or allocated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FinetuneError } from '../../errors.js';
import { applyLora } from './apply.js';
import { loraState } from './inject.js';
import { tinyConfig, tinyModel } from './test-support.js';

test("a rank above a target layer's smaller side names the layer and its shape, and leaves the model as it was", () => {
  const model = tinyModel('bert');
  const hidden = tinyConfig('bert').hidden_size as number;
  const before = model.parameterCount();
  const started = Date.now();
  assert.throws(
    () => applyLora(model, { r: 100000 }),
    (error: unknown) => {
      assert.ok(error instanceof FinetuneError);
      assert.match(
        error.message,
        new RegExp(
          `^LoRA options: rank 100000 is larger than layer 'bert\\.encoder\\.layer\\.0\\.attention\\.self\\.query' \\[${hidden}, ${hidden}\\] allows \\(at most ${hidden}\\)$`,
        ),
      );
      return true;
    },
  );
  assert.ok(Date.now() - started < 500);
  assert.equal(loraState(model), null);
  assert.deepEqual(model.parameterCount(), before);
  applyLora(model, { r: hidden });
});
