// finetune train and eval for a causal LM: fortune text packed into blocks, a random tiny causal model with GPT-2's tokenizer, loss and perplexity out.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../../../test/support/run-cli.js';
import { tinyCausalFamily } from '../../../test/support/tiny-causal-lm.js';
import { registerFamily } from '../../models/registry.js';
import { gpt2Tokenizer } from '../../tokenizers/gpt2.js';
import { chooseTask } from './task-choice.js';

const dir = mkdtempSync(join(tmpdir(), 'causal-run-'));
const model = join(dir, 'tiny');
const fortunes = join(dir, 'quotes');
const extra = join(dir, 'more.jsonl');

before(async () => {
  registerFamily(tinyCausalFamily);
  await gpt2Tokenizer().save(model);
  writeFileSync(
    join(model, 'config.json'),
    JSON.stringify({ model_type: 'tiny-causal', architectures: ['TinyForCausalLM'], vocab_size: 50257, hidden_size: 8, num_hidden_layers: 0 }),
  );
  const quotes = Array.from(
    { length: 40 },
    (_, i) => `Quote number ${i}: the early bird catches the worm, but the second mouse gets the cheese.\n\t-- Proverb ${i % 7}`,
  );
  writeFileSync(fortunes, `${quotes.join('\n%\n')}\n%\n`);
  writeFileSync(
    extra,
    `${quotes
      .slice(0, 8)
      .map((q) => JSON.stringify({ text: q }))
      .join('\n')}\n`,
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a causal model config or a fortune file picks the causal-lm task', async () => {
  assert.deepEqual(await chooseTask({ model, data: extra }), { task: 'causal-lm', reason: "the model's config.json" });
  assert.equal((await chooseTask({ model: dir, data: fortunes })).task, 'causal-lm');
  assert.equal((await chooseTask({ model: join(model, 'config.json'), data: extra })).task, 'causal-lm');
});

test('train packs the fortunes, reports perplexity on the validation split, and eval scores a file', async () => {
  const out = join(dir, 'run');
  const train = await runCli([
    'train',
    '--model',
    model,
    '--init',
    'random',
    '--data',
    fortunes,
    '--max-length',
    '32',
    '--batch-size',
    '4',
    '--max-steps',
    '4',
    '--lr',
    '0.01',
    '--output',
    out,
  ]);
  assert.equal(train.code, 0, train.stderr);
  assert.match(train.stdout, /task: causal-lm \(from the model's config.json\)/);
  assert.match(train.stdout, /fortune file \('%' lines separate 40 quotes\)/);
  assert.match(train.stdout, /blocks of 32 tokens/);
  assert.match(train.stdout, /final evaluation on validation split .*: loss \d+\.\d+, perplexity [\d.]+, [\d,]+ tokens\/s/);
  assert.match(train.stdout, /unigram baseline/);
  const results = JSON.parse(readFileSync(join(out, 'eval_results.json'), 'utf8')) as Record<string, number>;
  assert.ok(Math.abs(results.eval_perplexity! - Math.exp(results.eval_loss!)) < 1e-6 * results.eval_perplexity!);
  const evaluation = await runCli(['eval', '--model', out, '--data', extra, '--json']);
  assert.equal(evaluation.code, 0, evaluation.stderr);
  const last = JSON.parse(evaluation.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
  assert.ok(last.eval_perplexity! > 1 && Number.isFinite(last.eval_perplexity!), evaluation.stdout);
  assert.ok(last.eval_tokens_per_second! > 0);
});

test('a chat file for a model without a chat template fails naming it', async () => {
  const chat = join(dir, 'chat.jsonl');
  writeFileSync(
    chat,
    `${JSON.stringify({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'yo' },
      ],
    })}\n`.repeat(4),
  );
  const run = await runCli(['train', '--model', model, '--init', 'random', '--data', chat, '--max-steps', '1', '--output', join(dir, 'chat-run')]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /chat data needs the tokenizer's chat_template/);
});
