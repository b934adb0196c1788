// One writer per --output: two `finetune train` processes started at the same instant, 20 times; a failed run never blocks a rerun.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LOCK_FILE } from '../../src/io/folder-lock.js';
import { runCli, TINY_BERT_CONFIG } from '../support/run-cli.js';
import { syntheticExamples } from '../support/tiny-classifier.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-output-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));
const at = (name: string): string => join(root, name);
const cliAt = fileURLToPath(new URL('../support/cli-at.js', import.meta.url));
const trainArgs = (output: string): string[] => [
  'train',
  '--model',
  at('model'),
  '--init',
  'random',
  '--data',
  at('train.tsv'),
  '--eval-split',
  '0',
  '--max-steps',
  '2',
  '--threads',
  '1',
  '--max-length',
  '16',
  '--no-progress',
  '--output',
  output,
];

interface Exit {
  readonly code: number | null;
  readonly stderr: string;
}

/** Starts `finetune` processes that load everything, then begin their commands at the same instant once all are loaded. */
async function startTogether(runs: readonly (readonly string[])[]): Promise<Exit[]> {
  const children = runs.map((args) => spawn(process.execPath, [cliAt, ...args], { stdio: ['pipe', 'ignore', 'pipe'] }));
  const stderr = children.map(() => '');
  const ready = children.map(
    (child, i) =>
      new Promise<void>((resolve) => {
        child.stderr.setEncoding('utf8').on('data', (text: string) => {
          if (stderr[i] === '' && text.startsWith('ready\n')) {
            stderr[i] = ' ';
            text = text.slice('ready\n'.length);
            resolve();
          }
          stderr[i] += text;
        });
      }),
  );
  const exits = children.map((child, i) => new Promise<Exit>((resolve) => child.on('close', (code) => resolve({ code, stderr: stderr[i]!.slice(1) }))));
  await Promise.all(ready);
  for (const child of children) child.stdin.end('go\n');
  return Promise.all(exits);
}

/** trainer_state.json without what depends on the clock. */
function stateWithoutTimings(folder: string): unknown {
  const state = JSON.parse(readFileSync(join(folder, 'trainer_state.json'), 'utf8')) as { log_history: Record<string, unknown>[] };
  for (const entry of state.log_history) for (const key of Object.keys(entry)) if (/runtime|per_second/.test(key)) delete entry[key];
  return state;
}

before(() => {
  mkdirSync(at('model'));
  writeFileSync(at('model/config.json'), JSON.stringify(TINY_BERT_CONFIG));
  writeFileSync(
    at('train.tsv'),
    `sentence\tlabel\n${syntheticExamples(40, 3)
      .map((e) => `${e.text}\t${e.label}`)
      .join('\n')}\n`,
  );
});

describe('one writer per output folder', () => {
  it('of two runs started at the same instant on one --output, exactly one runs and the other names it (20 times)', async () => {
    const lone = await runCli(trainArgs(at('lone')));
    assert.equal(lone.code, 0, lone.stderr);
    const loneModel = readFileSync(at('lone/model.safetensors'));
    const loneState = stateWithoutTimings(at('lone'));
    for (let round = 0; round < 20; round++) {
      const output = at(`race-${round}`);
      const exits = await startTogether([trainArgs(output), trainArgs(output)]);
      const winners = exits.filter((e) => e.code === 0);
      const losers = exits.filter((e) => e.code !== 0);
      assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify(exits)}`);
      assert.equal(losers[0]!.code, 1, losers[0]!.stderr);
      assert.match(losers[0]!.stderr, /^finetune: .*race-\d+ is in use by process \d+ on host \S+ \(train started \d{4}-\d\d-\d\dT[\d:.]+Z\)\n$/);
      assert.ok(readFileSync(join(output, 'model.safetensors')).equals(loneModel), `round ${round}: the survivor's weights differ from a lone run's`);
      assert.deepEqual(stateWithoutTimings(output), loneState);
      assert.equal(existsSync(join(output, LOCK_FILE)), false);
    }
  });

  it('a run that failed before its first checkpoint leaves a folder that a plain rerun reuses', async () => {
    // What a run killed during its first steps leaves: its arguments, an empty checkpoints/ and its lock.
    mkdirSync(at('failed/checkpoints'), { recursive: true });
    writeFileSync(at('failed/training_args.json'), '{}');
    writeFileSync(at(`failed/${LOCK_FILE}`), JSON.stringify({ pid: 2 ** 22 + 7, host: 'elsewhere', command: 'train', started: 'then' }));
    const blocked = await runCli(trainArgs(at('failed')));
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /failed is in use by process 4194311 on host elsewhere \(train started then\)\n$/);
    rmSync(at(`failed/${LOCK_FILE}`));
    const rerun = await runCli(trainArgs(at('failed')));
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.ok(readFileSync(at('failed/model.safetensors')).equals(readFileSync(at('lone/model.safetensors'))));
  });

  it('a run that fails on its inputs leaves no folder behind, and none of its lock', async () => {
    const run = await runCli([...trainArgs(at('bad-input')), '--data', at('missing.tsv')]);
    assert.equal(run.code, 1);
    assert.equal(existsSync(at('bad-input')), false);
    const existing = at('existing');
    mkdirSync(existing);
    const again = await runCli([...trainArgs(existing), '--data', at('missing.tsv')]);
    assert.equal(again.code, 1);
    assert.deepEqual(readdirSync(existing), []);
  });

  it('merge holds the folder too: a merge into a folder a run holds names the run', async () => {
    mkdirSync(at('held'));
    writeFileSync(at(`held/${LOCK_FILE}`), JSON.stringify({ pid: 1, host: 'other', command: 'train', started: 'now' }));
    const run = await runCli(['merge', '--model', at('lone'), '--adapter', at('lone'), '--output', at('held')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /held is in use by process 1 on host other \(train started now\)\n$/);
  });
});
