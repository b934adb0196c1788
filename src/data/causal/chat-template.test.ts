// renderChat: transformers' rendering of a real chat template, generation spans under whitespace control, and errors that name the row.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FinetuneError } from '../../errors.js';
import { type ChatMessage, hasGenerationMarkers, renderChat, trainingChatTemplate } from './chat-template.js';
import { LLAMA3_CHAT_TEMPLATE, LLAMA3_TRAINING_CHAT_TEMPLATE } from './training-templates.js';

const root = new URL('../../../../', import.meta.url);
const golden = JSON.parse(readFileSync(new URL('test/golden/causal/sft-chat.json', root), 'utf8')) as { conversations: ChatMessage[][]; rendered: string[] };
const config = JSON.parse(readFileSync(new URL('test/fixtures/causal/llama3-tokenizer_config.json', root), 'utf8')) as Record<string, string>;
const specialTokens = { bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>' };

test("the fixture's chat_template is Llama 3's, and both it and TRL's training variant render as transformers' apply_chat_template", () => {
  assert.equal(config.chat_template, LLAMA3_CHAT_TEMPLATE);
  golden.conversations.forEach((messages, i) => {
    assert.equal(renderChat(LLAMA3_CHAT_TEMPLATE, messages, { specialTokens }).text, golden.rendered[i]);
    const training = renderChat(LLAMA3_TRAINING_CHAT_TEMPLATE, messages, { specialTokens });
    assert.equal(training.text, golden.rendered[i]);
    const assistants = messages.filter((m) => m.role === 'assistant');
    assert.deepEqual(
      training.generation.map(([s, e]) => training.text.slice(s, e)),
      assistants.map((m) => `${m.content.trim()}<|eot_id|>`),
    );
  });
});

test('a generation prompt ends with the assistant header', () => {
  const out = renderChat(LLAMA3_CHAT_TEMPLATE, [{ role: 'user', content: 'hi' }], { specialTokens, addGenerationPrompt: true });
  assert.ok(out.text.endsWith('<|start_header_id|>assistant<|end_header_id|>\n\n'));
  assert.deepEqual(out.generation, []);
});

test('generation tags follow trim_blocks, lstrip_blocks and - whitespace control as block tags do', () => {
  const messages = [{ role: 'assistant', content: 'ok' }];
  const lines = '{% for m in messages %}\n  {% generation %}\n[{{ m.content }}]\n  {% endgeneration %}\n{% endfor %}';
  const a = renderChat(lines, messages);
  assert.equal(a.text, '[ok]\n');
  assert.deepEqual(a.generation, [[0, 5]]);
  const dashes = '{% for m in messages %}A  {%- generation -%}  [{{ m.content }}]  {%- endgeneration %}B{% endfor %}';
  const b = renderChat(dashes, messages);
  assert.equal(b.text, 'A[ok]B');
  assert.deepEqual(b.generation, [[1, 5]]);
  assert.ok(hasGenerationMarkers(dashes) && !hasGenerationMarkers(LLAMA3_CHAT_TEMPLATE));
});

test('the training template is the template with markers, TRL’s variant of Llama 3, or an error naming the source', () => {
  assert.equal(trainingChatTemplate(LLAMA3_CHAT_TEMPLATE), LLAMA3_TRAINING_CHAT_TEMPLATE);
  assert.equal(trainingChatTemplate(LLAMA3_TRAINING_CHAT_TEMPLATE), LLAMA3_TRAINING_CHAT_TEMPLATE);
  assert.throws(() => trainingChatTemplate('{{ messages }}', 'm/tokenizer_config.json'), /^FinetuneError: m\/tokenizer_config.json: the chat template has no/);
});

test('malformed messages and template errors are one line naming the source', () => {
  const fails = (messages: unknown, text: string, template = LLAMA3_CHAT_TEMPLATE) =>
    assert.throws(
      () => renderChat(template, messages as ChatMessage[], { source: 'chat.jsonl: line 7', specialTokens }),
      (e: Error) => e instanceof FinetuneError && e.message.startsWith('chat.jsonl: line 7: ') && e.message.includes(text) && !e.message.includes('\n'),
      text,
    );
  fails('hello', "'messages' must be a list");
  fails([], "'messages' is empty");
  fails([{ role: 'user' }], "message 1: 'content' must be a string");
  fails([{ role: 'user', content: 'a' }, { content: 'b' }], "message 2: 'role' must be a string");
  fails([{ role: 'robot', content: 'a' }], "unknown role 'robot'");
  fails([{ role: 'user', content: 'a\uE000' }], 'U+E000');
  fails([{ role: 'user', content: 'a' }], 'chat template error', '{% if %}');
  fails([{ role: 'user', content: 'a' }], 'chat template error: roles must alternate', "{{ raise_exception('roles must alternate') }}");
});
