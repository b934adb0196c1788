// trainedMaxLength: `finetune eval` evaluates on the input length the model was trained with.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { trainedMaxLength } from './eval-classifier.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-eval-length-'));
after(() => rmSync(root, { recursive: true, force: true }));
const folder = (name: string, args?: unknown): string => {
  const dir = join(root, name);
  mkdirSync(dir);
  if (args !== undefined) writeFileSync(join(dir, 'training_args.json'), JSON.stringify(args));
  return dir;
};

describe('trainedMaxLength', () => {
  const model = folder('model', { max_length: 64 });
  const adapter = folder('adapter', { max_length: 32 });
  const plain = folder('plain');

  it('reads max_length from the adapter folder first, then the model folder', () => {
    assert.equal(trainedMaxLength([adapter, model]), 32);
    assert.equal(trainedMaxLength([undefined, model]), 64);
    assert.equal(trainedMaxLength([plain, model]), 64);
  });

  it('is undefined for folders without training_args.json, Hub ids and null lengths', () => {
    assert.equal(trainedMaxLength([plain]), undefined);
    assert.equal(trainedMaxLength(['bert-base-uncased']), undefined);
    assert.equal(trainedMaxLength([folder('null-length', { max_length: null })]), undefined);
  });

  it('names the file when max_length is not a usable length', () => {
    const bad = folder('bad', { max_length: 'long' });
    assert.throws(
      () => trainedMaxLength([bad]),
      (e: Error) => e.message === `${join(bad, 'training_args.json')}: max_length "long" is not an integer >= 2`,
    );
    const broken = folder('broken');
    writeFileSync(join(broken, 'training_args.json'), '{"max_length": 6');
    assert.throws(() => trainedMaxLength([broken]), /training_args\.json: not valid JSON/);
  });
});
