// --test-data: scored once after training, reported as test in the output, eval_results.json and report.html, and without any effect on training.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { lastJson, runCli } from '../support/run-cli.js';
import { tinyBertFolder } from '../support/tiny-bert-folder.js';

const { at, trainArgs } = tinyBertFolder('test-data', { 'train.tsv': [120, 31], 'dev.tsv': [40, 32], 'test.tsv': [30, 33] });
const read = (path: string): Record<string, unknown> => JSON.parse(readFileSync(at(path), 'utf8'));

const run = (output: string, extra: readonly string[]): ReturnType<typeof runCli> =>
  runCli([...trainArgs(), '--eval-data', at('dev.tsv'), '--output', at(output), '--epochs', '2', '--lr', '3e-3', '--no-progress', ...extra]);

describe('--test-data', () => {
  it('is scored once after training and reported as test; training and the chosen checkpoint are the same without it', async () => {
    const withTest = await run('with', ['--test-data', at('test.tsv'), '--json']);
    assert.equal(withTest.code, 0, withTest.stderr);
    const without = await run('without', []);
    assert.equal(without.code, 0, without.stderr);
    const timeless = (folder: string): unknown =>
      (read(`${folder}/trainer_state.json`).log_history as Record<string, unknown>[]).map((e) =>
        Object.fromEntries(Object.entries(e).filter(([k]) => !/runtime|per_second/.test(k))),
      );
    assert.deepEqual(timeless('with'), timeless('without'));
    assert.ok(!JSON.stringify(read('with/trainer_state.json')).includes('test_'), 'the test data is not evaluated during training');

    const result = lastJson(withTest.stdout);
    assert.equal(result.test_samples, 30);
    assert.equal(result.eval_samples, 40);
    assert.equal(typeof result.test_accuracy, 'number');
    assert.equal(typeof result.test_f1_macro, 'number');
    const scores = read('with/eval_results.json');
    assert.equal(scores.test_accuracy, result.test_accuracy);
    assert.equal(scores.eval_accuracy, result.eval_accuracy);
    assert.ok(Array.isArray(scores.test_confusion_matrix));
    assert.match(withTest.stderr, new RegExp(`test on ${at('test.tsv').replace(/[/\\.]/g, '\\$&')}: `));
    assert.match(withTest.stderr, /test majority-class baseline/);
    assert.match(readFileSync(at('with/report.html'), 'utf8'), /<h2>Test on [^<]*test\.tsv \(30 examples, scored once after training\)<\/h2>/);
    assert.equal(read('with/training_args.json').test_data, at('test.tsv'));
    // The report's run sections: settings, the data per split, the baseline and the wrong predictions.
    const report = readFileSync(at('with/report.html'), 'utf8');
    assert.match(report, /<h2>Hyperparameters<\/h2>\n<table class="summary"><tr><td>epochs<\/td><td class="name">2<\/td>/);
    assert.match(report, /<p>Columns: text &#39;sentence&#39;, label &#39;label&#39;<\/p>/);
    assert.match(report, /<th>training<\/th><th>validation<\/th><th>test<\/th>/);
    assert.match(report, /<th class="name">examples<\/th><th>120<\/th><th>40<\/th><th>30<\/th>/);
    assert.match(report, /majority-class baseline/);
    assert.match(report, /aria-label="Gradient norm \(before clipping\)"/);
    const accuracy = result.eval_accuracy as number;
    if (accuracy < 1) assert.match(report, /<h2>The \d+ most confidently wrong validation examples<\/h2>/);
    assert.equal(read('without/eval_results.json').test_accuracy, undefined);
  });

  it('a test file that cannot be read is refused before the output folder is made', async () => {
    const failed = await run('missing', ['--test-data', at('nope.tsv')]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /nope\.tsv/);
    assert.throws(() => readFileSync(at('missing/training_args.json')));
  });
});
