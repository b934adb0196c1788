// Finds evaluation examples whose text also occurs in the training data (a leak that inflates scores).
import type { Example } from './types.js';

/** Texts shared by a training and an evaluation set. */
export interface Leakage {
  /** Indices into the evaluation examples whose text occurs in training. */
  readonly evalIndices: readonly number[];
  /** Indices into the training examples whose text occurs in evaluation. */
  readonly trainIndices: readonly number[];
  /** The distinct shared texts, trimmed; for pairs `text<TAB>textPair`. */
  readonly texts: readonly string[];
}

function key(example: Example): string {
  const text = example.text.trim();
  return example.textPair === undefined ? text : `${text}\t${example.textPair.trim()}`;
}

/** Texts (compared after trimming, pairs compared whole) present in both `train` and `evaluation`. */
export function findLeakage(train: readonly Example[], evaluation: readonly Example[]): Leakage {
  const evalKeys = new Map<string, number[]>();
  evaluation.forEach((example, i) => {
    const k = key(example);
    const list = evalKeys.get(k);
    if (list) list.push(i);
    else evalKeys.set(k, [i]);
  });
  const trainIndices: number[] = [];
  const shared = new Set<string>();
  train.forEach((example, i) => {
    const k = key(example);
    if (evalKeys.has(k)) {
      trainIndices.push(i);
      shared.add(k);
    }
  });
  const evalIndices = [...shared].flatMap((k) => evalKeys.get(k) ?? []).sort((a, b) => a - b);
  return { evalIndices, trainIndices, texts: [...shared] };
}

/** A one-line warning about a leak, or undefined when there is none. */
export function leakageWarning(leakage: Leakage, evaluationSize: number, evalName = 'evaluation data'): string | undefined {
  if (leakage.evalIndices.length === 0) return undefined;
  const percent = ((100 * leakage.evalIndices.length) / Math.max(1, evaluationSize)).toFixed(1);
  const sample = leakage.texts[0] ?? '';
  const shown = sample.length > 60 ? `${sample.slice(0, 57)}...` : sample;
  return (
    `${evalName}: ${leakage.evalIndices.length} of ${evaluationSize} examples (${percent}%) also occur in the training data, ` +
    `e.g. ${JSON.stringify(shown)}; scores on them overstate the model`
  );
}
