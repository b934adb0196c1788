// `finetune bench train` on a tiny BERT: the JSON result, LoRA, the profile, saved weights and batches, and bad input.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, TINY_BERT_CONFIG } from '../../../test/support/run-cli.js';
import { writeSafetensors } from '../../io/safetensors.js';
import type { RawTensor } from '../../io/raw-tensor.js';
import { createTaskModel } from '../../models/load.js';
import { noGrad } from '../../tensor/autograd.js';
import { crossEntropy } from '../../tensor/ops/losses.js';
import { Tensor } from '../../tensor/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'finetune-bench-train-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const configFile = join(dir, 'config.json');
writeFileSync(configFile, JSON.stringify(TINY_BERT_CONFIG));
const base = [
  'bench',
  'train',
  '--model-config',
  configFile,
  '--batch-size',
  '3',
  '--seq-len',
  '5',
  '--warmup',
  '1',
  '--steps',
  '2',
  '--threads',
  '2',
  '--json',
];

interface Result {
  msPerStep: number;
  tokensPerSecond: number;
  peakRssMiB: number;
  losses: number[];
  lora: boolean;
  parameters: { total: number; trainable: number };
  profile?: { byKind: Record<string, number>; outsideKernelsMs: number };
}

async function bench(extra: string[] = []): Promise<Result> {
  const run = await runCli([...base, ...extra]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Result;
}

const ints = (data: number[], shape: number[]): RawTensor => ({ dtype: 'int32', shape, data: Int32Array.from(data) });
const batchIds = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];

describe('bench train', () => {
  it('times full fine-tuning steps and reports losses, speed and memory', async () => {
    const r = await bench();
    assert.equal(r.losses.length, 3);
    assert.ok(r.losses.every(Number.isFinite));
    assert.ok(r.msPerStep > 0 && r.tokensPerSecond > 0 && r.peakRssMiB > 10);
    assert.equal(r.lora, false);
    assert.equal(r.parameters.trainable, r.parameters.total);
  });

  it('trains only the adapters and the head with --lora, and profiles by op kind', async () => {
    const r = await bench(['--lora', '--profile']);
    assert.equal(r.lora, true);
    assert.ok(r.parameters.trainable < r.parameters.total / 4);
    assert.ok(r.profile!.byKind.matmul! > 0 && r.profile!.byKind.attention! > 0 && r.profile!.byKind.optimizer! > 0);
    const human = await runCli(base.slice(0, -1).concat(['--profile']));
    assert.match(human.stdout, /ms per step .* tokens\/s, peak RSS \d+ MiB/);
    assert.match(human.stdout, /layer norm\s+[\d.]+ ms/);
  });

  it("starts from saved weights and a saved batch: with dropout 0 the first loss is the model's own", async () => {
    const model = createTaskModel(TINY_BERT_CONFIG, { numLabels: 2 });
    const weights = new Map<string, RawTensor>([...model.stateDict()].map(([k, t]) => [k, { dtype: 'float32', shape: [...t.shape], data: t.f32() }]));
    writeSafetensors(join(dir, 'init.safetensors'), weights);
    writeSafetensors(join(dir, 'batch.safetensors'), {
      input_ids: ints(batchIds, [3, 5]),
      attention_mask: ints([...Array(14).fill(1), 0], [3, 5]),
      token_type_ids: ints(Array(15).fill(0), [3, 5]),
      labels: ints([0, 1, 1], [3]),
    });
    const files = ['--weights', join(dir, 'init.safetensors'), '--batch', join(dir, 'batch.safetensors'), '--dropout', '0'];
    const a = await bench([...files, '--seed', '1']);
    const b = await bench([...files, '--seed', '2']);
    assert.deepEqual(a.losses, b.losses);
    const expected = noGrad(() =>
      crossEntropy(
        model.forward({
          inputIds: new Tensor(Int32Array.from(batchIds), [3, 5]),
          attentionMask: new Tensor(Int32Array.from([...Array(14).fill(1), 0]), [3, 5]),
          tokenTypeIds: Tensor.zeros([3, 5], { dtype: 'int32' }),
        }),
        new Tensor(Int32Array.of(0, 1, 1), [3]),
      ).item(),
    );
    assert.ok(Math.abs(a.losses[0]! - expected) < 1e-6, `${a.losses[0]} vs ${expected}`);
  });

  it('fails with one line on missing or bad input', async () => {
    assert.equal((await runCli(['bench', 'train'])).code, 2);
    const missing = await runCli(['bench', 'train', '--model-config', join(dir, 'nope.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.json: no such file or folder \(--model-config\)/);
    writeFileSync(join(dir, 'bad.json'), '{"model_type": ');
    assert.match((await runCli(['bench', 'train', '--model-config', join(dir, 'bad.json')])).stderr, /bad\.json: not valid JSON/);
    const shape = await runCli([...base, '--batch-size', '2', '--batch', join(dir, 'batch.safetensors')]);
    assert.equal(shape.code, 1);
    assert.match(shape.stderr, /batch\.safetensors: input_ids has shape \[3, 5\], but --batch-size 2 and --seq-len 5 were given/);
    writeSafetensors(join(dir, 'partial.safetensors'), { 'bert.pooler.dense.bias': { dtype: 'float32', shape: [16], data: new Float32Array(16) } });
    const partial = await runCli([...base, '--weights', join(dir, 'partial.safetensors')]);
    assert.equal(partial.code, 1);
    assert.match(partial.stderr, /partial\.safetensors: /);
    assert.match((await runCli([...base, '--steps', '0'])).stderr, /--steps must be an integer >= 1/);
    assert.match((await runCli([...base, '--dropout', '1'])).stderr, /--dropout must be in \[0, 1\)/);
  });
});
