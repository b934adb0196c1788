// Class counts of a data set and the warning when one class outnumbers another by too much.
import { sortLabels } from './labels.js';
import type { ClassCount } from './types.js';

/** Default majority/minority ratio above which `imbalanceWarning` speaks up. */
export const DEFAULT_IMBALANCE_RATIO = 3;

/** Examples per class, in label order (integers numerically, names sorted). */
export function classDistribution(examples: readonly { readonly label: string }[]): ClassCount[] {
  return labelCounts(
    examples.map((example) => example.label),
    examples.length,
  );
}

/**
 * How often each label occurs in `labels`, in label order; `fraction` is count / `total` (default: the
 * number of labels). Multi-label data passes the number of examples, so a fraction is the share of
 * examples carrying the label.
 */
export function labelCounts(labels: Iterable<string>, total?: number): ClassCount[] {
  const counts = new Map<string, number>();
  let seen = 0;
  for (const label of labels) {
    counts.set(label, (counts.get(label) ?? 0) + 1);
    seen++;
  }
  const denominator = total ?? seen;
  return sortLabels(counts.keys()).map((label) => {
    const count = counts.get(label) ?? 0;
    return { label, count, fraction: denominator === 0 ? 0 : count / denominator };
  });
}

/** A one-line warning when the largest class has more than `maxRatio` times the examples of the smallest. */
export function imbalanceWarning(classes: readonly ClassCount[], maxRatio = DEFAULT_IMBALANCE_RATIO): string | undefined {
  if (classes.length < 2) return undefined;
  let majority = classes[0] as ClassCount;
  let minority = classes[0] as ClassCount;
  for (const c of classes) {
    if (c.count > majority.count) majority = c;
    if (c.count < minority.count) minority = c;
  }
  const ratio = majority.count / minority.count;
  if (!(ratio > maxRatio)) return undefined;
  return (
    `class imbalance: '${majority.label}' has ${majority.count} examples, '${minority.label}' ${minority.count} ` +
    `(${ratio.toFixed(1)} to 1, above ${maxRatio}); accuracy will flatter the model, watch macro F1 or use class weights`
  );
}
