// Damaged or hostile model folders: each fails with one line naming the file and the problem.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { FinetuneError } from '../../src/errors.js';
import type { RawTensor } from '../../src/io/raw-tensor.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { loadTaskModel } from '../../src/models/load.js';
import { goldenDir } from './support.js';

const MALICIOUS_PICKLE = fileURLToPath(new URL('../../../test/fixtures/io/malicious.bin', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'finetune-corrupt-'));
after(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
/** A folder with the golden bert config.json (edited by `config`) and `files` written into it. */
function folder(files: Record<string, Uint8Array | string>, config: (c: Record<string, unknown>) => void = () => {}): string {
  const dir = join(root, `case-${count++}`);
  const json = JSON.parse(readFileSync(join(goldenDir('bert'), 'config.json'), 'utf8')) as Record<string, unknown>;
  config(json);
  mkdirSync(dir);
  for (const [name, content] of Object.entries({ 'config.json': JSON.stringify(json), ...files })) {
    writeFileSync(join(dir, name), content, { flag: 'w' });
  }
  return dir;
}

async function expectError(dir: string, pattern: RegExp): Promise<string> {
  try {
    await loadTaskModel(dir);
  } catch (error) {
    assert.ok(error instanceof FinetuneError, `not a FinetuneError: ${String(error)}`);
    assert.ok(!error.message.includes('\n'), `more than one line: ${error.message}`);
    assert.match(error.message, pattern);
    if (process.env.SHOW_ERRORS) console.log(error.message);
    return error.message;
  }
  assert.fail(`${dir} loaded without an error`);
}

const weights = readFileSync(join(goldenDir('bert'), 'model.safetensors'));
const tensors = readSafetensors(join(goldenDir('bert'), 'model.safetensors')).tensors;

/** The golden weights with `edit` applied, as safetensors bytes. */
function withTensors(edit: (t: Map<string, RawTensor>) => void): Uint8Array {
  const copy = new Map(tensors);
  edit(copy);
  const path = join(root, `weights-${count++}.safetensors`);
  writeSafetensors(path, copy, { format: 'pt' });
  return readFileSync(path);
}

describe('corrupt model folders', () => {
  it('a truncated safetensors file', async () => {
    const dir = folder({ 'model.safetensors': weights.subarray(0, 1000) });
    const message = await expectError(dir, /model\.safetensors: /);
    assert.match(message, /overruns|truncated|short/);
    const cutData = folder({ 'model.safetensors': weights.subarray(0, weights.length - 100) });
    await expectError(cutData, /model\.safetensors: .*(overrun|truncated|short)/);
  });

  it('a header whose offsets overrun the file', async () => {
    const headerLength = Number(weights.readBigUInt64LE(0));
    const header = JSON.parse(weights.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { data_offsets?: number[] }>;
    const entry = header['bert.pooler.dense.bias']!;
    entry.data_offsets = [entry.data_offsets![0]!, 10_000_000];
    const json = Buffer.from(JSON.stringify(header).padEnd(headerLength, ' '));
    assert.equal(json.length, headerLength);
    const bytes = Buffer.concat([weights.subarray(0, 8), json, weights.subarray(8 + headerLength)]);
    await expectError(folder({ 'model.safetensors': bytes }), /model\.safetensors: .*bert\.pooler\.dense\.bias.*(overrun|beyond|past|outside)/);
  });

  it('a missing key', async () => {
    const bytes = withTensors((t) => t.delete('bert.encoder.layer.1.output.dense.weight'));
    await expectError(
      folder({ 'model.safetensors': bytes }),
      /model\.safetensors: missing key 'bert\.encoder\.layer\.1\.output\.dense\.weight' \(expected shape \[32, 37\]\)/,
    );
  });

  it('a wrong shape', async () => {
    const bytes = withTensors((t) => t.set('bert.encoder.layer.0.intermediate.dense.bias', { dtype: 'float32', shape: [36], data: new Float32Array(36) }));
    await expectError(
      folder({ 'model.safetensors': bytes }),
      /model\.safetensors: key 'bert\.encoder\.layer\.0\.intermediate\.dense\.bias' has shape \[36\], expected \[37\]/,
    );
  });

  it('integer values where weights belong', async () => {
    const bytes = withTensors((t) => t.set('bert.pooler.dense.bias', { dtype: 'int32', shape: [32], data: new Int32Array(32) }));
    await expectError(folder({ 'model.safetensors': bytes }), /model\.safetensors: key 'bert\.pooler\.dense\.bias' holds integers/);
  });

  it('a pickle that asks for anything but tensors', async () => {
    await expectError(folder({ 'pytorch_model.bin': readFileSync(MALICIOUS_PICKLE) }), /pytorch_model\.bin: .*(os|system|not allowed|refuse)/i);
  });

  it('an unknown or absent model_type', async () => {
    await expectError(
      folder({ 'model.safetensors': weights }, (c) => (c.model_type = 't5')),
      /config\.json: unknown model_type 't5' \(supported: .*bert.*distilbert.*roberta.*xlm-roberta.*gpt2.*llama.*qwen2.*mistral/,
    );
    await expectError(
      folder({ 'model.safetensors': weights }, (c) => delete c.model_type),
      /config\.json: no model_type/,
    );
  });

  it('bad config values, a config that is not JSON, no weights, no folder', async () => {
    await expectError(
      folder({ 'model.safetensors': weights }, (c) => (c.hidden_act = 'gelu_42')),
      /config\.json: hidden_act 'gelu_42' is not supported/,
    );
    await expectError(
      folder({ 'model.safetensors': weights }, (c) => (c.num_attention_heads = 5)),
      /config\.json: hidden_size 32 is not divisible by num_attention_heads 5/,
    );
    await expectError(
      folder({ 'model.safetensors': weights }, (c) => (c.hidden_size = '32')),
      /config\.json: hidden_size must be a positive integer, got "32"/,
    );
    await expectError(
      folder({ 'model.safetensors': weights }, (c) => (c.id2label = { 0: 'a', 2: 'b' })),
      /config\.json: id2label must map every id 0\.\.1 to a name/,
    );
    const notJson = folder({ 'model.safetensors': weights });
    writeFileSync(join(notJson, 'config.json'), '{"model_type": ');
    await expectError(notJson, /config\.json: not valid JSON/);
    await expectError(folder({}), /no weights file/);
    await expectError(join(root, 'nothing-here', 'at-all'), /no such folder/);
  });
});
