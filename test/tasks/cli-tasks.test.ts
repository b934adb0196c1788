// `finetune train`, `eval` and `predict` for token classification, multi-label and regression on a tiny BERT, with LoRA, resume and bad input.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lastJson, runCli } from '../support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-cli-tasks-'));
after(() => rmSync(root, { recursive: true, force: true }));
const at = (name: string): string => join(root, name);
const goldenBert = fileURLToPath(new URL('../../../test/golden/models/bert', import.meta.url));
const json = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8'));
const train = (...args: string[]): Promise<Awaited<ReturnType<typeof runCli>>> =>
  runCli(['train', '--model', goldenBert, '--threads', '1', '--max-length', '24', '--no-progress', '--json', ...args]);

/** Sentences of people and places: "the movie by anna smith in paris was good". */
function conll(count: number, seed: number): string {
  const people = [['anna', 'smith'], ['tom'], ['maria', 'lopez']];
  const places = [['paris'], ['new', 'york'], ['rome']];
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const person = people[(i + seed) % people.length]!;
    const place = places[(i * 7 + seed) % places.length]!;
    const words: [string, string][] = [
      ['the', 'O'],
      ['movie', 'O'],
      ['by', 'O'],
      ...person.map((w, j) => [w, j === 0 ? 'B-PER' : 'I-PER'] as [string, string]),
      ['in', 'O'],
      ...place.map((w, j) => [w, j === 0 ? 'B-LOC' : 'I-LOC'] as [string, string]),
      ['was', 'O'],
      ['good', 'O'],
    ];
    lines.push(...words.map(([w, t]) => `${w}\t${t}`), '');
  }
  return `${lines.join('\n')}\n`;
}

before(() => {
  writeFileSync(at('train.conll'), conll(24, 0));
  writeFileSync(at('dev.conll'), conll(8, 1));
  const moods = ['good', 'bad', 'funny', 'sad'];
  const rows = Array.from({ length: 40 }, (_, i) => {
    const labels = moods.filter((_, j) => ((i >> j) & 1) === 1);
    return `"a ${labels.join(' and ') || 'plain'} film",${labels.join('|')}`;
  });
  writeFileSync(at('multi.csv'), `text,labels\n${rows.join('\n')}\n`);
  writeFileSync(at('multi-bad.csv'), 'text,labels\n"a good film",good\n"a scary film",scary|good\n');
  const pairs = Array.from({ length: 30 }, (_, i) => `the film is good\tthe film is ${i % 2 ? 'good' : 'bad'} ${'very '.repeat(i % 3)}\t${(i % 6) * 0.8}`);
  writeFileSync(at('sts.tsv'), `sentence1\tsentence2\tscore\n${pairs.join('\n')}\n`);
  writeFileSync(at('sts-bad.tsv'), 'sentence1\tsentence2\tscore\na\tb\t1.5\nc\td\tabc\n');
});

describe('token classification end to end', () => {
  it('trains a BertForTokenClassification, evaluates entities, and predicts entities with character offsets', async () => {
    const run = await train(
      '--data',
      at('train.conll'),
      '--eval-data',
      at('dev.conll'),
      '--output',
      at('ner'),
      '--max-steps',
      '6',
      '--lr',
      '5e-3',
      '--batch-size',
      '8',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /task: token-classification \(from the data: a CoNLL file\)/);
    const result = lastJson(run.stdout);
    for (const key of ['eval_loss', 'eval_accuracy', 'eval_f1', 'eval_precision', 'eval_recall']) assert.equal(typeof result[key], 'number', key);
    const config = json(at('ner/config.json'));
    assert.deepEqual(config.architectures, ['BertForTokenClassification']);
    assert.deepEqual(config.id2label, { 0: 'B-LOC', 1: 'B-PER', 2: 'I-LOC', 3: 'I-PER', 4: 'O' });
    assert.equal(json(at('ner/training_args.json')).task, 'token-classification');
    assert.match(readFileSync(at('ner/report.html'), 'utf8'), /Per entity type/);

    const evaluated = await runCli(['eval', '--model', at('ner'), '--data', at('dev.conll'), '--json']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.equal(lastJson(evaluated.stdout).eval_f1, result.eval_f1);

    const predicted = await runCli(['predict', '--model', at('ner'), '--text', 'the movie by anna smith in rome was good']);
    assert.equal(predicted.code, 0, predicted.stderr);
    const row = JSON.parse(predicted.stdout.trim()) as { words: { word: string; start: number; end: number; tag: string }[]; entities?: unknown[] };
    assert.equal(row.words.length, 9);
    assert.deepEqual(row.words[3]!, { ...row.words[3]!, word: 'anna', start: 13, end: 17 });
    assert.ok(Array.isArray(row.entities));
  });

  it('resumes a token-classification run from its checkpoint to the same weights', async () => {
    const args = ['--data', at('train.conll'), '--eval-split', '0', '--max-steps', '4', '--eval-every', '2', '--lr', '5e-3', '--batch-size', '8'];
    assert.equal((await train(...args, '--output', at('full'))).code, 0);
    cpSync(at('full'), at('half'), { recursive: true });
    rmSync(at('half/checkpoints/checkpoint-4'), { recursive: true });
    rmSync(at('half/model.safetensors'));
    const resumed = await train(...args, '--output', at('half'), '--resume');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok(readFileSync(at('half/model.safetensors')).equals(readFileSync(at('full/model.safetensors'))), 'bit-identical weights');
  });

  it('trains a TOKEN_CLS LoRA adapter that eval and predict load', async () => {
    const run = await train(
      '--data',
      at('train.conll'),
      '--eval-data',
      at('dev.conll'),
      '--output',
      at('ner-lora'),
      '--max-steps',
      '3',
      '--lora',
      '--lr',
      '5e-3',
    );
    assert.equal(run.code, 0, run.stderr);
    const adapter = json(at('ner-lora/adapter_config.json'));
    assert.equal(adapter.task_type, 'TOKEN_CLS');
    const evaluated = await runCli(['eval', '--model', at('ner-lora'), '--data', at('dev.conll'), '--json']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.equal(lastJson(evaluated.stdout).eval_f1, lastJson(run.stdout).eval_f1);
  });

  it('trains the head alone over a frozen base (no feature cache: token features change length per batch), and early-stops', async () => {
    const run = await train(
      '--data',
      at('train.conll'),
      '--eval-data',
      at('dev.conll'),
      '--output',
      at('ner-frozen'),
      '--max-steps',
      '6',
      '--eval-every',
      '1',
      '--freeze',
      'base',
      '--early-stopping',
      '1',
      '--lr',
      '1e-9',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /computing its features once/);
    assert.match(run.stderr, /parameters, 165 trained/);
    assert.equal(lastJson(run.stdout).stopped_early, true);
  });

  it('warns with the count of word labels that truncation to --max-length loses', async () => {
    const run = await runCli([
      'train',
      '--model',
      goldenBert,
      '--threads',
      '1',
      '--max-length',
      '8',
      '--no-progress',
      '--json',
      '--data',
      at('train.conll'),
      '--eval-split',
      '0',
      '--output',
      at('ner-short'),
      '--max-steps',
      '1',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /warning: .*train\.conll: 24 sentences longer than --max-length 8 \(or with words that give no tokens\) lost \d+ word labels to truncation/,
    );
  });

  it('names the sentence of an evaluation tag the training data lacks', async () => {
    writeFileSync(at('dev-odd.conll'), 'the\tO\nmovie\tB-MISC\n\n');
    const run = await train('--data', at('train.conll'), '--eval-data', at('dev-odd.conll'), '--output', at('ner-odd'), '--max-steps', '1');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /dev-odd\.conll: line 1: label 'B-MISC' is not one of the 5 training labels/);
  });
});

describe('multi-label classification end to end', () => {
  it('trains with BCE, saves problem_type, reports micro F1 and a tuned threshold, predicts label sets', async () => {
    const run = await train('--data', at('multi.csv'), '--output', at('multi'), '--max-steps', '4', '--lr', '5e-3');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /task: multi-label \(from the data: /);
    const result = lastJson(run.stdout);
    for (const key of ['eval_f1_micro', 'eval_f1_macro', 'eval_subset_accuracy', 'eval_hamming_loss', 'best_threshold'])
      assert.equal(typeof result[key], 'number', key);
    const config = json(at('multi/config.json'));
    assert.equal(config.problem_type, 'multi_label_classification');
    assert.deepEqual(Object.values(config.id2label as object), ['bad', 'funny', 'good', 'sad']);
    const predicted = await runCli(['predict', '--model', at('multi'), '--text', 'a good and funny film', '--threshold', '0.3']);
    assert.equal(predicted.code, 0, predicted.stderr);
    const row = JSON.parse(predicted.stdout.trim()) as { labels: string[]; scores: Record<string, number>; threshold: number };
    assert.deepEqual(Object.keys(row.scores), ['bad', 'funny', 'good', 'sad']);
    assert.equal(row.threshold, 0.3);
    assert.deepEqual(
      row.labels,
      Object.keys(row.scores).filter((k) => row.scores[k]! > 0.3),
    );
  });

  it('names the file and line of an evaluation label the model has no output for', async () => {
    const evaluated = await runCli(['eval', '--model', at('multi'), '--data', at('multi-bad.csv')]);
    assert.equal(evaluated.code, 1);
    assert.match(evaluated.stderr, /multi-bad\.csv: line 3: label 'scary' is not one of the 4 training labels/);
  });
});

describe('regression end to end', () => {
  it('trains on sentence pairs with MSE, saves num_labels 1 and problem_type, reports correlations, predicts values', async () => {
    const run = await train('--data', at('sts.tsv'), '--eval-split', '0.3', '--output', at('sts'), '--max-steps', '4', '--lr', '5e-3', '--task', 'regression');
    assert.equal(run.code, 0, run.stderr);
    const result = lastJson(run.stdout);
    for (const key of ['eval_mse', 'eval_mae', 'eval_pearson', 'eval_spearman']) assert.equal(typeof result[key], 'number', key);
    const config = json(at('sts/config.json'));
    assert.equal(config.problem_type, 'regression');
    assert.deepEqual(config.id2label, { 0: 'LABEL_0' });
    const predicted = await runCli(['predict', '--model', at('sts'), '--text', 'the film is good', '--text-pair', 'the film is bad']);
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.equal(typeof (JSON.parse(predicted.stdout.trim()) as { value: number }).value, 'number');
  });

  it('trains the head alone on cached features with --freeze base, and a LoRA adapter that eval reloads as a regression head', async () => {
    const frozen = await train(
      '--data',
      at('sts.tsv'),
      '--eval-split',
      '0.3',
      '--output',
      at('sts-frozen'),
      '--max-steps',
      '3',
      '--task',
      'regression',
      '--freeze',
      'base',
    );
    assert.equal(frozen.code, 0, frozen.stderr);
    assert.match(frozen.stderr, /the base is frozen: computing its features once/);
    const lora = await train('--data', at('sts.tsv'), '--eval-split', '0.3', '--output', at('sts-lora'), '--max-steps', '3', '--task', 'regression', '--lora');
    assert.equal(lora.code, 0, lora.stderr);
    assert.equal(json(at('sts-lora/adapter_config.json')).task_type, 'SEQ_CLS');
    const evaluated = await runCli(['eval', '--model', at('sts-lora'), '--data', at('sts.tsv'), '--json']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.equal(typeof lastJson(evaluated.stdout).eval_spearman, 'number');
  });

  it('names the file and line of a target that is not a number', async () => {
    const run = await train('--data', at('sts-bad.tsv'), '--output', at('sts-bad'), '--max-steps', '1', '--task', 'regression');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /sts-bad\.tsv: line 3: label 'abc' in column 'score' is not a number/);
  });
});

describe('part-of-speech tags (no B-/I- spans)', () => {
  it('select the best checkpoint on token accuracy and report no entity scores', async () => {
    writeFileSync(
      at('pos.conll'),
      conll(24, 0)
        .replace(/\t[BI]-PER/g, '\tPROPN')
        .replace(/\t[BI]-LOC/g, '\tPROPN')
        .replace(/\tO/g, '\tX'),
    );
    const run = await train('--data', at('pos.conll'), '--eval-split', '0.25', '--output', at('pos'), '--max-steps', '4', '--eval-every', '2', '--lr', '5e-3');
    assert.equal(run.code, 0, run.stderr);
    const state = json(at('pos/trainer_state.json'));
    assert.equal(state.metric_for_best_model, 'accuracy');
    assert.match(String(state.best_model_checkpoint), /checkpoint-[24]$/);
    assert.equal(lastJson(run.stdout).eval_f1, undefined);
  });
});
