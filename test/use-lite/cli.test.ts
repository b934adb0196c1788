// The command line with use-lite: the built-in default run's options, and train -> predict -> eval on a small use-lite folder.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { Flags, parseFlags } from '../../src/cli/args.js';
import { DEFAULT_RUN, defaultRunFlags } from '../../src/cli/commands/default-run.js';
import { trainCommand, trainOptionsFromFlags } from '../../src/cli/commands/train.js';
import { runCli } from '../support/run-cli.js';
import { syntheticExamples } from '../support/tiny-classifier.js';
import { MODEL_DIR } from './support.js';

const optionsOf = (argv: string[]): ReturnType<typeof trainOptionsFromFlags> => trainOptionsFromFlags(new Flags(parseFlags(argv, trainCommand.flags).flags));

describe('finetune train without --model and --data', () => {
  it('is use-lite on spam-assassin with the measured settings, which flags given alongside override', () => {
    const plain = optionsOf([]);
    assert.equal(plain.model, 'use-lite');
    assert.equal(plain.data, 'spam-assassin');
    assert.equal(plain.maxLength, 64);
    assert.deepEqual(plain.training, { epochs: 1, batchSize: 32, learningRate: 1e-4 });
    assert.equal(defaultRunFlags(), '--model use-lite --data spam-assassin --max-length 64 --epochs 1 --batch-size 32 --lr 0.0001');
    const short = optionsOf(['--max-steps', '5', '--max-length', '32', '--output', 'x']);
    assert.deepEqual(short.training, { ...DEFAULT_RUN.training, maxSteps: 5 });
    assert.equal(short.maxLength, 32);
    assert.equal(short.output, 'x');
    // Naming one of the two is an ordinary run, which needs both.
    assert.throws(
      () => optionsOf(['--model', 'use-lite']),
      (e: unknown) => e instanceof UsageError && /--data is required/.test(e.message),
    );
    assert.deepEqual(optionsOf(['--model', 'use-lite', '--data', 'f.csv']).training ?? {}, {});
    assert.equal(optionsOf(['--model', 'use-lite', '--data', 'f.csv']).maxLength, undefined);
  });
});

describe('train, predict and eval on a use-lite folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'finetune-use-lite-cli-'));
  const at = (name: string): string => join(root, name);
  before(() => {
    // The architecture at small sizes, with the real vocabulary beside its config.json: a random start.
    mkdirSync(at('model'));
    writeFileSync(
      at('model/config.json'),
      JSON.stringify({ model_type: 'use-lite', embedding_size: 16, hidden_size: 16, intermediate_size: 32, num_attention_heads: 2 }),
    );
    copyFileSync(join(MODEL_DIR, 'vocab.json'), at('model/vocab.json'));
    const tsv = (rows: { text: string; label: string }[]): string => `sentence\tlabel\n${rows.map((e) => `${e.text}\t${e.label}`).join('\n')}\n`;
    writeFileSync(at('train.tsv'), tsv(syntheticExamples(120, 3)));
    writeFileSync(at('dev.tsv'), tsv(syntheticExamples(40, 4)));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('leaves a use-lite folder that predict and eval load, and prints the majority-class baseline', async () => {
    const train = await runCli([
      'train',
      '--model',
      at('model'),
      '--init',
      'random',
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
      '--threads',
      '1',
      '--no-progress',
    ]);
    assert.equal(train.code, 0, train.stderr);
    assert.match(train.stdout, /final evaluation on .*dev\.tsv: loss [\d.]+, accuracy [\d.]+, F1 macro/);
    assert.match(train.stdout, /majority-class baseline \(always '(neg|pos)'\): accuracy 0\.\d+, F1 macro 0\.\d+, precision 0\.\d+, recall 0\.5000/);
    const files = readdirSync(at('out'));
    for (const f of ['config.json', 'model.safetensors', 'vocab.json', 'report.html', 'eval_results.json'])
      assert.ok(files.includes(f), `${f} missing: ${files}`);
    assert.equal(JSON.parse(readFileSync(at('out/config.json'), 'utf8')).model_type, 'use-lite');

    const predict = await runCli(['predict', '--model', at('out'), '--text', 'a really superb film', '--text', 'dull and ugly', '--threads', '1']);
    assert.equal(predict.code, 0, predict.stderr);
    const rows = predict.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { text: string; label: string; probs: Record<string, number> });
    assert.deepEqual(
      rows.map((r) => r.text),
      ['a really superb film', 'dull and ugly'],
    );
    for (const r of rows) assert.ok(['neg', 'pos'].includes(r.label));

    const evaluation = await runCli(['eval', '--model', at('out'), '--data', at('dev.tsv'), '--json', '--threads', '1']);
    assert.equal(evaluation.code, 0, evaluation.stderr);
    const result = JSON.parse(evaluation.stdout.trimEnd().split('\n').at(-1)!) as Record<string, number>;
    const saved = JSON.parse(readFileSync(at('out/eval_results.json'), 'utf8')) as Record<string, number>;
    assert.equal(result.eval_accuracy, saved.eval_accuracy);
  });

  it('evaluates on a built-in data set by name: its held-out test split, at the length the model was trained with', async () => {
    const train = await runCli([
      'train',
      '--model',
      at('model'),
      '--init',
      'random',
      '--data',
      'spam-assassin',
      '--max-steps',
      '2',
      '--max-length',
      '16',
      '--output',
      at('spam'),
      '--threads',
      '1',
      '--no-progress',
    ]);
    assert.equal(train.code, 0, train.stderr);
    const evaluation = await runCli(['eval', '--model', at('spam'), '--data', 'spam-assassin', '--json', '--threads', '1']);
    assert.equal(evaluation.code, 0, evaluation.stderr);
    const result = JSON.parse(evaluation.stdout.trimEnd().split('\n').at(-1)!) as Record<string, number>;
    const saved = JSON.parse(readFileSync(at('spam/eval_results.json'), 'utf8')) as Record<string, number>;
    // Training picked its checkpoint on a validation split and scored the set's test split once, as eval does.
    assert.equal(result.eval_samples, saved.test_samples);
    assert.equal(result.eval_loss, saved.test_loss);
    // A model trained on other labels: one line naming the example and the label it does not know.
    const mismatch = await runCli(['eval', '--model', at('out'), '--data', 'spam-assassin', '--threads', '1']);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /^finetune: spam-assassin: .*label '(ham|spam)' is not one of the 2 training labels/m);
  });

  it('starts from a config file of any name alone, with a word-level vocabulary built from the data', async () => {
    writeFileSync(
      at('tiny-use-lite.json'),
      JSON.stringify({ model_type: 'use-lite', embedding_size: 8, hidden_size: 8, intermediate_size: 16, num_attention_heads: 2 }),
    );
    const train = await runCli([
      'train',
      '--model',
      at('tiny-use-lite.json'),
      '--init',
      'random',
      '--data',
      at('train.tsv'),
      '--max-steps',
      '2',
      '--output',
      at('from-file'),
      '--threads',
      '1',
      '--no-progress',
    ]);
    assert.equal(train.code, 0, train.stderr);
    assert.match(train.stderr + train.stdout, /tiny-use-lite\.json: no tokenizer beside it; built a word-level vocabulary of \d+ tokens/);
    const config = JSON.parse(readFileSync(at('from-file/config.json'), 'utf8')) as Record<string, number>;
    assert.equal(config.hidden_size, 8);
    assert.ok(config.vocab_size! < 100, `vocab_size ${config.vocab_size}`);
  });
});
