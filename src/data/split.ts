// Seeded train/validation splits: stratified (each class keeps its proportion in both parts) or plain random.
import { count } from '../plural.js';
import { FinetuneError } from '../errors.js';
import { sortLabels } from './labels.js';
import { createRandom, randomInt, shuffleInPlace } from './random.js';

/** The two parts of a split, each in the original order of the examples. */
export interface Split<T> {
  readonly train: T[];
  readonly validation: T[];
}

/**
 * Holds out about `fraction` of each class for validation. A class with at least two examples
 * gives round(size x fraction) of them, at least one, and keeps at least one for training; a
 * class with a single example stays in training. Where those minimums of one would hold out more
 * than ceil(examples x fraction) in all (many classes of a few examples each), only as many of
 * the small classes as that allows give one, chosen by the seed, so the split is the fraction it
 * says. The same examples, fraction and seed always give the same split.
 */
export function stratifiedSplit<T extends { readonly label: string }>(examples: readonly T[], fraction: number, seed: number): Split<T> {
  const held = stratifiedHoldout(examples.length, (index) => (examples[index] as T).label, fraction, seed);
  const train: T[] = [];
  const validation: T[] = [];
  examples.forEach((example, index) => (held[index] ? validation : train).push(example));
  return { train, validation };
}

/**
 * stratifiedSplit's choice for `count` items whose class is `classOf(index)`: 1 marks an item held out
 * for validation. Items need not be objects, so an index of millions of rows splits without them.
 */
export function stratifiedHoldout(count: number, classOf: (index: number) => string, fraction: number, seed: number): Uint8Array {
  const names: string[] = [];
  const idOf = new Map<string, number>();
  const ids = new Uint32Array(count);
  for (let index = 0; index < count; index++) {
    const label = classOf(index);
    let id = idOf.get(label);
    if (id === undefined) {
      id = names.length;
      idOf.set(label, id);
      names.push(label);
    }
    ids[index] = id;
  }
  return stratifiedHoldoutIds(ids, names, fraction, seed);
}

/** stratifiedHoldout for items given as class ids into `names` (each name once): no string per item. */
export function stratifiedHoldoutIds(ids: ArrayLike<number>, names: readonly string[], fraction: number, seed: number): Uint8Array {
  if (!(fraction > 0 && fraction < 1)) {
    throw new FinetuneError(`validation fraction must be between 0 and 1 (exclusive), got ${fraction}`);
  }
  const count = ids.length;
  // Members per class in typed arrays (two passes: sizes, then members), so millions of rows cost no array of numbers each.
  const sizes = new Uint32Array(names.length);
  for (let index = 0; index < count; index++) sizes[ids[index]!]!++;
  const memberLists = Array.from(sizes, (size) => new Uint32Array(size));
  const filled = new Uint32Array(names.length);
  for (let index = 0; index < count; index++) {
    const id = ids[index]!;
    memberLists[id]![filled[id]!++] = index;
  }
  const byClass = new Map<string, Uint32Array>();
  names.forEach((name, id) => {
    if (sizes[id]! > 0) byClass.set(name, memberLists[id]!);
  });
  // Classes in a fixed order so the random stream each class sees does not depend on the data's order.
  const labels = sortLabels(byClass.keys());
  const quotas = new Map<string, number>();
  for (const label of labels) {
    const size = (byClass.get(label) as Uint32Array).length;
    if (size >= 2) quotas.set(label, Math.min(size - 1, Math.max(1, Math.round(size * fraction))));
  }
  limitSmallClasses(quotas, byClass, fraction, Math.ceil(count * fraction), seed);
  const random = createRandom(seed);
  const held = new Uint8Array(count);
  let heldCount = 0;
  for (const label of labels) {
    const members = byClass.get(label) as Uint32Array;
    if (members.length < 2) continue;
    const take = quotas.get(label) as number;
    // shuffleInPlace's draws on a typed array: the same order as on a plain one.
    for (let i = members.length - 1; i > 0; i--) {
      const j = randomInt(random, i + 1);
      const swap = members[i]!;
      members[i] = members[j]!;
      members[j] = swap;
    }
    for (let k = 0; k < take; k++) held[members[k] as number] = 1;
    heldCount += take;
  }
  if (heldCount === 0) {
    throw new FinetuneError(`cannot hold out a validation split: no class has two examples (${count} examples)`);
  }
  return held;
}

/**
 * Sets the quota of small classes (those whose share rounds below one, given one as a minimum) to
 * zero, in a seeded order, while the quotas add up to more than `allowed`; at least one class keeps
 * its quota. Its own random stream leaves the member shuffles, and so the usual splits, unchanged.
 */
function limitSmallClasses(
  quotas: Map<string, number>,
  byClass: ReadonlyMap<string, { readonly length: number }>,
  fraction: number,
  allowed: number,
  seed: number,
): void {
  let total = 0;
  for (const quota of quotas.values()) total += quota;
  if (total <= allowed) return;
  const small = [...quotas.keys()].filter((label) => Math.round((byClass.get(label) as { readonly length: number }).length * fraction) < 1);
  shuffleInPlace(small, createRandom(seed ^ 0x5bd1e995));
  for (const label of small) {
    if (total <= allowed || total <= 1) break;
    quotas.set(label, 0);
    total--;
  }
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
