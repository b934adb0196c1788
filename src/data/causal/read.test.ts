// Reading causal LM data: fortune files, a document per line, text / prompt+completion / messages columns, and the errors naming file and row.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FinetuneError } from '../../errors.js';
import { readCausalData, splitFortunes } from './read.js';

const dir = mkdtempSync(join(tmpdir(), 'causal-read-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

test("fortune files split on '%' lines, keeping each quote's lines and attribution", async () => {
  assert.deepEqual(splitFortunes('A quote\n\t-- Someone\n%\nSecond\nline\n%\n%\n'), ['A quote\n\t-- Someone', 'Second\nline']);
  const rows = await readCausalData(file('science', 'One\n%\nTwo\n  -- X\n%\n'));
  assert.equal(rows.kind, 'text');
  assert.deepEqual(rows.kind === 'text' && rows.documents, ['One', 'Two\n  -- X']);
  assert.match(rows.layout, /fortune file/);
});

test('plain text is a document per non-blank line', async () => {
  const rows = await readCausalData(file('corpus.txt', 'first line\n\n  \nsecond line\r\n'));
  assert.deepEqual(rows.kind === 'text' && rows.documents, ['first line', 'second line']);
});

test('tables: a text column, prompt + completion columns, messages', async () => {
  const text = await readCausalData(file('t.csv', 'id,body\n1,hello there\n2,\n3,bye\n'), { textColumn: 'body' });
  assert.deepEqual(text.kind === 'text' && text.documents, ['hello there', 'bye']);
  const pairs = await readCausalData(file('p.jsonl', '{"prompt":"2+2=","completion":" 4"}\n'));
  assert.equal(pairs.kind, 'prompt-completion');
  assert.deepEqual(pairs.kind === 'prompt-completion' && pairs.pairs[0], { prompt: '2+2=', completion: ' 4', origin: `${join(dir, 'p.jsonl')}: line 1` });
  const chat = await readCausalData(file('c.jsonl', '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}\n'));
  assert.equal(chat.kind === 'chat' && chat.conversations[0]!.messages.length, 2);
});

test('bad rows fail in one line naming the file and row', async () => {
  const fails = async (path: string, text: string) =>
    assert.rejects(readCausalData(path), (e: Error) => e instanceof FinetuneError && e.message.includes(text) && !e.message.includes('\n'), text);
  const chat = file('bad.jsonl', '{"messages":[{"role":"user","content":"hi"}]}\n{"text":"no messages here"}\n');
  await fails(chat, `${chat}: line 2: no 'messages'`);
  const role = file('role.jsonl', '{"messages":[{"role":"bot","content":"hi"}]}\n');
  await fails(role, `${role}: line 1: message 1: unknown role 'bot'`);
  const half = file('half.jsonl', '{"prompt":"a"}\n');
  await fails(half, "a 'prompt' column without 'completion'");
  const none = file('none.csv', 'a,b\n1,2\n');
  await fails(none, `${none}: no 'text' column (columns: a, b)`);
  const pair = file('pair.jsonl', '{"prompt":"a","completion":null}\n');
  await fails(pair, `${pair}: line 1: 'completion' is missing`);
  await fails(file('empty.txt', '\n \n'), 'no text');
});
