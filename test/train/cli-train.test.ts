// `finetune train` end to end on a tiny BERT: the output folder, --json, runs/<timestamp>, early stopping in trainer_state.json, eval, --freeze base.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lastJson, runCli, TINY_BERT_CONFIG } from '../support/run-cli.js';
import { syntheticExamples } from '../support/tiny-classifier.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-cli-train-'));
after(() => rmSync(root, { recursive: true, force: true }));
const at = (name: string): string => join(root, name);
const base = (): string[] => ['train', '--model', at('model'), '--init', 'random', '--threads', '1', '--max-length', '24'];
const goldenBert = fileURLToPath(new URL('../../../test/golden/models/bert', import.meta.url));

before(() => {
  mkdirSync(at('model'));
  writeFileSync(at('model/config.json'), JSON.stringify(TINY_BERT_CONFIG));
  const tsv = (rows: { text: string; label: string }[]): string => `sentence\tlabel\n${rows.map((e) => `${e.text}\t${e.label}`).join('\n')}\n`;
  writeFileSync(at('train.tsv'), tsv(syntheticExamples(200, 11)));
  writeFileSync(at('dev.tsv'), tsv(syntheticExamples(60, 12)).replace('sentence\t', 'content\t'));
});

describe('finetune train', () => {
  it('leaves the Hugging Face folder, logs, report and checkpoints, and prints the final metrics as JSON', async () => {
    const run = await runCli([
      ...base(),
      '--data',
      at('train.tsv'),
      '--eval-data',
      at('dev.tsv'),
      '--output',
      at('out'),
      '--epochs',
      '2',
      '--lr',
      '3e-3',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const result = lastJson(run.stdout);
    assert.equal(run.stdout.trimEnd().split('\n').length, 1, 'under --json, stdout holds only the result');
    assert.equal(result.output, at('out'));
    assert.equal(result.global_step, 26);
    assert.equal(typeof result.eval_accuracy, 'number');
    assert.equal(result.eval_samples, 60);
    assert.match(run.stderr, /eval step 13 \(epoch 1\.00\): train loss [\d.]+ \| val loss [\d.]+ \| accuracy/);
    const files = readdirSync(at('out')).sort();
    for (const f of [
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
      'training_args.json',
      'trainer_state.json',
      'eval_results.json',
      'report.html',
      'checkpoints',
    ]) {
      assert.ok(files.includes(f), `${f} missing from ${files}`);
    }
    const config = JSON.parse(readFileSync(at('out/config.json'), 'utf8'));
    assert.deepEqual(config.id2label, { 0: 'neg', 1: 'pos' });
    assert.deepEqual(config.label2id, { neg: 0, pos: 1 });
    assert.deepEqual(config.architectures, ['BertForSequenceClassification']);
    const state = JSON.parse(readFileSync(at('out/trainer_state.json'), 'utf8'));
    assert.equal(state.global_step, 26);
    assert.ok(
      state.log_history.some((e: Record<string, unknown>) => 'loss' in e) && state.log_history.some((e: Record<string, unknown>) => 'eval_f1_macro' in e),
    );
    assert.deepEqual(JSON.parse(readFileSync(at('out/eval_results.json'), 'utf8')).eval_accuracy, result.eval_accuracy);
    assert.match(readFileSync(at('out/report.html'), 'utf8'), /Confusion matrix/);

    const evaluated = await runCli(['eval', '--model', at('out'), '--data', at('dev.tsv'), '--json']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.equal(lastJson(evaluated.stdout).eval_accuracy, result.eval_accuracy);
  });

  it('writes to runs/<timestamp> by default and never reuses a folder', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const args = [...base(), '--data', at('train.tsv'), '--max-steps', '1', '--eval-split', '0', '--json'];
      const first = lastJson((await runCli(args)).stdout).output as string;
      const second = lastJson((await runCli(args)).stdout).output as string;
      assert.match(first, /^runs\/\d{8}-\d{6}(-\d+)?$/);
      assert.notEqual(first, second);
      assert.ok(existsSync(join(root, first, 'model.safetensors')) && existsSync(join(root, second, 'model.safetensors')));
    } finally {
      process.chdir(cwd);
    }
  });

  it('stops an overfitting run early and trainer_state.json shows the restored best checkpoint', async () => {
    const run = await runCli([
      ...base(),
      '--data',
      at('train.tsv'),
      '--eval-data',
      at('dev.tsv'),
      '--output',
      at('early'),
      '--epochs',
      '40',
      '--lr',
      '1e-2',
      '--warmup-ratio',
      '0',
      '--scheduler',
      'constant',
      '--early-stopping',
      '2',
      '--metric-for-best',
      'loss',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const result = lastJson(run.stdout);
    assert.equal(result.stopped_early, true);
    assert.equal(result.restored_best, true);
    const state = JSON.parse(readFileSync(at('early/trainer_state.json'), 'utf8'));
    assert.ok(state.global_step < 40 * 13);
    assert.equal(state.should_training_stop, true);
    assert.equal(state.best_model_checkpoint, `checkpoints/checkpoint-${state.best_global_step}`);
    assert.ok(existsSync(at(`early/${state.best_model_checkpoint}`)));
    assert.match(run.stderr, /restored the best checkpoint \(step \d+, loss/);
  });

  it('trains only the head on cached features with --freeze base', async () => {
    const run = await runCli([...base(), '--data', at('train.tsv'), '--output', at('frozen'), '--epochs', '1', '--freeze', 'base', '--lr', '1e-2']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /the base is frozen: computing its features once/);
    assert.match(run.stdout, /34 trained|[\d,]+ trained \(0\.\d%\)/);
  });

  it('fine-tunes pretrained weights, or a LoRA adapter saved as a PEFT folder that eval loads', async () => {
    const full = await runCli([
      'train',
      '--model',
      goldenBert,
      '--data',
      at('train.tsv'),
      '--output',
      at('pretrained'),
      '--max-steps',
      '3',
      '--threads',
      '1',
      '--json',
    ]);
    assert.equal(full.code, 0, full.stderr);
    assert.match(full.stderr, /the checkpoint's head does not fit 2 labels; replaced with a new one/);
    assert.ok(existsSync(at('pretrained/model.safetensors')) && existsSync(at('pretrained/tokenizer.json')));

    const lora = await runCli([
      'train',
      '--model',
      goldenBert,
      '--data',
      at('train.tsv'),
      '--output',
      at('lora'),
      '--max-steps',
      '3',
      '--threads',
      '1',
      '--lora',
      '--lora-r',
      '4',
      '--json',
    ]);
    assert.equal(lora.code, 0, lora.stderr);
    assert.match(lora.stderr, /trained \(\d+\.\d+%, LoRA\)/);
    const files = readdirSync(at('lora'));
    assert.ok(files.includes('adapter_config.json') && files.includes('adapter_model.safetensors') && !files.includes('model.safetensors'), String(files));
    assert.equal(JSON.parse(readFileSync(at('lora/adapter_config.json'), 'utf8')).r, 4);
    const evaluated = await runCli(['eval', '--model', at('lora'), '--data', at('dev.tsv'), '--json']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.equal(lastJson(evaluated.stdout).eval_samples, 60);
    const random = await runCli([...base(), '--data', at('train.tsv'), '--output', at('lora-random'), '--lora']);
    assert.equal(random.code, 1);
    assert.match(random.stderr, /--lora needs pretrained weights/);
  });
});
