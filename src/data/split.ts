// Seeded train/validation splits: stratified (each class keeps its proportion in both parts) or plain random.
import { count } from '../plural.js';
import { FinetuneError } from '../errors.js';
import { sortLabels } from './labels.js';
import { createRandom, shuffleInPlace } from './random.js';

/** The two parts of a split, each in the original order of the examples. */
export interface Split<T> {
  readonly train: T[];
  readonly validation: T[];
}

/**
 * Holds out about `fraction` of each class for validation. Every class with at least two examples
 * gives at least one to validation and keeps at least one for training; a class with a single
 * example stays in training. The same examples, fraction and seed always give the same split.
 */
export function stratifiedSplit<T extends { readonly label: string }>(examples: readonly T[], fraction: number, seed: number): Split<T> {
  if (!(fraction > 0 && fraction < 1)) {
    throw new FinetuneError(`validation fraction must be between 0 and 1 (exclusive), got ${fraction}`);
  }
  const byClass = new Map<string, number[]>();
  examples.forEach((example, index) => {
    const members = byClass.get(example.label);
    if (members) members.push(index);
    else byClass.set(example.label, [index]);
  });
  const random = createRandom(seed);
  const held = new Uint8Array(examples.length);
  let heldCount = 0;
  // Classes in a fixed order so the random stream each class sees does not depend on the data's order.
  for (const label of sortLabels(byClass.keys())) {
    const members = byClass.get(label) as number[];
    if (members.length < 2) continue;
    const take = Math.min(members.length - 1, Math.max(1, Math.round(members.length * fraction)));
    shuffleInPlace(members, random);
    for (let k = 0; k < take; k++) held[members[k] as number] = 1;
    heldCount += take;
  }
  if (heldCount === 0) {
    throw new FinetuneError(`cannot hold out a validation split: no class has two examples (${examples.length} examples)`);
  }
  const train: T[] = [];
  const validation: T[] = [];
  examples.forEach((example, index) => (held[index] ? validation : train).push(example));
  return { train, validation };
}

/**
 * A seeded random split for data without classes to stratify by (regression targets, multi-label
 * sets, tagged sentences): about `fraction` of the items (at least one) for validation, the rest (at
 * least one) for training, each part in the original order. `noun` names the items in errors. The
 * same items, fraction and seed always give the same split.
 */
export function randomSplit<T>(items: readonly T[], fraction: number, seed: number, noun = 'example'): Split<T> {
  if (!(fraction > 0 && fraction < 1)) {
    throw new FinetuneError(`validation fraction must be between 0 and 1 (exclusive), got ${fraction}`);
  }
  if (items.length < 2) throw new FinetuneError(`cannot hold out a validation split from ${count(items.length, noun)}; it needs two`);
  const take = Math.min(items.length - 1, Math.max(1, Math.round(items.length * fraction)));
  const order = shuffleInPlace(
    Array.from(items, (_, i) => i),
    createRandom(seed),
  );
  const held = new Uint8Array(items.length);
  for (let k = 0; k < take; k++) held[order[k] as number] = 1;
  const train: T[] = [];
  const validation: T[] = [];
  items.forEach((item, i) => (held[i] ? validation : train).push(item));
  return { train, validation };
}
