// SIGKILL a real `finetune train` at a random step, and again in the middle of a checkpoint write; --resume ends with the weights of an uninterrupted run.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TINY_BERT_CONFIG } from '../support/run-cli.js';
import { syntheticExamples } from '../support/tiny-classifier.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repo, 'bin', 'finetune.js');
const killSwitch = join(repo, 'dist', 'test', 'support', 'kill-in-checkpoint.js');
const root = mkdtempSync(join(tmpdir(), 'finetune-kill-'));
after(() => rmSync(root, { recursive: true, force: true }));

const MAX_STEPS = 30;

function trainArgs(output: string): string[] {
  return [
    bin,
    'train',
    '--model',
    join(root, 'model'),
    '--init',
    'random',
    '--data',
    join(root, 'train.tsv'),
    '--output',
    output,
    '--max-steps',
    String(MAX_STEPS),
    '--batch-size',
    '8',
    '--lr',
    '3e-3',
    '--eval-every',
    '5',
    '--logging-steps',
    '1',
    '--seed',
    '5',
    '--threads',
    '1',
    '--max-length',
    '24',
  ];
}

function setup(): void {
  mkdirSync(join(root, 'model'), { recursive: true });
  writeFileSync(join(root, 'model', 'config.json'), JSON.stringify(TINY_BERT_CONFIG));
  const rows = syntheticExamples(120, 3).map((e) => `${e.text}\t${e.label}`);
  writeFileSync(join(root, 'train.tsv'), `text\tlabel\n${rows.join('\n')}\n`);
}

/** Runs train to the end; fails the test on a non-zero exit. */
function runToEnd(output: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): string {
  const run = spawnSync(process.execPath, [...trainArgs(output), ...extra], { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

/** Starts train and SIGKILLs it once its log reports step `killAt`; resolves with the step it had reached. */
function killAtStep(output: string, killAt: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, trainArgs(output), { stdio: ['ignore', 'pipe', 'pipe'] });
    let reached = 0;
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      buffered += text;
      for (const match of buffered.matchAll(/^step (\d+)\//gm)) reached = Math.max(reached, Number(match[1]));
      if (reached >= killAt && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(reached) : reject(new Error(`exited ${code} before the kill`))));
  });
}

function leftovers(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      if (entry.includes('.tmp-')) found.push(join(d, entry));
      if (statSync(join(d, entry)).isDirectory()) walk(join(d, entry));
    }
  };
  walk(dir);
  return found;
}

describe('kill and resume', () => {
  it('ends with the weights of an uninterrupted run after SIGKILL at a random step and during a checkpoint write', async (t) => {
    setup();
    runToEnd(join(root, 'reference'));
    const reference = readFileSync(join(root, 'reference', 'model.safetensors'));
    // The final model is the best checkpoint's; the last checkpoint holds the weights training ended with.
    const last = join('checkpoints', `checkpoint-${MAX_STEPS}`, 'model.safetensors');
    const referenceLast = readFileSync(join(root, 'reference', last));

    const output = join(root, 'interrupted');
    // After the first checkpoint (step 5), so there is one to resume from, and early enough to die before the end.
    const killAt = 6 + Math.floor(Math.random() * (MAX_STEPS - 16));
    t.diagnostic(`killing at step ${killAt}`);
    const reached = await killAtStep(output, killAt);
    assert.ok(reached >= killAt && reached < MAX_STEPS, `killed at step ${reached}`);

    // Resume, and die in the middle of writing the first checkpoint after the one it resumes from.
    const checkpoints = readdirSync(join(output, 'checkpoints')).filter((n) => n.startsWith('checkpoint-'));
    const resumedFrom = Math.max(0, ...checkpoints.map((n) => Number(n.slice('checkpoint-'.length))));
    const midWrite = spawnSync(process.execPath, ['--import', killSwitch, ...trainArgs(output), '--resume'], {
      encoding: 'utf8',
      env: { ...process.env, FINETUNE_TEST_KILL_IN_CHECKPOINT: String(resumedFrom + 5) },
    });
    assert.equal(midWrite.signal, 'SIGKILL', `not killed mid-checkpoint (killed at ${reached}, resumed from ${resumedFrom}): ${midWrite.stderr}`);
    assert.ok(
      leftovers(output).some((p) => p.includes(`.checkpoint-${resumedFrom + 5}.tmp-`)),
      'a half-written checkpoint is left before resuming',
    );
    assert.ok(!readdirSync(join(output, 'checkpoints')).includes(`checkpoint-${resumedFrom + 5}`));

    const log = runToEnd(output, ['--resume']);
    assert.match(log, new RegExp(`resuming from .*checkpoint-${resumedFrom}\\b`));
    assert.ok(readFileSync(join(output, last)).equals(referenceLast), `final weights differ (killed at step ${reached})`);
    assert.ok(readFileSync(join(output, 'model.safetensors')).equals(reference), `saved model differs (killed at step ${reached})`);
    assert.deepEqual(leftovers(output), []);
  });
});
