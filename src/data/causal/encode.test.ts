// Causal LM data against TRL 1.13's SFTTrainer (chat with assistant-only loss, prompt/completion) and run_clm's packing by hand.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FinetuneError } from '../../errors.js';
import { gpt2Tokenizer } from '../../tokenizers/gpt2.js';
import type { ChatMessage } from './chat-template.js';
import { encodeConversations, encodePromptCompletions, IGNORE_INDEX, packDocuments } from './encode.js';
import { causalSpecials } from './specials.js';
import { llama3ChatTokenizer } from './test-support.js';

const root = new URL('../../../../', import.meta.url);
const json = <T>(path: string): T => JSON.parse(readFileSync(new URL(path, root), 'utf8')) as T;
const gpt2 = gpt2Tokenizer();
const gpt2Specials = causalSpecials(gpt2, 'gpt2');

interface Examples {
  max_length: number;
  examples: { input_ids: number[]; labels: number[] }[];
}

test('chat rows with the Llama 3 template give the token ids and assistant-only labels of TRL SFTTrainer(assistant_only_loss=True)', () => {
  const golden = json<Examples & { conversations: ChatMessage[][] }>('test/golden/causal/sft-chat.json');
  const { tokenizer, template, specials } = llama3ChatTokenizer();
  const encoded = encodeConversations(
    golden.conversations.map((messages) => ({ messages })),
    tokenizer,
    { maxLength: golden.max_length, specials, chatTemplate: template },
  );
  assert.equal(encoded.data.inputIds.length, golden.examples.length);
  golden.examples.forEach((example, i) => {
    assert.deepEqual([...encoded.data.inputIds[i]!], example.input_ids, `conversation ${i + 1} ids`);
    assert.deepEqual([...encoded.data.labels[i]!], example.labels, `conversation ${i + 1} labels`);
  });
  assert.ok(encoded.droppedTokens > 0, 'the long conversations were truncated');
});

test('prompt/completion rows give the ids and completion-only labels of TRL SFTTrainer, dropping rows truncation leaves without a target', () => {
  const golden = json<Examples & { rows: { prompt: string; completion: string }[] }>('test/golden/causal/sft-prompt-completion.json');
  const encoded = encodePromptCompletions(golden.rows, gpt2, { maxLength: golden.max_length, specials: gpt2Specials });
  assert.equal(encoded.droppedExamples, golden.rows.length - golden.examples.length);
  golden.examples.forEach((example, i) => {
    assert.deepEqual([...encoded.data.inputIds[i]!], example.input_ids, `row ${i + 1} ids`);
    assert.deepEqual([...encoded.data.labels[i]!], example.labels, `row ${i + 1} labels`);
  });
});

test('documents pack into full blocks with EOS after each, the remainder dropped (run_clm group_texts)', () => {
  const docs = ['Hello world', 'A second document.<|endoftext|>', 'Third'];
  const stream = [
    ...gpt2.encode('Hello world<|endoftext|>').ids,
    ...gpt2.encode('A second document.<|endoftext|>').ids,
    ...gpt2.encode('Third<|endoftext|>').ids,
  ];
  assert.equal(stream.filter((id) => id === gpt2Specials.eosId).length, 3, 'one EOS per document, none doubled');
  const encoded = packDocuments(docs, gpt2, { maxLength: 4, specials: gpt2Specials });
  const blocks = Math.floor(stream.length / 4);
  assert.equal(encoded.data.inputIds.length, blocks);
  assert.equal(encoded.droppedTokens, stream.length - blocks * 4);
  encoded.data.inputIds.forEach((block, b) => {
    assert.deepEqual([...block], stream.slice(b * 4, b * 4 + 4));
    assert.deepEqual([...encoded.data.labels[b]!], [...block], 'labels are the ids; the loss shifts');
  });
  assert.throws(
    () => packDocuments(['hi'], gpt2, { maxLength: 64, specials: gpt2Specials, source: 'tiny.txt' }),
    (e: Error) => e instanceof FinetuneError && e.message.startsWith('tiny.txt: 2 tokens in 1 documents, fewer than one block'),
  );
});

test('chat errors name the row: unknown role, no assistant turn, template errors, a template without generation markers', () => {
  const { tokenizer, template, specials } = llama3ChatTokenizer();
  const options = { maxLength: 64, specials, chatTemplate: template };
  const fails = (rows: { messages: ChatMessage[]; origin?: string }[], text: string, opts = options) =>
    assert.throws(
      () => encodeConversations(rows, tokenizer, opts),
      (e: Error) => e instanceof FinetuneError && e.message.includes(text) && !e.message.includes('\n'),
      text,
    );
  fails([{ messages: [{ role: 'wizard', content: 'hi' }], origin: 'c.jsonl: line 2' }], "c.jsonl: line 2: message 1: unknown role 'wizard'");
  fails([{ messages: [{ role: 'user', content: 'hi' }], origin: 'c.jsonl: line 5' }], 'c.jsonl: line 5: no assistant tokens');
  fails([{ messages: [{ role: 'user', content: 'hi' }] }], 'chat template error', {
    ...options,
    chatTemplate: '{% generation %}{% for m in messages %}{{ m.content }',
  });
  fails([{ messages: [{ role: 'user', content: 'hi' }] }], 'chat template error: no system', {
    ...options,
    chatTemplate: "{% generation %}{{ raise_exception('no system') }}{% endgeneration %}",
  });
  fails([{ messages: [{ role: 'user', content: 'hi' }] }], 'has no {% generation %} markers', {
    ...options,
    chatTemplate: '{% for m in messages %}{{ m.content }}{% endfor %}',
  });
});

test('without assistant-only loss every token of a chat is a target', () => {
  const { tokenizer, template, specials } = llama3ChatTokenizer();
  const messages = [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'hello' },
  ];
  const encoded = encodeConversations([{ messages }], tokenizer, { maxLength: 64, specials, chatTemplate: template, assistantOnlyLoss: false });
  assert.ok(!encoded.data.labels[0]!.includes(IGNORE_INDEX));
  assert.equal(encoded.data.inputIds[0]![0], 50257, 'the template writes the BOS token');
});
