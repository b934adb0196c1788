// Reads a TF.js graph model folder (model.json + weight shards): its nodes and every weight, decoded.

import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { readJsonFile } from '../json-file.js';
import type { RawTensor } from '../raw-tensor.js';
import { parseGraphNodes, type GraphAttr, type GraphNode } from './graph-nodes.js';
import { readWeightShards } from './weight-shards.js';
import { parseWeightsManifest } from './weights-manifest.js';

export interface TfjsGraphModel {
  /** Path of the model.json read, for error messages. */
  readonly file: string;
  /** `format` from model.json (`graph-model` for current converters, absent in old files). */
  readonly format: string | undefined;
  readonly nodes: readonly GraphNode[];
  readonly nodesByName: ReadonlyMap<string, GraphNode>;
  /** Every weight of the manifest by name: the values of the graph's Const nodes. */
  readonly weights: Map<string, RawTensor>;
}

/** `path` may be the model folder or its model.json. */
export function modelJsonPath(path: string): string {
  try {
    return statSync(path).isDirectory() ? join(path, 'model.json') : path;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FinetuneError(`${path}: cannot open (${code === 'ENOENT' ? 'no such file or folder' : (code ?? (error as Error).message)})`);
  }
}

/** Reads the graph model at `path` (a folder holding model.json, or the model.json itself). */
export function readTfjsGraphModel(path: string): TfjsGraphModel {
  const file = modelJsonPath(path);
  const json = readJsonFile(file);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FinetuneError(`${file}: must hold a JSON object`);
  const record = json as Record<string, unknown>;
  const format = record['format'];
  if (format !== undefined && typeof format !== 'string') throw new FinetuneError(`${file}: format must be a string`);
  if (format === 'layers-model') throw new FinetuneError(`${file}: a TF.js layers model, not a graph model`);
  if (record['modelTopology'] === undefined) throw new FinetuneError(`${file}: no modelTopology`);
  const nodes = parseGraphNodes(record['modelTopology'], file);
  const groups = parseWeightsManifest(record['weightsManifest'] ?? [], file);
  const weights = readWeightShards(dirname(file), groups, file);
  return { file, format, nodes, nodesByName: new Map(nodes.map((node) => [node.name, node])), weights };
}

/** The node `name`, checked to have op `op` when given; the error names the model file. */
export function requireNode(model: TfjsGraphModel, name: string, op?: string): GraphNode {
  const node = model.nodesByName.get(name);
  if (!node) throw new FinetuneError(`${model.file}: graph has no node '${name}'`);
  if (op !== undefined && node.op !== op) throw new FinetuneError(`${model.file}: node '${name}' is ${node.op}, expected ${op}`);
  return node;
}

/** The weight `name` with shape `shape` when given; the error names the file, the key and both shapes. */
export function requireWeight(model: TfjsGraphModel, name: string, shape?: readonly number[]): RawTensor {
  const weight = model.weights.get(name);
  if (!weight) throw new FinetuneError(`${model.file}: no weight '${name}' in weightsManifest`);
  if (shape !== undefined && (weight.shape.length !== shape.length || weight.shape.some((d, i) => d !== shape[i]))) {
    throw new FinetuneError(`${model.file}: weight '${name}' has shape [${weight.shape.join(',')}], expected [${shape.join(',')}]`);
  }
  return weight;
}

/** The attribute `key` of `node`, checked to be of `kind`. */
export function requireAttr<K extends GraphAttr['kind']>(model: TfjsGraphModel, node: GraphNode, key: string, kind: K): Extract<GraphAttr, { kind: K }> {
  const attr = node.attrs[key];
  if (!attr) throw new FinetuneError(`${model.file}: node '${node.name}' has no attribute '${key}'`);
  if (attr.kind !== kind) throw new FinetuneError(`${model.file}: node '${node.name}' attribute '${key}' is ${attr.kind}, expected ${kind}`);
  return attr as Extract<GraphAttr, { kind: K }>;
}
