// /dev/zero (or a link to it) given to the CLI as data, config, tokenizer, weights or --config: exit 1 within 2 s, one line.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/run-cli.js';
import { syntheticExamples } from '../support/tiny-classifier.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-hostile-'));
after(() => rmSync(root, { recursive: true, force: true }));
const at = (name: string): string => join(root, name);
const golden = fileURLToPath(new URL('../../../test/golden/models/bert', import.meta.url));

/** A model folder whose files link to the golden BERT's, except `hostile`, which links to /dev/zero. */
function modelWith(hostile: string): string {
  const folder = at(`model-${hostile}`);
  mkdirSync(folder);
  for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'special_tokens_map.json']) {
    symlinkSync(file === hostile ? '/dev/zero' : join(golden, file), join(folder, file));
  }
  return folder;
}

before(() => {
  writeFileSync(
    at('train.tsv'),
    `sentence\tlabel\n${syntheticExamples(20, 1)
      .map((e) => `${e.text}\t${e.label}`)
      .join('\n')}\n`,
  );
  symlinkSync('/dev/zero', at('zero.csv'));
  symlinkSync('/dev/zero', at('zero.yaml'));
});

describe('hostile files given to the CLI', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['--data /dev/zero', () => ['train', '--model', golden, '--data', '/dev/zero'], /^finetune: \/dev\/zero: is a character device, expected a data file$/],
    ['--data as a link to /dev/zero', () => ['train', '--model', golden, '--data', at('zero.csv')], /zero\.csv: is a character device, expected a data file$/],
    [
      'config.json linked to /dev/zero',
      () => ['train', '--model', modelWith('config.json'), '--data', at('train.tsv')],
      /config\.json: is a character device, expected a config file$/,
    ],
    [
      'tokenizer.json linked to /dev/zero',
      () => ['train', '--model', modelWith('tokenizer.json'), '--data', at('train.tsv')],
      /tokenizer\.json: is a character device, expected a tokenizer file$/,
    ],
    [
      'model.safetensors linked to /dev/zero',
      () => ['train', '--model', modelWith('model.safetensors'), '--data', at('train.tsv')],
      /model\.safetensors: is a character device, expected a weights file$/,
    ],
    ['--config linked to /dev/zero', () => ['train', '--config', at('zero.yaml')], /zero\.yaml: is a character device, expected a config file$/],
    [
      'predict --data /dev/zero',
      () => ['predict', '--model', golden, '--data', '/dev/zero'],
      /^finetune: \/dev\/zero: is a character device, expected a data file$/,
    ],
  ];
  for (const [name, args, message] of cases) {
    it(`${name}: exit 1 within 2 s with one line`, async () => {
      const started = Date.now();
      const argv = args();
      const run = await runCli(argv[0] === 'train' ? [...argv, '--output', at(`out-${name.replace(/\W+/g, '-')}`)] : argv);
      const elapsed = Date.now() - started;
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
      assert.match(run.stderr.trimEnd(), message);
      assert.ok(elapsed < 2000, `took ${elapsed} ms`);
    });
  }
});
