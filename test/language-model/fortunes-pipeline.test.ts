// A few steps of the README's language-model pipeline: a tiny GPT-2 from random weights on Debian fortunes, a LoRA fine-tune on German ones, eval of both.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../support/run-cli.js';

const FORTUNES = '/usr/share/games/fortunes';
const english = join(FORTUNES, 'people');
const german = join(FORTUNES, 'de', 'witze');
const missing = [english, german].find((path) => !existsSync(path));
const dir = mkdtempSync(join(tmpdir(), 'fortunes-pipeline-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The first `count` quotes of a fortune file, as a fortune file. */
function head(path: string, count: number, name: string): string {
  const quotes = readFileSync(path, 'utf8')
    .split(/^%[ \t]*$/m)
    .slice(0, count);
  const out = join(dir, name);
  writeFileSync(out, `${quotes.join('%')}\n%\n`);
  return out;
}

const evalPerplexity = async (args: string[]): Promise<number> => {
  const run = await runCli(['eval', ...args, '--max-length', '32', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
  assert.ok(Math.abs(result.eval_perplexity! - Math.exp(result.eval_loss!)) < 1e-6 * result.eval_perplexity!);
  return result.eval_perplexity!;
};

test('random GPT-2 on English fortunes, LoRA on German ones, perplexity before and after', {
  skip: missing && `${missing} is absent (Debian packages fortunes and fortunes-de)`,
}, async () => {
  const config = join(dir, 'gpt2-tiny.json');
  writeFileSync(
    config,
    JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: 50257, n_positions: 32, n_embd: 32, n_layer: 1, n_head: 2 }),
  );
  const en = head(english, 40, 'en');
  const de = head(german, 40, 'de');
  const common = ['--max-length', '32', '--batch-size', '4', '--no-progress', '--eval-split', '0'];
  const base = join(dir, 'base');
  const pretrain = await runCli([
    'train',
    '--model',
    config,
    '--init',
    'random',
    '--data',
    en,
    ...common,
    '--max-steps',
    '3',
    '--lr',
    '3e-3',
    '--output',
    base,
  ]);
  assert.equal(pretrain.code, 0, pretrain.stderr);
  assert.match(pretrain.stdout, /task: causal-lm \(from the model's config.json\)/);
  assert.match(pretrain.stdout, /blocks of 32 tokens/);
  const baseEnglish = await evalPerplexity(['--model', base, '--data', en]);
  const baseGerman = await evalPerplexity(['--model', base, '--data', de]);
  const lora = join(dir, 'lora');
  const tune = await runCli(['train', '--model', base, '--data', de, ...common, '--lora', '--max-steps', '2', '--lr', '1e-2', '--output', lora]);
  assert.equal(tune.code, 0, tune.stderr);
  assert.ok(existsSync(join(lora, 'adapter_model.safetensors')));
  const tunedGerman = await evalPerplexity(['--model', base, '--adapter', lora, '--data', de]);
  const tunedEnglish = await evalPerplexity(['--model', base, '--adapter', lora, '--data', en]);
  for (const value of [baseEnglish, baseGerman, tunedGerman, tunedEnglish]) assert.ok(value > 1 && Number.isFinite(value));
  assert.ok(tunedGerman < baseGerman, `German perplexity ${baseGerman} -> ${tunedGerman}`);
});
