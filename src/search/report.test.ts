// The leaderboard order, the best trial as a command line and YAML, and report.html's escaping.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { trainCommandLine, writeSearchReport } from './report.js';
import { parseSearchSettings } from './space.js';
import { leaderboard, type SearchState, type TrialRecord } from './state.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-search-report-'));
after(() => rmSync(root, { recursive: true, force: true }));

const trial = (index: number, status: TrialRecord['status'], value: number | null, params: TrialRecord['params']): TrialRecord => ({
  index,
  params,
  status,
  value,
  globalStep: 10,
  startSteps: [0],
  history: value === null ? [] : [{ step: 10, epoch: 1, value }],
  rungs: {},
  folder: join(root, `trial-${index}`),
});

const state: SearchState = {
  version: 1,
  id: 'x',
  base: { model: 'use-lite', data: 'my data.tsv', 'eval-split': 0.1 },
  settings: parseSearchSettings(
    { metric: 'accuracy', space: { lr: { type: 'log-uniform', low: 1e-5, high: 1e-3 }, lora: [true, false], 'lora-r': [4, 8] } },
    's',
  ),
  trials: [
    trial(0, 'complete', 0.7, { lr: 1e-4, lora: false, 'lora-r': 8 }),
    trial(1, 'pruned', 0.9, { lr: 2e-4, lora: true, 'lora-r': 4 }),
    trial(2, 'complete', 0.8, { lr: 3e-4, lora: true, 'lora-r': 4 }),
    trial(3, 'failed', null, { lr: 4e-4, lora: false, 'lora-r': 4 }),
    trial(4, 'running', null, { lr: 5e-4, lora: false, 'lora-r': 4 }),
  ],
};

describe('search report', () => {
  it('ranks complete trials by the metric, then pruned ones; failed and running ones have no rank', () => {
    assert.deepEqual(
      leaderboard(state).map((t) => t.index),
      [2, 0, 1],
    );
  });

  it('writes the best trial as a ready command line and a train config file', () => {
    writeSearchReport(root, state);
    const html = readFileSync(join(root, 'report.html'), 'utf8');
    assert.match(html, /finetune train --model use-lite --data 'my data\.tsv'/);
    assert.match(html, /--lr 0\.0003 --lora --lora-r 4 --output runs\/best/);
    assert.deepEqual(parse(readFileSync(join(root, 'best.yaml'), 'utf8')), {
      model: 'use-lite',
      data: 'my data.tsv',
      'eval-split': 0.1,
      lr: 3e-4,
      lora: true,
      'lora-r': 4,
      output: 'runs/best',
    });
    assert.match(html, /trial 3: failed/);
  });

  it('quotes shell words and writes booleans and lists as flags', () => {
    assert.equal(
      trainCommandLine({ data: "it's.tsv", lora: false, 'group-by-length': true, 'lora-targets': ['query', 'value'] }),
      "finetune train --data 'it'\\''s.tsv' --no-lora --group-by-length --lora-targets query,value",
    );
  });
});
