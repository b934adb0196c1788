// Tests for `finetune generate`: streamed text, --json tokens, --chat through the chat template, --adapter, bad command lines.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FinetuneError, UsageError } from '../../errors.js';
import { generateTokenIds } from '../../generate/generate.js';
import { CAUSAL_GOLDEN, loadGoldenModel } from '../../models/causal/test-support.js';
import type { CausalLMModel } from '../../models/causal/types.js';
import { loadClassifierWithAdapter } from '../../peft/lora/load-model.js';
import { buildWordLevelTokenizer } from '../../tokenizers/word-level.js';
import { Flags, parseFlags } from '../args.js';
import { generateCommand, readChatFile, runGenerate } from './generate.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-generate-'));
after(() => rmSync(root, { recursive: true, force: true }));
const model = join(root, 'gpt2');
const TEMPLATE = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }} {% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

before(async () => {
  // The tiny GPT-2 with a word-level vocabulary of its 96 ids (5 specials + w0..w90) and a chat template.
  cpSync(join(CAUSAL_GOLDEN, 'gpt2'), model, { recursive: true });
  const words = Array.from({ length: 88 }, (_, i) => `w${i}`);
  const tokenizer = buildWordLevelTokenizer([[...words, 'user', 'assistant', ':'].join(' ')], { minFrequency: 1 });
  await tokenizer.save(model);
  const configPath = join(model, 'tokenizer_config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  writeFileSync(configPath, JSON.stringify({ ...config, eos_token: '[SEP]', chat_template: TEMPLATE }));
});

async function generate(argv: string[]): Promise<{ out: string; result: Record<string, unknown> }> {
  const { flags, positional } = parseFlags(argv, generateCommand.flags);
  let out = '';
  const result = (await runGenerate({ flags: new Flags(flags), positional, log: () => {} }, { out: (t) => (out += t) })) as Record<string, unknown>;
  return { out, result };
}

describe('finetune generate', () => {
  it('streams the text of greedy decoding and reports the tokens', async () => {
    const { out, result } = await generate(['--model', model, '--prompt', 'w1 w2 w3', '--max-new-tokens', '6']);
    const golden = await loadGoldenModel('gpt2');
    const expected = [...generateTokenIds(golden, result.prompt_tokens as number[], { maxNewTokens: 6 })];
    assert.deepEqual(result.tokens, expected);
    assert.equal(out, `${result.text}\n`);
    assert.ok(['length', 'eos'].includes(result.finish_reason as string));
    const json = await generate(['--model', model, '--prompt', 'w1 w2 w3', '--max-new-tokens', '6', '--json', '--no-cache']);
    assert.equal(json.out, '');
    assert.deepEqual(json.result.tokens, expected);
  });

  it('answers a --chat conversation rendered with the chat template, and samples reproducibly from a seed', async () => {
    const chat = join(root, 'chat.jsonl');
    writeFileSync(chat, `${JSON.stringify({ role: 'user', content: 'w4 w5' })}\n`);
    const { result } = await generate(['--model', model, '--chat', chat, '--max-new-tokens', '4', '--temperature', '1', '--seed', '3']);
    const again = await generate(['--model', model, '--chat', chat, '--max-new-tokens', '4', '--temperature', '1', '--seed', '3']);
    assert.deepEqual(again.result.tokens, result.tokens);
    // "user: w4 w5 assistant:" in word-level ids (user, :, w4, w5, assistant, :), no [CLS] / [SEP] added (the template owns special tokens).
    assert.equal((result.prompt_tokens as number[]).length, 6);
    assert.ok(!(result.prompt_tokens as number[]).some((id) => id < 5));
  });

  it('puts a LoRA adapter on the model with --adapter', async () => {
    const adapter = join(CAUSAL_GOLDEN, 'gpt2-lora');
    const { result } = await generate(['--model', model, '--adapter', adapter, '--prompt', 'w9 w8', '--max-new-tokens', '8', '--json']);
    const loaded = await loadClassifierWithAdapter(join(CAUSAL_GOLDEN, 'gpt2'), { adapter });
    const expected = [...generateTokenIds(loaded.model as CausalLMModel, result.prompt_tokens as number[], { maxNewTokens: 8 })];
    assert.deepEqual(result.tokens, expected);
    const plain = [...generateTokenIds(await loadGoldenModel('gpt2'), [5, 6, 7], { maxNewTokens: 8 })];
    assert.notDeepEqual([...generateTokenIds(loaded.model as CausalLMModel, [5, 6, 7], { maxNewTokens: 8 })], plain);
  });

  it('reads chat files as a JSON list, {messages}, or JSON Lines, naming the line at fault', () => {
    const path = (name: string, text: string): string => {
      writeFileSync(join(root, name), text);
      return join(root, name);
    };
    const messages = [{ role: 'user', content: 'hi' }];
    assert.deepEqual(readChatFile(path('a.json', JSON.stringify(messages))), messages);
    assert.deepEqual(readChatFile(path('b.json', JSON.stringify({ messages }))), messages);
    assert.deepEqual(readChatFile(path('c.jsonl', JSON.stringify({ messages }))), messages);
    assert.throws(() => readChatFile(path('d.jsonl', '{"role":"user","content":"a"}\n{oops')), /d\.jsonl: line 2: not valid JSON/);
    assert.throws(() => readChatFile(path('e.json', '[{"role":"robot","content":"a"}]')), /unknown role 'robot'/);
  });

  it('refuses bad command lines and models naming the fault', async () => {
    await assert.rejects(generate(['--model', model]), (e: Error) => e instanceof UsageError && /--prompt/.test(e.message));
    await assert.rejects(generate(['--prompt', 'x']), (e: Error) => e instanceof UsageError && /--model/.test(e.message));
    await assert.rejects(generate(['--model', model, '--prompt', 'w1', '--top-p', '0']), (e: Error) => e instanceof FinetuneError && /top-p 0/.test(e.message));
    const bert = join(root, 'bert');
    cpSync(fileFromGolden('bert'), bert, { recursive: true });
    await assert.rejects(generate(['--model', bert, '--prompt', 'x']), /not a causal language model/);
    const bare = join(root, 'bare');
    cpSync(model, bare, { recursive: true });
    writeFileSync(join(bare, 'tokenizer_config.json'), '{}');
    writeFileSync(join(root, 'q.json'), '[{"role":"user","content":"w1"}]');
    await assert.rejects(generate(['--model', bare, '--chat', join(root, 'q.json')]), /needs the tokenizer's chat_template/);
  });
});

function fileFromGolden(name: string): string {
  return join(CAUSAL_GOLDEN, '..', 'models', name);
}
