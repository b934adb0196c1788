// What a config.json implies before anything is allocated: its parameter count, checked against the machine's memory and the weights file.
//
// An absurd field (`num_hidden_layers: 100000`, `vocab_size: 1e9`) would otherwise allocate
// gigabytes, or fail deep in a typed-array constructor, before any check runs.

import { existsSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { formatBytes } from '../../io/bounded-read.js';
import { WEIGHTS_FILE_NAMES } from '../../io/state-dict.js';
import { checkImageConfigBudget } from '../vision/config-budget.js';
import type { ConfigJson } from './config-fields.js';

/** The size fields of an encoder config.json, under each family's names. */
interface SizeFields {
  readonly vocab: string;
  readonly hidden: string;
  readonly layers: string;
  readonly intermediate: string;
  readonly positions: string;
  /** Token type (segment) embeddings; absent in DistilBERT. */
  readonly types?: string;
  /** A factorised embedding width (USE-lite), else the hidden width. */
  readonly embedding?: string;
}

const BERT_FIELDS: SizeFields = {
  vocab: 'vocab_size',
  hidden: 'hidden_size',
  layers: 'num_hidden_layers',
  intermediate: 'intermediate_size',
  positions: 'max_position_embeddings',
  types: 'type_vocab_size',
};
const FIELDS: Readonly<Record<string, SizeFields>> = {
  distilbert: { vocab: 'vocab_size', hidden: 'dim', layers: 'n_layers', intermediate: 'hidden_dim', positions: 'max_position_embeddings' },
  'use-lite': {
    vocab: 'vocab_size',
    hidden: 'hidden_size',
    layers: 'num_hidden_layers',
    intermediate: 'intermediate_size',
    positions: 'max_position_embeddings',
    embedding: 'embedding_size',
  },
};

/** bert-base's sizes: what a field is compared with to find the one that makes a config absurd. */
const TYPICAL: Readonly<Record<keyof SizeFields, number>> = {
  vocab: 30522,
  hidden: 768,
  layers: 12,
  intermediate: 3072,
  positions: 512,
  types: 2,
  embedding: 768,
};

type Sizes = Record<keyof SizeFields, number>;

/** Models whose float32 weights take less than this are built before their weights file is judged. */
const WEIGHTS_CHECK_BYTES = 256 * 1024 * 1024;

/** Layers are built one by one, each a handful of modules: a deeper config is a typo or an attack (the deepest real encoders have ~100). */
const MAX_LAYERS = 1024;

/** Weights of the encoder (linear weights and embeddings; biases and norms are a rounding error). */
function parameterCount(s: Sizes): number {
  const embeddings = (s.vocab + s.positions + s.types) * s.embedding + (s.embedding === s.hidden ? 0 : s.embedding * s.hidden);
  const perLayer = 4 * s.hidden * s.hidden + 2 * s.hidden * s.intermediate;
  return embeddings + s.layers * perLayer;
}

export interface ConfigBudgetOptions {
  /** Bytes of the weights file the config comes with (undefined: no file, e.g. --init random). */
  readonly weightsBytes?: number | undefined;
  /** The weights file's name, for the message. */
  readonly weightsFile?: string;
  /** Memory to compare with (default os.totalmem()). */
  readonly memoryBytes?: number;
}

export interface ConfigBudget {
  /** Parameters the config implies (the encoder's weights; a lower bound of the model's); NaN when a size field is not a number. */
  readonly parameters: number;
}

/**
 * Checks the sizes config.json implies before a model is built: the float32 weights alone must fit
 * the machine's memory, and a weights file must be large enough to hold them (2 bytes per parameter
 * at the least, as float16). The error names the field that makes the model large and the file.
 * Fields that are not positive numbers are left for the family's own config check.
 */
export function checkConfigBudget(config: ConfigJson, file: string, options: ConfigBudgetOptions = {}): ConfigBudget {
  const image = checkImageConfigBudget(config, file, options.memoryBytes ?? totalmem(), options.weightsBytes, options.weightsFile);
  if (image) return image;
  const names = FIELDS[String(config.model_type)] ?? BERT_FIELDS;
  const sizes = {} as Sizes;
  const given = {} as Record<keyof SizeFields, boolean>;
  for (const role of Object.keys(TYPICAL) as (keyof SizeFields)[]) {
    const name = names[role];
    const value = name === undefined ? undefined : config[name];
    given[role] = typeof value === 'number' && Number.isFinite(value) && value > 0;
    // A field of the wrong type is the family check's to report, in its own words.
    if (value !== undefined && value !== null && !given[role]) return { parameters: Number.NaN };
    sizes[role] = given[role] ? (value as number) : role === 'embedding' ? Number.NaN : role === 'types' && name === undefined ? 0 : TYPICAL[role];
  }
  if (Number.isNaN(sizes.embedding)) sizes.embedding = sizes.hidden;
  const parameters = parameterCount(sizes);
  const culprit = (): string => {
    // The field furthest above its typical value.
    let worst: keyof SizeFields = 'layers';
    let ratio = 0;
    for (const role of Object.keys(TYPICAL) as (keyof SizeFields)[]) {
      if (given[role] && sizes[role] / TYPICAL[role] > ratio) {
        ratio = sizes[role] / TYPICAL[role];
        worst = role;
      }
    }
    return `${names[worst]} ${sizes[worst]}`;
  };
  if (sizes.layers > MAX_LAYERS) {
    throw new FinetuneError(`${file}: ${names.layers} ${sizes.layers} is more layers than any model has (at most ${MAX_LAYERS})`);
  }
  const count = (n: number): string =>
    n >= 1e9 ? `${Number((n / 1e9).toPrecision(3))} billion` : n >= 1e6 ? `${Number((n / 1e6).toPrecision(3))} million` : n.toLocaleString('en-US');
  const memory = options.memoryBytes ?? totalmem();
  if (parameters * 4 > memory) {
    throw new FinetuneError(
      `${file}: ${culprit()} makes a model of ${count(parameters)} parameters (${formatBytes(parameters * 4)} as float32), more than this machine's ${formatBytes(memory)} of memory`,
    );
  }
  // Only where building the model would cost real memory: for a small model the weights reader's
  // own message (a truncated file, a missing key) says more.
  if (options.weightsBytes !== undefined && parameters * 2 > options.weightsBytes && parameters * 4 > WEIGHTS_CHECK_BYTES) {
    const weights = options.weightsFile ?? 'the weights file';
    throw new FinetuneError(
      `${file}: ${culprit()} makes a model of ${count(parameters)} parameters, but ${weights} holds only ${formatBytes(options.weightsBytes)} (at least ${formatBytes(parameters * 2)} expected): the config does not belong to these weights`,
    );
  }
  return { parameters };
}

/** The weights file the loader will read in `folder`, with its size, when it is a single regular file (not shards). */
export function singleWeightsFile(folder: string): { path: string; bytes: number } | undefined {
  for (const name of WEIGHTS_FILE_NAMES) {
    const path = join(folder, name);
    if (!existsSync(path)) continue;
    const stats = statSync(path);
    return stats.isFile() && !name.endsWith('.json') ? { path, bytes: stats.size } : undefined;
  }
  return undefined;
}
