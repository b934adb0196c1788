// `finetune train --bf16` on a tiny BERT: losses track the float32 run, training_args.json records it, weights stay float32, and a CPU without AVX512-BF16 is refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadNativeBackend } from '../../src/backend/native/index.js';
import { readSafetensorsHeader } from '../../src/io/safetensors.js';
import { runCli } from '../support/run-cli.js';
import { tinyBertFolder } from '../support/tiny-bert-folder.js';

// Wider than the shared tiny config, so the linear layers carry most of the work.
const { at, trainArgs } = tinyBertFolder('bf16', { 'train.tsv': [200, 21] }, { hidden_size: 32, intermediate_size: 64 });
const bin = fileURLToPath(new URL('../../../bin/finetune.js', import.meta.url));
const common = (): string[] => [...trainArgs(), '--eval-split', '0.2', '--epochs', '2', '--lr', '3e-3', '--logging-steps', '1', '--seed', '7'];

/** The training losses trainer_state.json logged, in order. */
function losses(folder: string): number[] {
  const state = JSON.parse(readFileSync(join(folder, 'trainer_state.json'), 'utf8')) as { log_history: Record<string, number>[] };
  return state.log_history.filter((e) => 'loss' in e).map((e) => e.loss!);
}

describe('train --bf16', () => {
  it('tracks the float32 losses within a few percent, records bf16 and saves float32 weights', async () => {
    const plain = await runCli([...common(), '--output', at('f32')]);
    assert.equal(plain.code, 0, plain.stderr);
    const mixed = await runCli([...common(), '--output', at('bf16'), '--bf16']);
    assert.equal(mixed.code, 0, mixed.stderr);
    const [a, b] = [losses(at('f32')), losses(at('bf16'))];
    assert.ok(a.length >= 20 && a.length === b.length, `${a.length} and ${b.length} logged losses`);
    for (let i = 0; i < a.length; i++) {
      assert.ok(Math.abs(b[i]! - a[i]!) <= 0.03 * Math.abs(a[i]!), `step ${i + 1}: bf16 loss ${b[i]} vs float32 ${a[i]}`);
    }
    assert.ok(
      a.some((loss, i) => loss !== b[i]),
      'the bf16 run multiplies in bf16 (its losses differ in the last digits)',
    );
    assert.equal(JSON.parse(readFileSync(at('bf16/training_args.json'), 'utf8')).bf16, true);
    assert.equal(JSON.parse(readFileSync(at('f32/training_args.json'), 'utf8')).bf16, false);
    const header = readSafetensorsHeader(at('bf16/model.safetensors'));
    const dtypes = new Set(header.entries.map((e) => e.dtype));
    assert.deepEqual([...dtypes], ['F32']);
  });

  it("takes Hugging Face's spelling bf16 from a --config file", async () => {
    writeFileSync(at('hf.json'), JSON.stringify({ bf16: true, max_steps: 2 }));
    const run = await runCli([...common(), '--output', at('hf'), '--config', at('hf.json')]);
    assert.equal(run.code, 0, run.stderr);
    const args = JSON.parse(readFileSync(at('hf/training_args.json'), 'utf8'));
    assert.equal(args.bf16, true);
    assert.equal(args.maxSteps, 2);
  });

  it('rejects a bf16 value that is not true or false', async () => {
    writeFileSync(at('bad.json'), JSON.stringify({ bf16: 'yes' }));
    const run = await runCli([...common(), '--output', at('bad'), '--config', at('bad.json')]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /bf16/);
  });

  it('exits 1 with one line naming AVX512-BF16 on a CPU without it (FINETUNE_CPU_FEATURES plays one)', (t) => {
    try {
      loadNativeBackend('blas');
    } catch (error) {
      t.skip(`the js backend emulates bf16 anywhere: ${(error as Error).message}`);
      return;
    }
    const run = spawnSync(process.execPath, [bin, ...common(), '--output', at('refused'), '--bf16'], {
      encoding: 'utf8',
      env: { ...process.env, FINETUNE_CPU_FEATURES: 'avx512f,avx512bw', FINETUNE_BACKEND: 'native' },
    });
    assert.equal(run.status, 1, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /neither AVX512-BF16 nor AMX-BF16/);
  });
});
