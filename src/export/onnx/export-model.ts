// Builds a task model's ONNX graph with its family's exporter and writes model.onnx (with an external data file when large).
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { TaskModel } from '../../models/types.js';
import { bertOnnx, robertaOnnx } from './families/bert.js';
import { distilbertOnnx } from './families/distilbert.js';
import { gpt2Onnx } from './families/gpt2.js';
import { llamaOnnx } from './families/llama.js';
import { mobileNetV2Onnx } from './families/mobilenet-v2.js';
import type { OnnxFamilyExporter } from './families/encoder.js';
import { useLiteOnnx } from './families/use-lite.js';
import { resnetOnnx, vitOnnx } from './families/vision.js';
import { GraphBuilder, inlineTensor, rawBytes } from './graph.js';
import { encodeModel, IR_VERSION, type ModelMessage, MS_DOMAIN, OPSET, type TensorMessage } from './proto.js';

const exporters: OnnxFamilyExporter[] = [bertOnnx, robertaOnnx, distilbertOnnx, useLiteOnnx, gpt2Onnx, llamaOnnx, resnetOnnx, vitOnnx, mobileNetV2Onnx];

/** Adds an exporter (a new family); a later registration wins for its model types. */
export function registerOnnxExporter(exporter: OnnxFamilyExporter): void {
  exporters.unshift(exporter);
}

/** Every model_type the ONNX export knows. */
export function onnxModelTypes(): string[] {
  return [...new Set(exporters.flatMap((e) => e.modelTypes))];
}

export interface OnnxExportOptions {
  /** 'int8': dynamic quantisation of linear weights, per channel (model_quantized.onnx). Default 'fp32'. */
  readonly weights?: 'fp32' | 'int8';
  /**
   * Put the weights in `<file>_data` beside the model: 'auto' when they pass `externalThreshold`
   * (protobuf cannot hold a message over 2 GiB), or always / never. Default 'auto'.
   */
  readonly externalData?: 'auto' | 'always' | 'never';
  /** Weight bytes above which 'auto' goes external. Default 1.9 GiB (room for the graph under 2 GiB). */
  readonly externalThreshold?: number;
}

/** The graph of `model` with its weights (LoRA must be merged first: an adapter layer has no ONNX form here). */
export function buildOnnxGraph(model: TaskModel, options: Pick<OnnxExportOptions, 'weights'> = {}): GraphBuilder {
  const exporter = exporters.find((e) => e.modelTypes.includes(model.modelType));
  if (!exporter) {
    throw new FinetuneError(`ONNX export: model_type '${model.modelType}' has no exporter (supported: ${onnxModelTypes().join(', ')})`);
  }
  if (model.namedParameters().some(([name]) => name.includes('lora_'))) {
    throw new FinetuneError('ONNX export: the model still carries LoRA layers; merge the adapter first (mergeLora)');
  }
  const g = new GraphBuilder({ weights: options.weights ?? 'fp32' });
  exporter.build(g, model);
  return g;
}

function modelMessage(g: GraphBuilder, model: TaskModel, initializer: readonly TensorMessage[]): ModelMessage {
  return {
    irVersion: IR_VERSION,
    producerName: 'finetune',
    producerVersion: '0.1.0',
    graph: { name: model.architecture, node: g.nodes, initializer, input: g.inputs, output: g.outputs },
    opsetImport: [{ domain: '', version: OPSET }, ...(g.usesMsDomain ? [{ domain: MS_DOMAIN, version: 1 }] : [])],
  };
}

export interface WrittenOnnx {
  readonly file: string;
  /** The external data file, or null when the weights are inside the model. */
  readonly dataFile: string | null;
  readonly bytes: number;
}

/** External data entries are aligned so ONNX Runtime can map them. */
const ALIGN = 4096;
/** Tensors under this size stay inline, as onnx's convert_model_to_external_data does: shape inference must read constants. */
const INLINE_BELOW = 1024;

/** writeSync until every byte is out (one call may write less than asked for large buffers). */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Writes `model`'s ONNX graph to `file` (the `_data` file beside it when external). */
export function writeOnnxModel(model: TaskModel, file: string, options: OnnxExportOptions = {}): WrittenOnnx {
  const g = buildOnnxGraph(model, options);
  const weightBytes = g.initializerBytes();
  const mode = options.externalData ?? 'auto';
  const external = mode === 'always' || (mode === 'auto' && weightBytes > (options.externalThreshold ?? 1.9 * 2 ** 30));
  if (!external) {
    const bytes = encodeModel(modelMessage(g, model, g.initializers.map(inlineTensor)));
    writeFileAtomic(file, bytes);
    return { file, dataFile: null, bytes: bytes.length };
  }
  const dataFile = `${file}_data`;
  const location = basename(dataFile);
  // Written under a temporary name and renamed, so a killed export leaves no data file that looks whole.
  const partial = `${dataFile}.partial-${process.pid}`;
  const fd = openSync(partial, 'w');
  const tensors: TensorMessage[] = [];
  let offset = 0;
  try {
    for (const t of g.initializers) {
      if (t.data.byteLength < INLINE_BELOW) {
        tensors.push(inlineTensor(t));
        continue;
      }
      const padding = (ALIGN - (offset % ALIGN)) % ALIGN;
      if (padding > 0) writeAll(fd, new Uint8Array(padding));
      offset += padding;
      const bytes = rawBytes(t.data);
      writeAll(fd, bytes);
      tensors.push({
        name: t.name,
        dims: t.dims,
        dataType: t.dataType,
        dataLocation: 1,
        externalData: [
          { key: 'location', value: location },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(bytes.length) },
        ],
      });
      offset += bytes.length;
    }
    closeSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(partial, { force: true });
    throw error;
  }
  renameSync(partial, dataFile);
  const bytes = encodeModel(modelMessage(g, model, tensors));
  writeFileAtomic(file, bytes);
  return { file, dataFile, bytes: bytes.length + offset };
}
