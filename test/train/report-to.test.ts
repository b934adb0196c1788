// --report-to csv,jsonl,tensorboard: the run's log entries as metrics.csv, metrics.jsonl and TensorBoard scalars, appended to on resume.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/run-cli.js';
import { tinyBertFolder } from '../support/tiny-bert-folder.js';

const { at, trainArgs } = tinyBertFolder('report-to', { 'train.tsv': [80, 61], 'dev.tsv': [20, 62] });

const base = (output: string): string[] => [
  ...trainArgs(),
  '--eval-data',
  at('dev.tsv'),
  '--output',
  at(output),
  '--max-steps',
  '12',
  '--batch-size',
  '8',
  '--eval-every',
  '4',
  '--logging-steps',
  '2',
  '--no-progress',
];

describe('--report-to', () => {
  it('writes every log entry to metrics.jsonl and metrics.csv, and the scalars to a TensorBoard event file', async () => {
    const run = await runCli([...base('all'), '--report-to', 'csv,jsonl,tensorboard']);
    assert.equal(run.code, 0, run.stderr);
    const history = JSON.parse(readFileSync(at('all/trainer_state.json'), 'utf8')).log_history as Record<string, unknown>[];
    const lines = readFileSync(at('all/metrics.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines, history);
    const csv = readFileSync(at('all/metrics.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(csv[0], 'step,epoch,name,value');
    const finite = history.flatMap((e) => Object.entries(e).filter(([k, v]) => k !== 'step' && k !== 'epoch' && typeof v === 'number' && Number.isFinite(v)));
    assert.equal(csv.length - 1, finite.length);
    assert.ok(
      csv.includes(
        `4,${history.find((e) => e.step === 4 && 'eval_loss' in e)!.epoch},eval_loss,${history.find((e) => e.step === 4 && 'eval_loss' in e)!.eval_loss}`,
      ),
    );
    const events = readdirSync(at('all/tensorboard'));
    assert.equal(events.length, 1);
    assert.match(events[0]!, /^events\.out\.tfevents\.\d+\./);
    const bytes = readFileSync(join(at('all/tensorboard'), events[0]!));
    for (const tag of ['train/loss', 'train/learning_rate', 'train/grad_norm', 'eval/loss', 'eval/f1_macro']) assert.ok(bytes.includes(tag), `${tag} missing`);
    assert.deepEqual(JSON.parse(readFileSync(at('all/training_args.json'), 'utf8')).report_to, ['csv', 'jsonl', 'tensorboard']);
  });

  it('writes nothing extra by default; a resumed run appends, a fresh one starts over; unknown targets are refused by name', async () => {
    const plain = await runCli(base('plain'));
    assert.equal(plain.code, 0, plain.stderr);
    assert.ok(!readdirSync(at('plain')).some((f) => f.startsWith('metrics') || f === 'tensorboard'));

    // Stopped after step 6 (its checkpoint kept), then resumed: the resumed run appends steps 7 to 12.
    const steps = ['--report-to', 'jsonl', '--save-strategy', 'steps', '--save-steps', '6', '--save-total-limit', '5'];
    const first = await runCli([...base('resumed'), ...steps]);
    assert.equal(first.code, 0, first.stderr);
    rmSync(at('resumed/checkpoints/checkpoint-12'), { recursive: true });
    const stepsOf = (): number[] =>
      readFileSync(at('resumed/metrics.jsonl'), 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).step as number);
    const once = stepsOf();
    const resumed = await runCli([...base('resumed'), ...steps, '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(stepsOf(), [...once, ...once.filter((s) => s > 6)]);
    // A fresh run over the folder starts the files again.
    const again = await runCli([...base('resumed'), ...steps, '--overwrite']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(stepsOf(), once);

    const bad = await runCli([...base('bad'), '--report-to', 'csv,wandb']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'finetune: --report-to wandb: expected csv, jsonl, tensorboard, all or none\n');
  });
});
