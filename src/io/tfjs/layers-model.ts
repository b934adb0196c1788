// Reads a TF.js Layers model (model.json: a Keras topology + weightsManifest, with weight shards on disk or in memory).

import { dirname } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { readJsonFile } from '../json-file.js';
import type { RawTensor } from '../raw-tensor.js';
import { modelJsonPath } from './graph-model.js';
import { readWeightShards } from './weight-shards.js';
import { decodeWeightGroup, groupByteLength, parseWeightsManifest } from './weights-manifest.js';

/** One Keras layer as the topology lists it: its class, its config (untouched) and the layers feeding it. */
export interface KerasLayerSpec {
  readonly name: string;
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** Names of the layers whose outputs this layer takes, in order (empty for an InputLayer). */
  readonly inbound: readonly string[];
}

export interface TfjsLayersModel {
  /** Path of the model.json read (or the name given for an in-memory model), for error messages. */
  readonly file: string;
  /** The layers in an order where each comes after the layers feeding it. */
  readonly layers: readonly KerasLayerSpec[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Every weight of the manifest by name (`<layer>/kernel`, `<layer>/gamma`, ...), dequantised to float32. */
  readonly weights: Map<string, RawTensor>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keras 2's inbound_nodes: [[[layer, nodeIndex, tensorIndex, kwargs], ...]]; one node only (no shared layers). */
function parseInbound(value: unknown, where: string): string[] {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return [];
  if (!Array.isArray(value) || value.length !== 1 || !Array.isArray(value[0])) {
    throw new FinetuneError(`${where}: inbound_nodes must hold one node (layers called more than once are not supported)`);
  }
  return (value[0] as unknown[]).map((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new FinetuneError(`${where}: inbound_nodes entries must be [layer, node, tensor, kwargs]`);
    if ((entry[1] ?? 0) !== 0 || (entry[2] ?? 0) !== 0)
      throw new FinetuneError(`${where}: takes output ${entry[1]}/${entry[2]} of '${entry[0]}'; only single-output layers are supported`);
    return entry[0];
  });
}

function endpoints(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new FinetuneError(`${where} must be a non-empty list of [layer, node, tensor]`);
  return value.map((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new FinetuneError(`${where} must be a list of [layer, node, tensor]`);
    return entry[0];
  });
}

/**
 * The layers of a Keras `modelTopology` (or its `model_config`): a functional Model (class Model or Functional)
 * or a Sequential stack, which is chained in order. Each layer must come after its inputs.
 */
export function parseKerasTopology(topology: unknown, file: string): Pick<TfjsLayersModel, 'layers' | 'inputs' | 'outputs'> {
  const modelConfig = isRecord(topology) && isRecord(topology.model_config) ? topology.model_config : topology;
  if (!isRecord(modelConfig) || !isRecord(modelConfig.config)) throw new FinetuneError(`${file}: modelTopology has no model_config with a config`);
  const kind = modelConfig.class_name;
  const rawLayers = modelConfig.config.layers;
  if (!Array.isArray(rawLayers) || rawLayers.length === 0) throw new FinetuneError(`${file}: modelTopology lists no layers`);
  const layers: KerasLayerSpec[] = [];
  const seen = new Set<string>();
  rawLayers.forEach((raw, i) => {
    const where = `${file}: layer ${i}`;
    if (!isRecord(raw) || typeof raw.class_name !== 'string' || !isRecord(raw.config)) throw new FinetuneError(`${where} must have class_name and config`);
    const name = typeof raw.name === 'string' ? raw.name : raw.config.name;
    if (typeof name !== 'string' || name === '' || name.includes('.') || name.includes('/')) {
      throw new FinetuneError(`${where}: name ${JSON.stringify(name)} must be a non-empty string without '.' or '/'`);
    }
    if (seen.has(name)) throw new FinetuneError(`${file}: layer '${name}' is listed twice`);
    let inbound: string[];
    if (kind === 'Sequential') inbound = i === 0 ? [] : [layers[i - 1]!.name];
    else inbound = parseInbound(raw.inbound_nodes, `${file}: layer '${name}'`);
    for (const input of inbound) if (!seen.has(input)) throw new FinetuneError(`${file}: layer '${name}' takes '${input}', which is not listed before it`);
    seen.add(name);
    layers.push({ name, className: raw.class_name, config: raw.config, inbound });
  });
  if (kind === 'Sequential') {
    const first = layers[0]!;
    // A Sequential model's input is implicit: the first layer carries batch_input_shape.
    const input: KerasLayerSpec = {
      name: `${first.name}_input`,
      className: 'InputLayer',
      config: { batch_input_shape: first.config.batch_input_shape },
      inbound: [],
    };
    layers[0] = { ...first, inbound: [input.name] };
    return { layers: [input, ...layers], inputs: [input.name], outputs: [layers.at(-1)!.name] };
  }
  if (kind !== 'Model' && kind !== 'Functional') throw new FinetuneError(`${file}: model class '${String(kind)}' is not Model, Functional or Sequential`);
  const inputs = endpoints(modelConfig.config.input_layers, `${file}: input_layers`);
  const outputs = endpoints(modelConfig.config.output_layers, `${file}: output_layers`);
  for (const name of [...inputs, ...outputs]) if (!seen.has(name)) throw new FinetuneError(`${file}: input or output layer '${name}' is not in the topology`);
  return { layers, inputs, outputs };
}

function checkFormat(json: unknown, file: string): Record<string, unknown> {
  if (!isRecord(json)) throw new FinetuneError(`${file}: must hold a JSON object`);
  if (json.format !== undefined && json.format !== 'layers-model')
    throw new FinetuneError(`${file}: format '${String(json.format)}' is not a TF.js layers model`);
  if (json.modelTopology === undefined) throw new FinetuneError(`${file}: no modelTopology`);
  return json;
}

/** Reads the layers model at `path` (a folder holding model.json, or the model.json itself) and its weight shards. */
export function readTfjsLayersModel(path: string): TfjsLayersModel {
  const file = modelJsonPath(path);
  const json = checkFormat(readJsonFile(file), file);
  const groups = parseWeightsManifest(json.weightsManifest ?? [], file);
  return { file, ...parseKerasTopology(json.modelTopology, file), weights: readWeightShards(dirname(file), groups, file) };
}

/**
 * A layers model already in memory: the parsed model.json and, per weightsManifest group, its shards' bytes
 * concatenated (as bundles that embed the files ship them). `file` names the source in errors.
 */
export function tfjsLayersModelFromMemory(json: unknown, groupBytes: readonly Uint8Array[], file: string): TfjsLayersModel {
  const record = checkFormat(json, file);
  const groups = parseWeightsManifest(record.weightsManifest ?? [], file);
  if (groupBytes.length !== groups.length) throw new FinetuneError(`${file}: ${groupBytes.length} weight streams for ${groups.length} weightsManifest groups`);
  const weights = new Map<string, RawTensor>();
  groups.forEach((group, g) => {
    const bytes = groupBytes[g]!;
    if (bytes.byteLength !== groupByteLength(group)) {
      throw new FinetuneError(`${file}: weightsManifest[${g}] needs ${groupByteLength(group)} bytes, the shard holds ${bytes.byteLength}`);
    }
    decodeWeightGroup(bytes, group, `${file} weightsManifest[${g}]`, weights);
  });
  return { file, ...parseKerasTopology(record.modelTopology, file), weights };
}
