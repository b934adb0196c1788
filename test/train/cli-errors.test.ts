// Bad inputs to `finetune train`: one line on stderr, exit code 1, and an existing output folder left exactly as it was.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, TINY_BERT_CONFIG } from '../support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-cli-errors-'));
after(() => rmSync(root, { recursive: true, force: true }));
const at = (name: string): string => join(root, name);

/** Every file under `dir` with its bytes, to prove a folder did not change. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

const ROWS = ['great fun', 'awful mess', 'lovely film', 'dull plot', 'superb cast', 'boring story', 'nice music', 'ugly scenes'];

before(() => {
  mkdirSync(at('model'));
  writeFileSync(at('model/config.json'), JSON.stringify(TINY_BERT_CONFIG));
  writeFileSync(at('ok.tsv'), `text\tlabel\n${ROWS.map((t, i) => `${t}\t${i % 2 === 0 ? 'pos' : 'neg'}`).join('\n')}\n`);
  writeFileSync(at('empty.tsv'), '');
  writeFileSync(at('short.tsv'), 'text\tlabel\ngreat fun\tpos\nawful mess\n');
  writeFileSync(at('unseen.tsv'), 'text\tlabel\ngreat\tpos\nfine\tmaybe\n');
  writeFileSync(at('nolabel.tsv'), 'text\nonly text\nmore text\n');
  writeFileSync(at('binary.tsv'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0]));
  writeFileSync(at('a-file'), 'not a folder');
  mkdirSync(at('noweights'));
  copyFileSync(at('model/config.json'), at('noweights/config.json'));
  // A previous run's folder that a mistaken command must not damage.
  mkdirSync(at('previous/checkpoints/checkpoint-10'), { recursive: true });
  writeFileSync(at('previous/model.safetensors'), 'weights of an earlier run');
  writeFileSync(at('previous/checkpoints/checkpoint-10/trainer_state.json'), '{"global_step":10}');
});

const cases: [string, string[], RegExp][] = [
  ['an empty file', ['--data', at('empty.tsv')], /empty\.tsv: empty file$/],
  ['a misnamed label column', ['--data', at('ok.tsv'), '--label-column', 'rating'], /ok\.tsv: no label column 'rating' \(columns: 'text', 'label'\)$/],
  ['a missing label column', ['--data', at('nolabel.tsv')], /nolabel\.tsv: cannot tell which column holds the labels/],
  ['a row with too few fields', ['--data', at('short.tsv')], /short\.tsv: line 3 .*1 tab-separated fields, expected 2/],
  [
    'an evaluation label training never saw',
    ['--data', at('ok.tsv'), '--eval-data', at('unseen.tsv')],
    /unseen\.tsv: line 3: label 'maybe' is not one of the 2 training labels \(neg, pos\)$/,
  ],
  ['a binary file given as data', ['--data', at('binary.tsv')], /binary\.tsv: binary data .*not TSV text$/],
  ['a data file that does not exist', ['--data', at('missing.tsv')], /missing\.tsv: no such file$/],
  ['a model folder without weights', ['--data', at('ok.tsv'), '--model', at('noweights'), '--init', 'pretrained'], /noweights: no weights file/],
  ['a bad option value', ['--data', at('ok.tsv'), '--batch-size', '0'], /--batch-size: 0 must be an integer >= 1$/],
];

describe('finetune train with bad inputs', () => {
  for (const [name, args, message] of cases) {
    it(`${name}: one line, exit code 1, the output folder untouched`, async () => {
      const before = snapshot(at('previous'));
      const run = await runCli(['train', '--model', at('model'), '--init', 'random', '--output', at('previous'), '--overwrite', ...args]);
      assert.equal(run.code, 1, run.stderr);
      const lines = run.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, /^finetune: /);
      assert.match(lines[0]!, message);
      assert.deepEqual(snapshot(at('previous')), before);
    });
  }

  it('--output pointing at a file, or at a previous run without --resume', async () => {
    const file = await runCli(['train', '--model', at('model'), '--init', 'random', '--data', at('ok.tsv'), '--output', at('a-file')]);
    assert.equal(file.code, 1);
    assert.match(file.stderr, /^finetune: --output .*a-file: is a file, expected a folder\n$/);
    assert.equal(readFileSync(at('a-file'), 'utf8'), 'not a folder');
    const before = snapshot(at('previous'));
    const busy = await runCli(['train', '--model', at('model'), '--init', 'random', '--data', at('ok.tsv'), '--output', at('previous')]);
    assert.equal(busy.code, 1);
    assert.match(
      busy.stderr,
      /^finetune: --output .*previous: the folder is not empty \(a previous run\?\); choose another folder, or pass --resume to continue it\n$/,
    );
    assert.deepEqual(snapshot(at('previous')), before);
  });

  it('early stopping without evaluation data, and a missing --model', async () => {
    const run = await runCli([
      'train',
      '--model',
      at('model'),
      '--init',
      'random',
      '--data',
      at('ok.tsv'),
      '--eval-split',
      '0',
      '--early-stopping',
      '2',
      '--output',
      at('new'),
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^finetune: --early-stopping needs evaluation data: give --eval-data or an --eval-split above 0\n$/);
    const usage = await runCli(['train', '--data', at('ok.tsv')]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--model is required/);
    assert.throws(() => statSync(at('new')));
  });
});
