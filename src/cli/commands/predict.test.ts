// Tests for `finetune predict`: JSONL per input from --text and --data, pairs, and bad command lines.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { FinetuneError, UsageError } from '../../errors.js';
import { Flags, parseFlags } from '../args.js';
import { predictCommand, runPredict, stdinInputs } from './predict.js';

const GOLDEN = fileURLToPath(new URL('../../../../test/golden/models/', import.meta.url));
const BIN = fileURLToPath(new URL('../../../../bin/finetune.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'finetune-predict-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Row {
  text: string;
  text_pair?: string;
  label: string;
  score: number;
  probs: number[];
  logits: number[];
}

async function predict(argv: string[]): Promise<{ rows: Row[]; err: string; result: unknown }> {
  const { flags, positional } = parseFlags(argv, predictCommand.flags);
  let out = '';
  let err = '';
  const result = await runPredict({ flags: new Flags(flags), positional, log: () => {} }, { out: (t) => (out += t), err: (t) => (err += t) });
  return {
    rows: out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Row),
    err,
    result,
  };
}

describe('finetune predict', () => {
  it('writes one JSON object per --text (commas kept) with label, score, probs and logits', async () => {
    const { rows, err, result } = await predict(['--model', `${GOLDEN}bert`, '--text', 'A gorgeous, witty, seductive movie.', '--text', 'dull']);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.text, 'A gorgeous, witty, seductive movie.');
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), ['text', 'label', 'score', 'probs', 'classes', 'logits']);
      assert.deepEqual((row as Row & { classes: string[] }).classes, ['neg', 'neu', 'pos']);
      assert.ok(['neg', 'neu', 'pos'].includes(row.label));
      assert.equal(row.probs.length, 3);
      assert.ok(Math.abs(row.probs.reduce((a, b) => a + b, 0) - 1) < 1e-9);
      assert.equal(row.score, Math.max(...row.probs));
    }
    assert.match(err, /predicted 2 inputs: /);
    assert.deepEqual((result as { predictions: number }).predictions, 2);
  });

  it("gives transformers' logits for the golden texts, and pairs from --text-pair", async () => {
    const golden = (await import(`${GOLDEN}bert/expected.json`, { with: { type: 'json' } })).default as {
      batches: Record<string, { texts: string[]; text_pairs?: string[]; logits: number[][] }>;
    };
    const single = golden.batches.single!;
    const { rows } = await predict(['--model', `${GOLDEN}bert`, '--max-length', '24', ...single.texts.flatMap((t) => ['--text', t])]);
    rows.forEach((row, i) => row.logits.forEach((v, j) => assert.ok(Math.abs(v - single.logits[i]![j]!) < 1e-4)));
    const pair = golden.batches.pair!;
    const args = pair.texts.flatMap((t, i) => ['--text', t, '--text-pair', pair.text_pairs![i]!]);
    const paired = await predict(['--model', `${GOLDEN}bert`, '--max-length', '24', ...args]);
    paired.rows.forEach((row, i) => {
      assert.equal(row.text_pair, pair.text_pairs![i]);
      row.logits.forEach((v, j) => assert.ok(Math.abs(v - pair.logits[i]![j]!) < 1e-4));
    });
  });

  it('reads --data: a .txt file line by line, a CSV by its text column', async () => {
    const txt = join(root, 'texts.txt');
    writeFileSync(txt, 'great fun\n\nawful, just awful\n');
    const fromTxt = await predict(['--model', `${GOLDEN}distilbert`, '--data', txt, '--batch-size', '1']);
    assert.deepEqual(
      fromTxt.rows.map((r) => r.text),
      ['great fun', 'awful, just awful'],
    );
    const csv = join(root, 'texts.csv');
    writeFileSync(csv, 'id,review\n1,"great fun"\n2,"awful, just awful"\n');
    const fromCsv = await predict(['--model', `${GOLDEN}distilbert`, '--data', csv]);
    assert.deepEqual(
      fromCsv.rows.map((r) => r.text),
      ['great fun', 'awful, just awful'],
    );
    fromCsv.rows.forEach((row, i) => row.logits.forEach((v, j) => assert.ok(Math.abs(v - fromTxt.rows[i]!.logits[j]!) < 1e-5, 'batched like one by one')));
    await assert.rejects(
      predict(['--model', `${GOLDEN}bert`, '--data', csv, '--text-column', 'body']),
      /texts\.csv: no text column 'body' \(columns: 'id', 'review'\)/,
    );
  });

  it('rejects incomplete command lines and models without a tokenizer', async () => {
    await assert.rejects(predict(['--text', 'x']), (e: Error) => e instanceof UsageError && /--model is required/.test(e.message));
    await assert.rejects(predict(['--model', `${GOLDEN}bert`]), (e: Error) => e instanceof UsageError);
    await assert.rejects(predict(['--model', `${GOLDEN}bert`, '--text', 'a', '--text', 'b', '--text-pair', 'c']), /2 --text but 1 --text-pair/);
    await assert.rejects(
      predict(['--model', `${GOLDEN}bert-bin`, '--text', 'a']),
      (e: Error) => e instanceof FinetuneError && /no tokenizer files/.test(e.message),
    );
  });

  it('runs as a command: JSONL on stdout, exit code 1 with one line for a bad model', () => {
    const ok = spawnSync(process.execPath, [BIN, 'predict', '--model', `${GOLDEN}roberta`, '--text', 'fine, thanks', '--text', 'no'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    const lines = ok.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.equal((JSON.parse(lines[0]!) as Row).text, 'fine, thanks');
    const bad = spawnSync(process.execPath, [BIN, 'predict', '--model', join(root, 'missing'), '--text', 'x'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /missing: no such folder/);
  });

  it('--data - reads standard input: JSON Lines with a text column, or one text per line', () => {
    const jsonl = spawnSync(process.execPath, [BIN, 'predict', '--model', `${GOLDEN}bert`, '--data', '-'], {
      input: '{"id": 1, "sentence": "dull"}\n{"id": 2, "sentence": "A gorgeous, witty movie."}\n',
      encoding: 'utf8',
    });
    assert.equal(jsonl.status, 0, jsonl.stderr);
    assert.deepEqual(
      jsonl.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).text),
      ['dull', 'A gorgeous, witty movie.'],
    );
    const lines = spawnSync(process.execPath, [BIN, 'predict', '--model', `${GOLDEN}bert`, '--data', '-'], { input: 'dull\n\n{not json\n', encoding: 'utf8' });
    assert.equal(lines.status, 0, lines.stderr);
    assert.deepEqual(
      lines.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).text),
      ['dull', '{not json'],
    );
    assert.deepEqual(stdinInputs('{"a": "x", "b": "y"}\n', 'b'), [{ text: 'y' }]);
    assert.throws(() => stdinInputs('plain text\n', 'b'), /--data -: line 1 is not a JSON object, so there are no columns for --text-column/);
    assert.throws(() => stdinInputs('{"a": "x", "b": "y"}\n'), /standard input: cannot tell which column holds the text/);
  });
});
