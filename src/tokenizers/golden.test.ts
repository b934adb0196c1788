// Golden tests: ids, segment ids and masks equal transformers' for the tokenizers scripts/make-tokenizer-golden.py built.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTokenizer } from './load.js';
import type { TextTokenizer } from './types.js';

export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tokenizers/', import.meta.url));

interface GoldenCase {
  readonly text: string;
  readonly pair?: string;
  readonly maxLength?: number;
  readonly addSpecialTokens?: boolean;
  readonly ids: number[];
  readonly typeIds: number[];
  readonly attentionMask: number[];
}

function readGolden(name: string): { folders: string[]; cases: GoldenCase[] } {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.golden.json`), 'utf8')) as { folders: string[]; cases: GoldenCase[] };
}

function describeCase(tokenizer: TextTokenizer, c: GoldenCase, got: readonly number[]): string {
  const show = (ids: readonly number[]): string => ids.map((id) => tokenizer.idToToken(id)).join(' | ');
  return `${JSON.stringify({ text: c.text, pair: c.pair, maxLength: c.maxLength })}\n  want ${show(c.ids)}\n  got  ${show(got)}`;
}

async function checkGolden(name: string): Promise<void> {
  const golden = readGolden(name);
  for (const folder of golden.folders) {
    const tokenizer = await loadTokenizer(join(FIXTURES, folder));
    const failures: string[] = [];
    for (const c of golden.cases) {
      const options = {
        ...(c.maxLength !== undefined ? { maxLength: c.maxLength } : {}),
        ...(c.addSpecialTokens !== undefined ? { addSpecialTokens: c.addSpecialTokens } : {}),
      };
      const got = tokenizer.encode(c.text, c.pair, options);
      const same = JSON.stringify([got.ids, got.typeIds, got.attentionMask]) === JSON.stringify([c.ids, c.typeIds, c.attentionMask]);
      if (!same) failures.push(describeCase(tokenizer, c, got.ids));
    }
    assert.equal(failures.length, 0, `${folder}: ${failures.length} of ${golden.cases.length} cases differ:\n${failures.slice(0, 8).join('\n')}`);
  }
}

for (const name of ['wordpiece', 'wordpiece-vocab', 'wordpiece-vocab-cased', 'bpe', 'bpe-vocab', 'unigram', 'wordlevel']) {
  test(`${name}: every golden case matches transformers`, () => checkGolden(name));
}
