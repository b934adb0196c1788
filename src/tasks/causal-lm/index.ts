// Causal language modelling: next-token loss with transformers' shift, normalised by target tokens across micro-batches (#34191), perplexity and tokens/s.
import type { CausalLMData } from '../../data/causal/encode.js';
import { crossEntropy } from '../../tensor/ops/losses.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Task, TaskBatch, TaskEvaluation } from '../task.js';
import { collateInputs, inputLengths } from '../text-inputs.js';

export type { CausalLMData } from '../../data/causal/encode.js';

/** The label of a token that takes no loss. */
const IGNORE = -100;

/** An evaluation's language-modelling figures. */
export interface CausalLMMetrics {
  /** Mean loss per target token (nats). */
  readonly loss: number;
  /** exp(loss). */
  readonly perplexity: number;
  /** Target tokens scored (labels other than -100 after the shift). */
  readonly targetTokens: number;
  /** Input tokens read (padding excluded). */
  readonly inputTokens: number;
  readonly sequences: number;
  readonly seconds: number;
  /** Input tokens per second of evaluation (forward passes included). */
  readonly tokensPerSecond: number;
}

/**
 * Each row's labels moved one to the left, -100 at its end: the target of position t is the label of
 * t + 1 (transformers' ForCausalLMLoss pads the labels with -100 and drops the first, so logits need no slicing).
 * Shapes: labels [B, T] in, targets [B * T] out.
 */
export function shiftLabels(labels: Int32Array, b: number, t: number): Int32Array {
  const out = new Int32Array(b * t).fill(IGNORE);
  for (let row = 0; row < b; row++) out.set(labels.subarray(row * t + 1, (row + 1) * t), row * t);
  return out;
}

/** A causal LM batch: `targets` holds the unshifted labels [B, T] (-100 on padding); `shifted` what each position predicts. */
interface CausalBatch extends TaskBatch {
  readonly shifted: Tensor;
}

/** Logits [B, T, V] as rows [B * T, V]. */
const flat = (logits: Tensor): Tensor => logits.reshape([logits.shape[0]! * logits.shape[1]!, logits.shape[2]!]);

/** The batch's summed loss, remembered for the metric stream that sees the same logits right after evalLoss. */
let lastSum: { logits: Tensor; sum: number } | null = null;

function lossSum(logits: Tensor, batch: CausalBatch): number {
  return batch.items === 0 ? 0 : crossEntropy(flat(logits), batch.shifted, { reduction: 'sum' }).item();
}

/** The summed loss evalLoss computed for these logits (then forgotten: logits [B, T, V] are large), or computed now. */
function takeLossSum(logits: Tensor, batch: CausalBatch): number {
  const sum = lastSum?.logits === logits ? lastSum.sum : lossSum(logits, batch);
  lastSum = null;
  return sum;
}

const fmt = (n: number): string => (Number.isFinite(n) ? (n >= 1000 ? n.toFixed(1) : n.toFixed(4)) : String(n));

/**
 * The causal-lm task. Each batch's `items` is its number of target tokens, so the trainer's weighting
 * (each micro-batch's mean times its share of the step's items) gives the sum of token losses over the
 * gradient-accumulation step divided by its target tokens, as transformers does since #34191.
 */
export function causalLMTask(): Task<CausalLMData, CausalLMMetrics> {
  return {
    name: 'causal-lm',
    headKind: 'causal-lm',
    problemType: 'single_label_classification',
    labels: [],
    metricNames: ['perplexity', 'tokens_per_second'],
    defaultMetric: 'loss',
    size: (data) => data.inputIds.length,
    lengths: inputLengths,
    collate(data, indices): CausalBatch {
      const { inputs, tokens, length } = collateInputs(data, indices);
      const labels = new Int32Array(indices.length * length).fill(IGNORE);
      indices.forEach((index, row) => labels.set(data.labels[index]!, row * length));
      const shifted = shiftLabels(labels, indices.length, length);
      let items = 0;
      for (const label of shifted) if (label !== IGNORE) items++;
      return { inputs, targets: new Tensor(labels, [indices.length, length]), shifted: new Tensor(shifted, [shifted.length]), items, tokens, indices };
    },
    loss: (logits, batch) => crossEntropy(flat(logits), (batch as CausalBatch).shifted),
    evalLoss(logits, batch) {
      const sum = lossSum(logits, batch as CausalBatch);
      lastSum = { logits, sum };
      return [sum, batch.items];
    },
    metrics() {
      const started = performance.now();
      let sum = 0;
      let targetTokens = 0;
      let inputTokens = 0;
      let sequences = 0;
      return {
        add(logits, batch) {
          sum += takeLossSum(logits, batch as CausalBatch);
          targetTokens += batch.items;
          inputTokens += batch.tokens;
          sequences += batch.indices.length;
        },
        result() {
          const seconds = (performance.now() - started) / 1000;
          const loss = targetTokens > 0 ? sum / targetTokens : Number.NaN;
          return {
            loss,
            perplexity: Math.exp(loss),
            targetTokens,
            inputTokens,
            sequences,
            seconds,
            tokensPerSecond: inputTokens / Math.max(seconds, 1e-9),
          };
        },
      };
    },
    scalars: (m) => ({ perplexity: m.perplexity, tokens_per_second: m.tokensPerSecond }),
    curves: [['perplexity', 'perplexity']],
    headline: ({ loss, metrics: m }) =>
      `loss ${loss.toFixed(4)}, perplexity ${fmt(m.perplexity)}, ${Math.round(m.tokensPerSecond).toLocaleString('en-US')} tokens/s`,
    describe(evaluation: TaskEvaluation<CausalLMMetrics>) {
      const m = evaluation.metrics;
      return [
        `loss ${evaluation.loss.toFixed(4)}  perplexity ${fmt(m.perplexity)}`,
        `${m.sequences.toLocaleString('en-US')} sequences, ${m.targetTokens.toLocaleString('en-US')} target tokens of ${m.inputTokens.toLocaleString('en-US')}, ` +
          `${m.seconds.toFixed(2)} s (${Math.round(m.tokensPerSecond).toLocaleString('en-US')} tokens/s)`,
      ];
    },
    report: ({ loss, metrics: m }) => ({
      scores: [
        ['loss', loss],
        ['perplexity', m.perplexity],
        ['tokens/s', m.tokensPerSecond],
      ],
      tables: [
        {
          title: 'Evaluation data',
          columns: ['what', 'count'],
          rows: [
            ['sequences', String(m.sequences)],
            ['target tokens', String(m.targetTokens)],
            ['input tokens', String(m.inputTokens)],
          ],
        },
      ],
    }),
    details: (m) => ({ target_tokens: m.targetTokens, input_tokens: m.inputTokens, sequences: m.sequences, eval_seconds: m.seconds }),
  };
}
