// Tests for `finetune info`: architecture, labels and parameter counts under each --freeze, and with LoRA.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { FinetuneError } from '../../errors.js';
import { Flags, parseFlags } from '../args.js';
import { infoCommand, runInfo } from './info.js';

const GOLDEN = fileURLToPath(new URL('../../../../test/golden/models/', import.meta.url));

interface Info {
  architecture: string;
  modelType: string;
  layers: number;
  hiddenSize: number;
  labels: string[];
  parameters: number;
  trainable: number;
  warnings: string[];
}

async function info(argv: string[]): Promise<{ result: Info; lines: string[]; warnings: string[] }> {
  const { flags, positional } = parseFlags(argv, infoCommand.flags);
  const lines: string[] = [];
  const warnings: string[] = [];
  const result = (await runInfo({ flags: new Flags(flags), positional, log: (l) => lines.push(l) }, (l) => warnings.push(l))) as Info;
  return { result, lines, warnings };
}

// BERT (vocab 500, hidden 32, 2 layers, intermediate 37, 64 positions, 2 types, 3 labels).
const EMBEDDINGS = 500 * 32 + 64 * 32 + 2 * 32 + 2 * 32;
const LAYER = 4 * (32 * 32 + 32) + 2 * 2 * 32 + (32 * 37 + 37) + (37 * 32 + 32);
const POOLER = 32 * 32 + 32;
const HEAD = 3 * 32 + 3;

describe('finetune info', () => {
  it('reports the architecture, labels and every parameter as trainable by default', async () => {
    const { result, lines, warnings } = await info(['--model', `${GOLDEN}bert`]);
    assert.equal(result.architecture, 'BertForSequenceClassification');
    assert.equal(result.modelType, 'bert');
    assert.equal(result.layers, 2);
    assert.deepEqual(result.labels, ['neg', 'neu', 'pos']);
    assert.equal(result.parameters, EMBEDDINGS + 2 * LAYER + POOLER + HEAD);
    assert.equal(result.trainable, result.parameters);
    assert.deepEqual(warnings, []);
    assert.ok(lines.some((l) => l === `parameters: ${result.parameters.toLocaleString('en-US')}`));
  });

  it('counts what trains under --freeze base, embeddings and N', async () => {
    const total = EMBEDDINGS + 2 * LAYER + POOLER + HEAD;
    assert.equal((await info(['--model', `${GOLDEN}bert`, '--freeze', 'base'])).result.trainable, HEAD);
    assert.equal((await info(['--model', `${GOLDEN}bert`, '--freeze', 'embeddings'])).result.trainable, total - EMBEDDINGS);
    assert.equal((await info(['--model', `${GOLDEN}bert`, '--freeze', '1'])).result.trainable, total - EMBEDDINGS - LAYER);
    await assert.rejects(
      info(['--model', `${GOLDEN}bert`, '--freeze', '3']),
      (e: Error) => e instanceof FinetuneError && /the model has 2 layers/.test(e.message),
    );
    await assert.rejects(info(['--model', `${GOLDEN}bert`, '--freeze', 'most']), /--freeze: 'most' is not none, base, embeddings or a number of layers/);
  });

  it('counts a new head for --num-labels and LoRA adapters, and passes load warnings on', async () => {
    const { result, warnings } = await info(['--model', `${GOLDEN}bert-base-model`, '--num-labels', '5', '--lora', '--lora-r', '4']);
    const lora = 2 * 2 * (4 * 32 + 32 * 4);
    assert.equal(result.trainable, lora + 5 * 32 + 5);
    assert.equal(result.labels.length, 5);
    assert.ok(warnings.some((w) => /no classification head in the checkpoint/.test(w)));
  });
});
