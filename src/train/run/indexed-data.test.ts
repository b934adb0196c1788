// Classification runs on indexed CSV files: unknown evaluation labels by line, the same data lines as the in-memory path, a second run from the cache.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { syntheticExamples } from '../../../test/support/tiny-classifier.js';
import { TINY_BERT_CONFIG } from '../../../test/support/run-cli.js';
import { FinetuneError } from '../../errors.js';
import { prepareData } from './prepare-data.js';
import { indexedData } from './indexed-data.js';
import { trainClassifier, type TrainRunOptions } from './train-classifier.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-indexed-data-'));
const at = (name: string): string => join(root, name);
const saved = { ...process.env };
before(() => {
  mkdirSync(at('model'));
  writeFileSync(at('model/config.json'), JSON.stringify(TINY_BERT_CONFIG));
  const csv = (rows: { text: string; label: string }[]): string => `id,text,label\n${rows.map((e, i) => `${i},"${e.text}",${e.label}`).join('\n')}\n`;
  writeFileSync(at('train.csv'), csv(syntheticExamples(120, 51)));
  writeFileSync(at('dev.csv'), `${csv(syntheticExamples(20, 52))}20,"a new class",neutral\n`);
  process.env['FINETUNE_INDEX_MIN_BYTES'] = '0';
  process.env['FINETUNE_CACHE'] = at('cache');
});
after(() => {
  process.env = saved;
  rmSync(root, { recursive: true, force: true });
});

describe('indexed classification data', () => {
  it('describes the data as prepareData does, and names the split the same way', async () => {
    const indexed = indexedData({ data: at('train.csv'), seed: 3, evalSplit: 0.2 }, { cacheDir: at('cache-a') });
    const memory = await prepareData({ data: at('train.csv'), seed: 3, evalSplit: 0.2 });
    assert.deepEqual(indexed.description.slice(1), memory.description.slice(1));
    assert.match(indexed.description[0]!, /: 120 rows read, 120 kept; rows indexed in [\d.]+ s, texts tokenized per batch$/);
    assert.deepEqual(indexed.labels.labels, memory.labels.labels);
    assert.equal(indexed.evaluation?.rows.length, memory.evaluation?.length);
  });

  it('--max-eval-samples evaluates a stratified subset, the same size on both paths; below 2 it fails by name', async () => {
    const options = { data: at('train.csv'), seed: 3, evalSplit: 0.5, maxEvalSamples: 20 };
    const indexed = indexedData(options, { cacheDir: at('cache-a') });
    const memory = await prepareData(options);
    assert.equal(indexed.evaluation?.rows.length, memory.evaluation?.length);
    assert.ok(Math.abs(memory.evaluation!.length - 20) <= 1);
    assert.match(indexed.evaluation!.name, /, a subset of \d+ \(--max-eval-samples, seed 3\)$/);
    assert.equal(indexed.evaluation?.name, memory.evaluationName);
    assert.throws(() => indexedData({ ...options, maxEvalSamples: 1 }, { cacheDir: at('cache-a') }), /--max-eval-samples 1: must be an integer >= 2/);
  });

  it('fails on an evaluation label the training data lacks, naming its file and line', () => {
    assert.throws(
      () => indexedData({ data: at('train.csv'), evalData: at('dev.csv'), seed: 1 }, { cacheDir: at('cache-b') }),
      (error: Error) => error instanceof FinetuneError && error.message.startsWith(`${at('dev.csv')}: line 22: `) && error.message.includes("'neutral'"),
    );
  });

  it('trains from the index; a second run reads the index from the cache and trains to the same loss', async () => {
    const options = (output: string): TrainRunOptions => ({
      model: at('model'),
      init: 'random',
      data: at('train.csv'),
      output: at(output),
      maxLength: 24,
      training: { maxSteps: 6, evalEvery: 3, loggingSteps: 2, batchSize: 8, learningRate: 3e-3 },
    });
    const runs = [];
    for (const output of ['first', 'second']) {
      const lines: string[] = [];
      const result = await trainClassifier(options(output), { output: { line: (l) => lines.push(l), warn: (l) => lines.push(l) }, progress: false });
      runs.push({ lines, result });
    }
    assert.ok(runs[0]!.lines.some((l) => l.includes('rows indexed in')));
    assert.ok(runs[1]!.lines.some((l) => l.includes('row index read from the cache')));
    assert.match(runs[0]!.lines[0]!, /^task: classification \(from the data's first 120 rows/);
    assert.equal(runs[1]!.result.train.trainLoss, runs[0]!.result.train.trainLoss);
    assert.ok(Number.isFinite(runs[0]!.result.train.trainLoss));
    assert.notEqual(runs[0]!.result.evaluation, null);
  });
});
