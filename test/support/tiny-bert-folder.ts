// A temporary folder for CLI training tests: a tiny random BERT (model/config.json), synthetic TSV files, and the train arguments that use them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { TINY_BERT_CONFIG } from './run-cli.js';
import { syntheticExamples } from './tiny-classifier.js';

export interface TinyBertFolder {
  /** A path inside the folder. */
  at(name: string): string;
  /** `finetune train` on the tiny model from random weights, 1 thread, 24 tokens, `--data <data>`. */
  trainArgs(data?: string): string[];
}

/**
 * Makes the folder (removed after the test file) with model/config.json (TINY_BERT_CONFIG and `config`'s changes) and,
 * for each entry of `files`, a TSV of `[count, seed]` synthetic sentence/label rows.
 */
export function tinyBertFolder(
  prefix: string,
  files: Readonly<Record<string, readonly [count: number, seed: number]>>,
  config: Readonly<Record<string, unknown>> = {},
): TinyBertFolder {
  const root = mkdtempSync(join(tmpdir(), `finetune-${prefix}-`));
  after(() => rmSync(root, { recursive: true, force: true }));
  const at = (name: string): string => join(root, name);
  mkdirSync(at('model'));
  writeFileSync(at('model/config.json'), JSON.stringify({ ...TINY_BERT_CONFIG, ...config }));
  for (const [name, [count, seed]] of Object.entries(files)) {
    const rows = syntheticExamples(count, seed);
    writeFileSync(at(name), `sentence\tlabel\n${rows.map((e) => `${e.text}\t${e.label}`).join('\n')}\n`);
  }
  return {
    at,
    trainArgs: (data = 'train.tsv') => ['train', '--model', at('model'), '--init', 'random', '--threads', '1', '--max-length', '24', '--data', at(data)],
  };
}
