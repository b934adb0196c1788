// A run's training_args.json replays it as a --config; Hugging Face's names train what the flags train; training.earlyStoppingPatience stops a run.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lastJson, runCli, TINY_BERT_CONFIG } from '../support/run-cli.js';
import { syntheticExamples } from '../support/tiny-classifier.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-config-replay-'));
after(() => rmSync(root, { recursive: true, force: true }));
const at = (name: string): string => join(root, name);

/** trainer_state.json without the wall-clock figures, which differ between any two runs. */
function state(folder: string): unknown {
  const raw = JSON.parse(readFileSync(at(`${folder}/trainer_state.json`), 'utf8')) as { log_history: Record<string, unknown>[] };
  const timeless = raw.log_history.map((entry) => Object.fromEntries(Object.entries(entry).filter(([k]) => !/runtime|per_second/.test(k))));
  return { ...raw, log_history: timeless };
}

before(() => {
  mkdirSync(at('model'));
  writeFileSync(at('model/config.json'), JSON.stringify(TINY_BERT_CONFIG));
  const tsv = (rows: { text: string; label: string }[]): string => `sentence\tlabel\n${rows.map((e) => `${e.text}\t${e.label}`).join('\n')}\n`;
  writeFileSync(at('train.tsv'), tsv(syntheticExamples(120, 21)));
  writeFileSync(at('dev.tsv'), tsv(syntheticExamples(40, 22)));
});

const common = (): string[] => ['train', '--model', at('model'), '--init', 'random', '--threads', '1', '--max-length', '24', '--data', at('train.tsv')];

describe('config files that replay and translate runs', () => {
  it("a run's training_args.json is a --config that replays it to the same trainer_state.json", async () => {
    const first = await runCli([
      ...common(),
      '--eval-split',
      '0.25',
      '--output',
      at('first'),
      '--epochs',
      '2',
      '--lr',
      '3e-3',
      '--seed',
      '5',
      '--eval-every',
      '4',
      '--batch-size',
      '8',
      '--warmup-steps',
      '2',
      '--scheduler',
      'cosine',
      '--class-weights',
      '1,1.5',
      '--adam-beta2',
      '0.99',
      '--no-progress',
    ]);
    assert.equal(first.code, 0, first.stderr);
    const replay = await runCli(['train', '--config', at('first/training_args.json'), '--output', at('replay'), '--threads', '1', '--no-progress']);
    assert.equal(replay.code, 0, replay.stderr);
    assert.deepEqual(state('replay'), state('first'));
    assert.deepEqual(readFileSync(at('replay/model.safetensors')), readFileSync(at('first/model.safetensors')));
    // The replay's own training_args.json says the same but for the output folder.
    const args = (folder: string): Record<string, unknown> => ({ ...JSON.parse(readFileSync(at(`${folder}/training_args.json`), 'utf8')), outputDir: null });
    assert.deepEqual(args('replay'), args('first'));
  });

  it("Hugging Face's TrainingArguments names train what the flags train", async () => {
    const flags = await runCli([
      ...common(),
      '--eval-data',
      at('dev.tsv'),
      '--output',
      at('flags'),
      '--epochs',
      '1',
      '--lr',
      '2e-3',
      '--batch-size',
      '16',
      '--grad-accum',
      '2',
      '--eval-every',
      '2',
      '--metric-for-best',
      'loss',
      '--weight-decay',
      '0',
      '--no-progress',
    ]);
    assert.equal(flags.code, 0, flags.stderr);
    writeFileSync(
      at('hf.yaml'),
      [
        'num_train_epochs: 1',
        'learning_rate: 2.0e-3',
        'per_device_train_batch_size: 16',
        'gradient_accumulation_steps: 2',
        'eval_strategy: steps',
        'eval_steps: 2',
        'metric_for_best_model: eval_loss',
        'greater_is_better: false',
        'weight_decay: 0.0',
        'max_steps: -1',
        'lr_scheduler_type: linear',
        `output_dir: ${at('hf')}`,
        '',
      ].join('\n'),
    );
    const hf = await runCli([...common(), '--eval-data', at('dev.tsv'), '--config', at('hf.yaml'), '--no-progress']);
    assert.equal(hf.code, 0, hf.stderr);
    assert.deepEqual(state('hf'), state('flags'));
  });

  it('training.earlyStoppingPatience in a config file stops the run (it used to be ignored)', async () => {
    writeFileSync(
      at('nested.yaml'),
      ['epochs: 40', 'lr: 1.0e-2', 'warmup-ratio: 0', 'scheduler: constant', 'training:', '  earlyStoppingPatience: 1', '  metricForBest: loss', ''].join('\n'),
    );
    const run = await runCli([...common(), '--eval-data', at('dev.tsv'), '--output', at('nested'), '--config', at('nested.yaml'), '--json', '--no-progress']);
    assert.equal(run.code, 0, run.stderr);
    const result = lastJson(run.stdout);
    assert.equal(result.stopped_early, true);
    assert.ok((result.global_step as number) < 40 * 8, `ran ${String(result.global_step)} steps`);
    assert.equal(JSON.parse(readFileSync(at('nested/training_args.json'), 'utf8')).earlyStoppingPatience, 1);
  });
});
