// The causal run data: chat rows trained on assistant turns through the tokenizer's template, a split of the rows, mismatched evaluation files, the unigram baseline.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { llama3ChatTokenizer } from '../../data/causal/test-support.js';
import { FinetuneError } from '../../errors.js';
import { gpt2Tokenizer } from '../../tokenizers/gpt2.js';
import { causalRunData } from './causal-data.js';

const dir = mkdtempSync(join(tmpdir(), 'causal-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const chatRow = (i: number): string =>
  JSON.stringify({
    messages: [
      { role: 'user', content: `Question ${i}?` },
      { role: 'assistant', content: `Answer ${i}.` },
    ],
  });

test('chat rows split 80/20, encode with the tokenizer config template, and learn only the assistant turns', async () => {
  const data = write('chat.jsonl', `${Array.from({ length: 10 }, (_, i) => chatRow(i)).join('\n')}\n`);
  const run = await causalRunData({ data, evalSplit: 0.2, seed: 1 });
  assert.equal(run.trainCount, 8);
  assert.equal(run.evalCount, 2);
  assert.equal(run.head.kind, 'causal-lm');
  const { tokenizer } = llama3ChatTokenizer();
  const encoded = run.encode(tokenizer, 64);
  assert.equal(encoded.train.inputIds.length, 8);
  const answer = tokenizer.encode('Answer', undefined, { addSpecialTokens: false }).ids[0]!;
  for (const labels of encoded.train.labels) {
    const targets = [...labels].filter((l) => l !== -100);
    assert.equal(targets[0], answer, 'the first target is the assistant reply');
    assert.equal(targets.at(-1), 50260, 'the reply ends with <|eot_id|>, which trains');
  }
  assert.deepEqual(encoded.notes, [`${data}: 8 examples`, `validation split (20% of ${data}'s conversations, seed 1): 2 examples`]);
  assert.match(run.baseline(encoded.evaluation!)!, /^unigram baseline .*perplexity \d/);
});

test('an evaluation file of another kind, and chat data without a template, fail naming the file', async () => {
  const chat = write('c.jsonl', `${chatRow(1)}\n${chatRow(2)}\n`);
  const text = write('t.txt', 'one line\nanother line\n');
  await assert.rejects(
    causalRunData({ data: chat, evalData: text, seed: 0 }),
    (e: Error) => e instanceof FinetuneError && e.message === `${text}: documents, but the training data holds conversations`,
  );
  const run = await causalRunData({ data: chat, evalSplit: 0, seed: 0 });
  assert.throws(() => run.encode(gpt2Tokenizer(), 32), /chat data needs the tokenizer's chat_template/);
});

test('prompt/completion data counts the examples truncation leaves without a target', async () => {
  const rows = [JSON.stringify({ prompt: 'word '.repeat(40), completion: ' lost' }), JSON.stringify({ prompt: 'Hi', completion: ' there' })];
  const data = write('p.jsonl', `${rows.join('\n')}\n`);
  const run = await causalRunData({ data, evalSplit: 0, seed: 0 });
  const encoded = run.encode(gpt2Tokenizer(), 16);
  assert.equal(encoded.train.inputIds.length, 1);
  assert.deepEqual(encoded.warnings, [
    `${data}: 1 example left without a target token by --max-length 16 dropped`,
    `${data}: --max-length 16 cut 27 tokens from the ends of long examples`,
  ]);
});
