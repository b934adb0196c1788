// Ctrl-C during `finetune train`: a checkpoint of that step, exit 130, and a printed resume command that finishes the run as if uninterrupted.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TINY_BERT_CONFIG } from '../support/run-cli.js';
import { syntheticExamples } from '../support/tiny-classifier.js';

const bin = fileURLToPath(new URL('../../../bin/finetune.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'finetune-sigint-'));
after(() => rmSync(root, { recursive: true, force: true }));
const at = (name: string): string => join(root, name);
const MAX_STEPS = 40;

const trainArgs = (output: string): string[] => [
  'train',
  '--model',
  at('model'),
  '--init',
  'random',
  '--data',
  at('train.tsv'),
  '--output',
  output,
  '--max-steps',
  String(MAX_STEPS),
  '--batch-size',
  '8',
  '--lr',
  '3e-3',
  '--eval-every',
  '10',
  '--logging-steps',
  '1',
  '--seed',
  '9',
  '--threads',
  '1',
  '--max-length',
  '24',
];

/** Starts a run, sends SIGINT once its log reaches step 3, and resolves with what it printed and its exit code. */
function interruptAtStep3(output: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...trainArgs(output)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      if (!sent && /^step [3-9]\//m.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('Ctrl-C in train', () => {
  it('saves a checkpoint, exits 130 and prints a resume command that ends with the uninterrupted weights', async () => {
    mkdirSync(at('model'));
    writeFileSync(at('model/config.json'), JSON.stringify(TINY_BERT_CONFIG));
    writeFileSync(
      at('train.tsv'),
      `text\tlabel\n${syntheticExamples(120, 4)
        .map((e) => `${e.text}\t${e.label}`)
        .join('\n')}\n`,
    );
    const reference = spawnSync(process.execPath, [bin, ...trainArgs(at('reference'))], { encoding: 'utf8' });
    assert.equal(reference.status, 0, reference.stderr);

    const run = await interruptAtStep3(at('stopped'));
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stdout, /interrupted: saving a checkpoint of this step/);
    const match = /^finetune: interrupted at step (\d+), checkpoint saved; resume with: (finetune train .*)$/m.exec(run.stderr);
    assert.ok(match, run.stderr);
    const step = Number(match[1]);
    assert.ok(step >= 3 && step < MAX_STEPS, `stopped at step ${step}`);
    assert.ok(existsSync(at(`stopped/checkpoints/checkpoint-${step}`)), readdirSync(at('stopped/checkpoints')).join(', '));
    assert.ok(!existsSync(at('stopped/model.safetensors')), 'an interrupted run writes no final model');

    // The printed command, as a shell would split it (the paths here need no quotes).
    const words = match[2]!.split(' ');
    assert.equal(words.at(-1), '--resume');
    const resumed = spawnSync(process.execPath, [bin, ...words.slice(1)], { encoding: 'utf8' });
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual(readFileSync(at('stopped/model.safetensors')), readFileSync(at('reference/model.safetensors')));
  });
});
