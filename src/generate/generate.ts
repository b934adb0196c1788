// Text generation with a causal language model: the token loop (key / value cache or full recomputation), streamed text pieces, stop conditions.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { FinetuneError } from '../errors.js';
import type { CausalLMModel } from '../models/causal/types.js';
import { noGrad } from '../tensor/autograd.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import type { TextTokenizer } from '../tokenizers/types.js';
import { nextToken, type SamplingOptions } from './sampling.js';
import { StopStringBuffer } from './stop-strings.js';
import { TokenTextStream } from './text-stream.js';

export interface GenerateOptions extends SamplingOptions {
  /** Tokens to generate at most (default 64). */
  readonly maxNewTokens?: number;
  /** Strings that end generation; the text stops before the first one (default none). */
  readonly stop?: readonly string[];
  /** Seed of the sampling generator (default: drawn from Math.random; greedy decoding does not use it). */
  readonly seed?: number;
  /** Reuse keys and values of earlier tokens (default true); false recomputes the whole sequence each step. */
  readonly useCache?: boolean;
  /** Ids that end generation (default: the model's eos_token_id); the end token itself is returned, not shown. */
  readonly eosTokenIds?: readonly number[];
  /** Add the tokenizer's special tokens around the prompt (default true, as transformers' pipeline does). */
  readonly addSpecialTokens?: boolean;
}

/** Why generation ended: an end token, a stop string, or maxNewTokens. */
export type FinishReason = 'eos' | 'stop' | 'length';

/** One generated token and the text it adds (after stop-string holding; may be empty); the last piece may carry held text with tokenId -1. */
export interface GeneratedPiece {
  readonly tokenId: number;
  readonly text: string;
}

/** The whole result of a generation. */
export interface GenerationResult {
  readonly text: string;
  readonly promptIds: readonly number[];
  readonly tokenIds: readonly number[];
  readonly finishReason: FinishReason;
}

function checkOptions(options: GenerateOptions): void {
  const bad = (name: string, value: unknown, rule: string): never => {
    throw new FinetuneError(`${name} ${String(value)}: ${rule}`);
  };
  const { maxNewTokens = 64, temperature = 0, topK = 0, topP = 1, repetitionPenalty = 1, seed } = options;
  if (!(Number.isInteger(maxNewTokens) && maxNewTokens >= 1)) bad('max new tokens', maxNewTokens, 'must be an integer >= 1');
  if (!(Number.isFinite(temperature) && temperature >= 0)) bad('temperature', temperature, 'must be a number >= 0 (0: greedy)');
  if (!(Number.isInteger(topK) && topK >= 0)) bad('top-k', topK, 'must be an integer >= 0 (0: off)');
  if (!(topP > 0 && topP <= 1)) bad('top-p', topP, 'must be in (0, 1]');
  if (!(Number.isFinite(repetitionPenalty) && repetitionPenalty > 0)) bad('repetition penalty', repetitionPenalty, 'must be a number > 0 (1: off)');
  if (seed !== undefined && !Number.isInteger(seed)) bad('seed', seed, 'must be an integer');
  if (options.stop?.some((s) => s === '')) throw new FinetuneError('stop: a stop string is empty');
}

/**
 * The ids a model generates after `prompt` (ids), one per step, the end token included when one comes. Greedy when
 * temperature is 0 (transformers' do_sample=False); sampling otherwise, from a generator seeded with `seed`.
 */
export function* generateTokenIds(model: CausalLMModel, prompt: readonly number[], options: GenerateOptions = {}): Generator<number, FinishReason> {
  checkOptions(options);
  const maxNew = options.maxNewTokens ?? 64;
  const ids = prompt.length > 0 ? [...prompt] : model.bosTokenId === null ? [] : [model.bosTokenId];
  if (ids.length === 0) throw new FinetuneError('prompt: empty, and the model has no bos_token_id to start from');
  const total = ids.length + maxNew;
  if (total > model.maxPositions) {
    throw new FinetuneError(`prompt: ${ids.length} tokens + ${maxNew} new tokens exceed the model's ${model.maxPositions} positions`);
  }
  const eos = new Set(options.eosTokenIds ?? model.eosTokenIds);
  const rng = new Random(options.seed ?? Math.floor(Math.random() * 2 ** 31));
  const useCache = options.useCache ?? true;
  const wasTraining = model.training;
  model.eval();
  try {
    const cache = useCache ? model.createCache(1, total) : null;
    const v = model.vocabSize;
    const step = (fresh: readonly number[]): Float32Array => {
      const length = cache ? cache.length + fresh.length : fresh.length;
      const inputs = {
        inputIds: new Tensor(Int32Array.from(fresh), [1, fresh.length]),
        attentionMask: new Tensor(new Int32Array(length).fill(1), [1, length]),
      };
      const logits = cache ? model.forwardCached(inputs, cache) : noGrad(() => model.forward(inputs));
      return logits.f32().slice((fresh.length - 1) * v, fresh.length * v);
    };
    let logits = step(ids);
    for (let n = 0; n < maxNew; n++) {
      const token = nextToken(logits, ids, options, rng);
      yield token;
      if (eos.has(token)) return 'eos';
      ids.push(token);
      if (n + 1 < maxNew) logits = step(cache ? [token] : ids);
    }
    return 'length';
  } finally {
    model.train(wasTraining);
  }
}

/** Encodes the prompt as the model reads it (the tokenizer's special tokens added unless turned off). */
export function promptIds(tokenizer: TextTokenizer, prompt: string, options: GenerateOptions = {}): number[] {
  return tokenizer.encode(prompt, undefined, { addSpecialTokens: options.addSpecialTokens ?? true, maxLength: Number.MAX_SAFE_INTEGER }).ids;
}

/**
 * Generates after `prompt` (text, or ids already encoded), yielding each token with the text it adds; returns why it
 * ended. Yields to the event loop between tokens, so a terminal shows each piece as it comes.
 */
export async function* generatePieces(
  model: CausalLMModel,
  tokenizer: TextTokenizer,
  prompt: string | readonly number[],
  options: GenerateOptions = {},
): AsyncGenerator<GeneratedPiece, FinishReason> {
  const ids = typeof prompt === 'string' ? promptIds(tokenizer, prompt, options) : prompt;
  const text = new TokenTextStream(tokenizer);
  const stops = new StopStringBuffer(options.stop ?? []);
  const eos = new Set(options.eosTokenIds ?? model.eosTokenIds);
  const tokens = generateTokenIds(model, ids, options);
  try {
    for (let next = tokens.next(); ; next = tokens.next()) {
      if (next.done) {
        const rest = stops.push(text.flush()) + stops.flush();
        if (rest !== '') yield { tokenId: -1, text: rest };
        return next.value;
      }
      const id = next.value;
      const piece = stops.push(eos.has(id) ? '' : text.push(id));
      yield { tokenId: id, text: piece };
      if (stops.stopped) return 'stop';
      await yieldToEventLoop();
    }
  } finally {
    // A consumer that stops early (or a stop string) closes the token loop, which puts the model's mode back.
    tokens.return('stop');
  }
}

/** The library API: an async iterator of text pieces generated after `prompt`, whose concatenation is the generated text. */
export async function* generate(
  model: CausalLMModel,
  tokenizer: TextTokenizer,
  prompt: string | readonly number[],
  options: GenerateOptions = {},
): AsyncGenerator<string, void> {
  for await (const piece of generatePieces(model, tokenizer, prompt, options)) if (piece.text !== '') yield piece.text;
}

/** Generates to the end and returns the text with the prompt's and the new tokens' ids. */
export async function generateText(
  model: CausalLMModel,
  tokenizer: TextTokenizer,
  prompt: string | readonly number[],
  options: GenerateOptions = {},
): Promise<GenerationResult> {
  const ids = typeof prompt === 'string' ? promptIds(tokenizer, prompt, options) : [...prompt];
  const pieces = generatePieces(model, tokenizer, ids, options);
  const tokenIds: number[] = [];
  let text = '';
  for (;;) {
    const next = await pieces.next();
    if (next.done) return { text, promptIds: ids, tokenIds, finishReason: next.value };
    if (next.value.tokenId >= 0) tokenIds.push(next.value.tokenId);
    text += next.value.text;
  }
}
