// Tests for sharded checkpoints and the format-independent weights entry point.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPytorchBin } from './pytorch-bin.js';
import { readShardIndex, readShardedSafetensors } from './safetensors-index.js';
import { readSafetensors } from './safetensors.js';
import { findWeightsFile, readStateDict } from './state-dict.js';
import { inTempFolder, throwsOneLine } from './test-support.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/io/', import.meta.url));
const SHARDED = join(FIXTURES, 'sharded');
const INDEX = 'model.safetensors.index.json';

test('a sharded checkpoint written by transformers reads into one map', () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'sharded.expected.json'), 'utf8')) as Record<string, { data: number[] }>;
  const { tensors } = readShardedSafetensors(join(SHARDED, INDEX));
  assert.deepEqual([...tensors.keys()].sort(), Object.keys(expected).sort());
  for (const [key, want] of Object.entries(expected)) assert.deepEqual(Array.from(tensors.get(key)!.data), want.data, key);
  const index = readShardIndex(join(SHARDED, INDEX));
  assert.equal(index.shards.length, 3);
  assert.equal(typeof index.metadata['total_size'], 'number');
  const some = readShardedSafetensors(join(SHARDED, INDEX), { select: (key) => key.includes('pooler') });
  assert.deepEqual([...some.tensors.keys()].sort(), ['pooler.dense.bias', 'pooler.dense.weight']);
});

test(
  'a missing shard, a key missing from its shard and a bad index fail naming the index',
  inTempFolder('state-dict-', (folder) => {
    cpSync(SHARDED, folder, { recursive: true });
    const indexPath = join(folder, INDEX);
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map: Record<string, string> };
    const [firstKey, firstShard] = Object.entries(index.weight_map)[0]!;

    writeFileSync(indexPath, JSON.stringify({ weight_map: { ...index.weight_map, 'extra.weight': firstShard } }));
    throwsOneLine(() => readShardedSafetensors(indexPath), `${indexPath}: 'extra.weight' is not in its shard '${firstShard}'`);

    writeFileSync(indexPath, JSON.stringify({ weight_map: { [firstKey]: '../outside.safetensors' } }));
    throwsOneLine(() => readShardedSafetensors(indexPath), `${indexPath}: weight_map '${firstKey}' names an invalid shard "../outside.safetensors"`);
    writeFileSync(indexPath, JSON.stringify({ metadata: {} }));
    throwsOneLine(() => readShardedSafetensors(indexPath), `${indexPath}: no "weight_map" object`);
    writeFileSync(indexPath, '{"weight_map": ');
    throwsOneLine(() => readShardedSafetensors(indexPath), new RegExp(`^${indexPath.replace(/[.\\/]/g, '\\$&')}: cannot read the shard index \\(.+\\)$`));

    writeFileSync(indexPath, JSON.stringify(index));
    unlinkSync(join(folder, firstShard));
    throwsOneLine(() => readShardedSafetensors(indexPath), `${indexPath}: shard '${firstShard}' (holding '${firstKey}') is missing`);
  }),
);

test(
  'readStateDict picks the reader by file name, findWeightsFile the preferred file',
  inTempFolder('state-dict-', (folder) => {
    const fromSafetensors = readSafetensors(join(FIXTURES, 'bert-tiny.safetensors')).tensors;
    assert.deepEqual(readStateDict(join(FIXTURES, 'bert-tiny.safetensors')), fromSafetensors);
    assert.deepEqual(readStateDict(join(FIXTURES, 'bert-tiny.bin')), fromSafetensors);
    assert.equal(readStateDict(join(SHARDED, INDEX)).size, fromSafetensors.size);

    throwsOneLine(
      () => findWeightsFile(folder),
      `${folder}: no weights file (looked for model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json)`,
    );
    copyFileSync(join(FIXTURES, 'state-dict.bin'), join(folder, 'pytorch_model-00001-of-00001.bin'));
    const keys = [...readPytorchBin(join(folder, 'pytorch_model-00001-of-00001.bin')).keys()];
    const weightMap = Object.fromEntries(keys.map((key) => [key, 'pytorch_model-00001-of-00001.bin']));
    writeFileSync(join(folder, 'pytorch_model.bin.index.json'), JSON.stringify({ weight_map: weightMap }));
    assert.equal(findWeightsFile(folder), join(folder, 'pytorch_model.bin.index.json'));
    const sharded = readStateDict(join(folder, 'pytorch_model.bin.index.json'), { select: (key) => key !== 'empty' });
    assert.deepEqual(
      [...sharded.keys()],
      keys.filter((key) => key !== 'empty'),
    );
    writeFileSync(join(folder, 'pytorch_model.bin.index.json'), JSON.stringify({ weight_map: { ...weightMap, ghost: 'pytorch_model-00001-of-00001.bin' } }));
    throwsOneLine(
      () => readStateDict(join(folder, 'pytorch_model.bin.index.json')),
      `${join(folder, 'pytorch_model.bin.index.json')}: 'ghost' is not in its shard 'pytorch_model-00001-of-00001.bin'`,
    );

    copyFileSync(join(FIXTURES, 'bert-tiny.safetensors'), join(folder, 'model.safetensors'));
    assert.equal(findWeightsFile(folder), join(folder, 'model.safetensors'));
  }),
);
