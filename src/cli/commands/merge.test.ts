// Tests for `finetune merge`: a PEFT adapter merged into its base gives PEFT's merged logits from a plain model folder; bad command lines.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../errors.js';
import { loadTaskModel } from '../../models/load.js';
import { logitsOf, maxAbsDiff } from '../../peft/lora/test-support.js';
import { Tensor } from '../../tensor/tensor.js';
import { Flags, parseFlags } from '../args.js';
import { main } from '../main.js';
import { mergeCommand } from './merge.js';

const GOLDEN = fileURLToPath(new URL('../../../../test/golden/peft/', import.meta.url));

interface Golden {
  readonly inputs: { readonly input_ids: number[][]; readonly attention_mask: number[][] };
  readonly peft_adapter: { readonly merged_logits: number[][] };
  readonly ours_adapter: { readonly logits: number[][] };
}

let out: string;
beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'merge-cmd-'));
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

async function merge(argv: string[]): Promise<Record<string, unknown>> {
  const { flags, positional } = parseFlags(argv, mergeCommand.flags);
  const lines: string[] = [];
  return (await mergeCommand.run({ flags: new Flags(flags), positional, log: (l) => lines.push(l) })) as Record<string, unknown>;
}

function goldenLogits(arch: string, key: 'peft' | 'ours'): { inputs: Parameters<typeof logitsOf>[1]; expected: number[] } {
  const e = JSON.parse(readFileSync(join(GOLDEN, arch, 'expected.json'), 'utf8')) as Golden;
  const [rows, length] = [e.inputs.input_ids.length, e.inputs.input_ids[0]!.length];
  return {
    inputs: {
      inputIds: new Tensor(Int32Array.from(e.inputs.input_ids.flat()), [rows, length]),
      attentionMask: new Tensor(Int32Array.from(e.inputs.attention_mask.flat()), [rows, length]),
    },
    expected: (key === 'peft' ? e.peft_adapter.merged_logits : e.ours_adapter.logits).flat(),
  };
}

describe('finetune merge', () => {
  it("merges PEFT's adapter into its base: the plain folder gives PEFT's merge_and_unload logits", async () => {
    const target = join(out, 'merged');
    const result = await merge(['--model', join(GOLDEN, 'bert', 'base'), '--adapter', join(GOLDEN, 'bert', 'peft-adapter'), '--output', target]);
    assert.equal(result.mergedLayers, 8, 'query, value, attention.output.dense and output.dense in 2 layers');
    assert.ok(existsSync(join(target, 'model.safetensors')) && existsSync(join(target, 'config.json')));
    assert.ok(!existsSync(join(target, 'adapter_config.json')));
    const { model } = await loadTaskModel(target);
    assert.ok(!model.namedParameters().some(([n]) => n.includes('lora_')));
    const { inputs, expected } = goldenLogits('bert', 'peft');
    assert.ok(maxAbsDiff(logitsOf(model, inputs), expected) < 1e-4);
  });

  it('merges an adapter folder alone, finding its base from adapter_config.json', async () => {
    const target = join(out, 'merged');
    const result = await merge(['--model', join(GOLDEN, 'roberta', 'ours-adapter'), '--output', target]);
    assert.equal(result.mergedLayers, 12);
    const { model } = await loadTaskModel(target);
    const { inputs, expected } = goldenLogits('roberta', 'ours');
    assert.ok(maxAbsDiff(logitsOf(model, inputs), expected) < 1e-4);
  });

  it('refuses incomplete command lines, a model without an adapter, and an output folder that holds a model', async () => {
    await assert.rejects(merge(['--output', out]), (e: unknown) => e instanceof UsageError && /--model is required/.test(e.message));
    await assert.rejects(merge(['--model', 'x']), (e: unknown) => e instanceof UsageError && /--output is required/.test(e.message));
    await assert.rejects(
      merge(['--model', join(GOLDEN, 'bert', 'base'), '--output', join(out, 'm')]),
      /a plain model with no adapter to merge; give the adapter folder with --adapter/,
    );
    writeFileSync(join(out, 'config.json'), '{}');
    await assert.rejects(
      merge(['--model', join(GOLDEN, 'bert', 'ours-adapter'), '--output', out]),
      /--output .*: already holds config.json; choose a new folder for the merged model/,
    );
  });

  it('is a command of the CLI, with exit code 2 for a missing flag', async () => {
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      assert.equal(await main(['merge', '--output', out]), 2);
    } finally {
      process.stderr.write = write;
    }
  });
});
