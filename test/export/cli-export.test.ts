// `finetune export`: transformers.js (Node, local files only) runs the exported folder and gives our labels and scores; LoRA merged; bad input refused.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { env, pipeline } from '@huggingface/transformers';
import { exportTransformersJs } from '../../src/export/transformers-js.js';
import { lockFolder } from '../../src/io/folder-lock.js';
import { loadTaskModel } from '../../src/models/load.js';
import { saveTaskModel } from '../../src/models/save.js';
import { loadClassifierWithAdapter } from '../../src/peft/lora/load-model.js';
import { classifier } from '../../src/tasks/pipeline.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { runCli } from '../support/run-cli.js';
import { idBatch, maxAbsDiff, onnxLogits, ourLogits } from '../support/onnx-run.js';

const GOLDEN = join(import.meta.dirname, '..', '..', '..', 'test', 'golden');
const TEXTS = ['the film was a delight', 'dull and far too long', 'an odd, quiet story'];

describe('finetune export', () => {
  const root = mkdtempSync(join(tmpdir(), 'finetune-export-cli-'));
  const at = (name: string): string => join(root, name);
  before(() => {
    env.allowRemoteModels = false;
    env.localModelPath = root;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("writes transformers.js's layout, whose text-classification pipeline gives our labels and scores (fp32 within 1e-4)", async () => {
    const run = await runCli(['export', '--model', join(GOLDEN, 'models', 'bert'), '--format', 'onnx', '--quantize', 'int8', '--output', at('seq'), '--json']);
    assert.equal(run.code, 0, run.stderr);
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx']) {
      assert.ok(existsSync(at(`seq/${file}`)), file);
    }
    assert.ok(!existsSync(at('seq/.finetune.lock')), 'the lock is released');
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { int8: string; mergedLayers: number };
    assert.equal(result.mergedLayers, 0);
    const ours = await classifier(join(GOLDEN, 'models', 'bert'));
    const expected = await ours(TEXTS, { topK: 3 });
    const theirs = (await (await pipeline('text-classification', 'seq'))(TEXTS, { top_k: null })) as unknown as { label: string; score: number }[][];
    for (let i = 0; i < TEXTS.length; i++) {
      assert.deepEqual(
        theirs[i]!.map((s) => s.label),
        expected[i]!.map((s) => s.label),
      );
      for (let j = 0; j < 3; j++) assert.ok(Math.abs(theirs[i]![j]!.score - expected[i]![j]!.score) < 1e-4, `${TEXTS[i]}: ${theirs[i]![j]!.score}`);
    }
    // The int8 model (dtype q8 reads model_quantized.onnx) picks the same labels here.
    const q8 = (await (await pipeline('text-classification', 'seq', { dtype: 'q8' }))(TEXTS)) as unknown as { label: string }[];
    assert.deepEqual(
      q8.map((s) => s.label),
      expected.map((s) => s[0]!.label),
    );
  });

  it('gives the token-classification pipeline our label and score for every token', async () => {
    const loaded = await loadTaskModel(join(GOLDEN, 'models', 'bert'), { headKind: 'token-classification' });
    await saveTaskModel(loaded.model, loaded.tokenizer, at('token-model'));
    assert.equal((await runCli(['export', '--model', at('token-model'), '--output', at('token')])).code, 0);
    const tagger = await pipeline('token-classification', 'token');
    const { model, tokenizer } = await loadTaskModel(at('token-model'));
    for (const text of TEXTS) {
      const ids = tokenizer!.encode(text).ids;
      const shape = [1, ids.length];
      const logits = noGrad(() =>
        model.forward({ inputIds: new Tensor(Int32Array.from(ids), shape, { dtype: 'int32' }), attentionMask: Tensor.ones(shape, { dtype: 'int32' }) }),
      ).data;
      const tokens = (await tagger(text)) as unknown as { entity: string; score: number; index: number }[];
      assert.equal(tokens.length, ids.length - 2, 'one result per word piece ([CLS] and [SEP] left out)');
      for (const token of tokens) {
        const row = Array.from({ length: model.numLabels }, (_, c) => logits[token.index * model.numLabels + c]!);
        const best = row.indexOf(Math.max(...row));
        const sum = row.reduce((s, v) => s + Math.exp(v - row[best]!), 0);
        assert.equal(token.entity, model.labels.id2label[String(best)]);
        assert.ok(Math.abs(token.score - 1 / sum) < 1e-4, `${text} token ${token.index}: ${token.score} vs ${1 / sum}`);
      }
    }
  });

  it('writes the weights to model.onnx_data and marks config.json so transformers.js loads them', async () => {
    const { model, tokenizer } = await loadTaskModel(join(GOLDEN, 'models', 'bert'));
    const written = await exportTransformersJs(model, tokenizer, at('external'), { externalData: 'always', quantize: true });
    assert.equal(written.fp32.dataFile, at('external/onnx/model.onnx_data'));
    const config = JSON.parse(readFileSync(at('external/config.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(config['transformers.js_config'], { use_external_data_format: true });
    const expected = (await (await classifier(join(GOLDEN, 'models', 'bert')))(TEXTS[0]!))[0]!;
    for (const dtype of ['fp32', 'q8'] as const) {
      const got = ((await (await pipeline('text-classification', 'external', { dtype }))(TEXTS[0]!)) as unknown as { label: string; score: number }[])[0]!;
      assert.equal(got.label, expected.label);
      assert.ok(Math.abs(got.score - expected.score) < (dtype === 'fp32' ? 1e-4 : 0.05), `${dtype}: ${got.score} vs ${expected.score}`);
    }
  });

  it('merges a LoRA adapter first: the export gives the adapted logits', async () => {
    const adapter = join(GOLDEN, 'peft', 'bert', 'ours-adapter');
    const run = await runCli(['export', '--model', adapter, '--output', at('lora'), '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.ok((JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { mergedLayers: number }).mergedLayers > 0);
    const { model } = await loadClassifierWithAdapter(adapter);
    const batch = idBatch([6, 3], 60, 0);
    assert.ok(maxAbsDiff((await onnxLogits(at('lora/onnx/model.onnx'), batch)).logits, ourLogits(model, batch)) < 1e-4);
  });

  it('refuses a bad format or quantisation, a folder that holds a model, a missing --output, and a locked folder, each in one line', async () => {
    const model = join(GOLDEN, 'models', 'bert');
    const format = await runCli(['export', '--model', model, '--format', 'tflite', '--output', at('x')]);
    assert.equal(format.code, 1);
    assert.match(format.stderr, /--format 'tflite' is not supported \(supported: onnx\)/);
    const quantize = await runCli(['export', '--model', model, '--quantize', 'int4', '--output', at('x')]);
    assert.match(quantize.stderr, /--quantize 'int4' is not supported \(supported: int8\)/);
    assert.equal((await runCli(['export', '--model', model])).code, 2);
    mkdirSync(at('taken'));
    writeFileSync(at('taken/config.json'), '{}');
    const taken = await runCli(['export', '--model', model, '--output', at('taken')]);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /already holds config\.json/);
    assert.equal(readFileSync(at('taken/config.json'), 'utf8'), '{}');
    const lock = lockFolder(at('locked'), { command: 'train' });
    try {
      const locked = await runCli(['export', '--model', model, '--output', at('locked')]);
      assert.equal(locked.code, 1);
      assert.equal(locked.stderr.trim().split('\n').length, 1, locked.stderr);
      assert.ok(!existsSync(at('locked/onnx')));
    } finally {
      lock.release();
    }
    assert.ok(!existsSync(at('x')), 'a refused export leaves no folder behind');
  });
});
