// Choosing the next token from one row of logits with transformers' processors: repetition penalty, temperature, top-k, top-p, then argmax or a draw.
import type { Random } from '../tensor/random.js';

/** How the next token is chosen. Defaults give greedy decoding. */
export interface SamplingOptions {
  /** Divide logits by this before sampling; 0 (default) means greedy (argmax, do_sample=False). */
  readonly temperature?: number;
  /** Keep only the k most likely tokens when sampling (default 0: all). */
  readonly topK?: number;
  /** Keep the most likely tokens whose probabilities sum to at least p when sampling (default 1: all). */
  readonly topP?: number;
  /** Penalise tokens already in the sequence: positive logits divided by it, negative multiplied (default 1: off). */
  readonly repetitionPenalty?: number;
}

/** transformers' RepetitionPenaltyLogitsProcessor on `logits` [V] in place, over the ids seen so far. */
export function applyRepetitionPenalty(logits: Float32Array, seen: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  for (const id of new Set(seen)) {
    const score = logits[id];
    if (score === undefined) continue;
    logits[id] = score < 0 ? score * penalty : score / penalty;
  }
}

/** The first index of the largest value (torch.argmax). */
export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Temperature, top-k and top-p in transformers' order, then a draw from the softmax of what is left, using `rng`.
 * `logits` [V] is modified in place.
 */
export function sampleToken(logits: Float32Array, options: SamplingOptions, rng: Random): number {
  const temperature = options.temperature ?? 1;
  for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! / temperature;
  const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
  let keep = order.length;
  const topK = options.topK ?? 0;
  if (topK > 0) keep = Math.min(keep, topK);
  const max = logits[order[0]!]!;
  const weights = new Float64Array(keep);
  let total = 0;
  for (let i = 0; i < keep; i++) total += weights[i] = Math.exp(logits[order[i]!]! - max);
  const topP = options.topP ?? 1;
  if (topP < 1) {
    // Smallest head of the ranking whose probability reaches top_p (TopPLogitsWarper keeps at least one token).
    let cumulative = 0;
    for (let i = 0; i < keep; i++) {
      cumulative += weights[i]! / total;
      if (cumulative >= topP) {
        keep = i + 1;
        break;
      }
    }
    total = 0;
    for (let i = 0; i < keep; i++) total += weights[i]!;
  }
  let u = rng.uniform() * total;
  for (let i = 0; i < keep; i++) {
    u -= weights[i]!;
    if (u < 0) return order[i]!;
  }
  return order[keep - 1]!;
}

/** The next token: repetition penalty, then argmax (temperature 0) or a draw. `logits` [V] is modified in place. */
export function nextToken(logits: Float32Array, seen: readonly number[], options: SamplingOptions, rng: Random): number {
  applyRepetitionPenalty(logits, seen, options.repetitionPenalty ?? 1);
  return (options.temperature ?? 0) === 0 ? argmax(logits) : sampleToken(logits, options, rng);
}
