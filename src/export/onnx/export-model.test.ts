// The ONNX graph builder and exporter without a runtime: names, the int8 layout, the protobuf round trip, refusals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTaskModel } from '../../models/load.js';
import { applyLora } from '../../peft/lora/apply.js';
import { buildOnnxGraph, onnxModelTypes } from './export-model.js';
import { GraphBuilder, inlineTensor } from './graph.js';
import { DataType, decodeModel, encodeModel, IR_VERSION, OPSET, valueInfo } from './proto.js';

const TINY_BERT = {
  model_type: 'bert',
  vocab_size: 40,
  hidden_size: 8,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 12,
  max_position_embeddings: 16,
};

describe('ONNX graph export', () => {
  it('names nodes by module scope and initializers by checkpoint key, as optimum does', () => {
    const g = buildOnnxGraph(createTaskModel(TINY_BERT));
    const names = g.nodes.map((n) => n.name);
    assert.ok(names.includes('/bert/encoder/layer.0/attention/self/query/MatMul'), names.slice(0, 20).join(' '));
    const keys = g.initializers.map((t) => t.name);
    assert.ok(keys.includes('bert.embeddings.word_embeddings.weight'));
    assert.ok(keys.includes('bert.encoder.layer.0.attention.self.query.weight.T'));
    assert.deepEqual(
      g.outputs.map((o) => o.name),
      ['logits'],
    );
  });

  it('writes int8 linear layers as DynamicQuantizeLinear + MatMulInteger with per-channel scales', () => {
    const g = buildOnnxGraph(createTaskModel(TINY_BERT), { weights: 'int8' });
    const ops = new Set(g.nodes.map((n) => n.opType));
    assert.ok(ops.has('DynamicQuantizeLinear') && ops.has('MatMulInteger'));
    const query = g.initializers.find((t) => t.name === 'bert.encoder.layer.0.attention.self.query.weight_scale')!;
    assert.deepEqual(query.dims, [8]);
    assert.ok(!g.initializers.some((t) => t.name.endsWith('.weight.T')), 'no float copy of a quantised weight');
  });

  it('round-trips through the protobuf encoding (IR 8, opset 17, symbolic axes)', () => {
    const g = new GraphBuilder();
    const x = g.input('x', DataType.FLOAT, ['batch_size', 3]);
    g.output('y', g.linear('fc', { weight: { data: [1, 2, 3, 4, 5, 6], shape: [2, 3] }, bias: { data: [0.5, -0.5] } }, x), DataType.FLOAT, ['batch_size', 2]);
    const bytes = encodeModel({
      irVersion: IR_VERSION,
      producerName: 'finetune',
      producerVersion: '0',
      graph: { name: 'g', node: g.nodes, initializer: g.initializers.map(inlineTensor), input: g.inputs, output: g.outputs },
      opsetImport: [{ domain: '', version: OPSET }],
    });
    const back = decodeModel(bytes);
    assert.equal(back.irVersion, 8);
    assert.equal(back.opsetImport[0]!.version, 17);
    assert.deepEqual(back.graph.input[0], valueInfo('x', DataType.FLOAT, ['batch_size', 3]));
    assert.deepEqual(
      back.graph.node.map((n) => n.opType),
      ['MatMul', 'Add', 'Identity'],
    );
    const weight = back.graph.initializer.find((t) => t.name === 'fc.weight.T')!;
    assert.deepEqual([...new Float32Array(new Uint8Array(weight.rawData!).buffer)], [1, 4, 2, 5, 3, 6]);
  });

  it('refuses a model that still carries LoRA layers, and a family with no exporter, each in one line', () => {
    const model = createTaskModel(TINY_BERT);
    applyLora(model, { r: 2, alpha: 4, dropout: 0, targets: ['query'] });
    assert.throws(() => buildOnnxGraph(model), /still carries LoRA layers; merge the adapter first/);
    const other = Object.assign(createTaskModel(TINY_BERT), { modelType: 'gpt_neox' });
    assert.throws(() => buildOnnxGraph(other), /model_type 'gpt_neox' has no exporter \(supported: bert, /);
    for (const type of ['use-lite', 'gpt2', 'llama', 'qwen2', 'mistral', 'resnet', 'vit', 'mobilenet-v2-keras'])
      assert.ok(onnxModelTypes().includes(type), type);
  });
});
