// What cleanTable, stratifiedSplit and findLeakage do for examples, done on a row index: duplicates, conflicting labels, the split, the leak check.
//
// Texts are compared by their 64-bit hashes: candidates are found by sorting 53 bits of them in a
// Float64Array (no object per row), then confirmed on all 64 bits.
import type { RowIndex } from './row-index.js';
import { stratifiedHoldoutIds } from './split.js';

/** 53 bits of row i's hash as an exact float, for sorting. */
function key53(hashes: Uint32Array, i: number): number {
  return (hashes[2 * i + 1]! & 0x1fffff) * 0x100000000 + hashes[2 * i]!;
}

function full(hashes: Uint32Array, i: number): string {
  return `${hashes[2 * i]},${hashes[2 * i + 1]}`;
}

/** The 53-bit keys that occur more than once in `sorted`. */
function repeated(sorted: Float64Array): Set<number> {
  const out = new Set<number>();
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) out.add(sorted[i]!);
  return out;
}

/** The index with exact duplicates dropped, and what cleanTable reports about duplicates and conflicting labels. */
export interface DeduplicatedIndex {
  readonly index: RowIndex;
  readonly duplicatesDropped: number;
  readonly firstDuplicateLine: number;
  readonly conflictingTexts: number;
  readonly firstConflictLine: number;
}

/** Drops rows whose text (and pair) and label repeat an earlier row's (when `drop`), and counts texts seen with two labels. */
export function dropDuplicateRows(index: RowIndex, drop = true): DeduplicatedIndex {
  const { count, hashes, labels } = index;
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) keys[i] = key53(hashes, i);
  const candidates = repeated(keys.sort());
  const keep = new Uint8Array(count).fill(1);
  let duplicatesDropped = 0;
  let firstDuplicateLine = 0;
  let conflictingTexts = 0;
  let firstConflictLine = 0;
  if (candidates.size > 0) {
    const seen = new Map<string, Set<number>>();
    for (let i = 0; i < count; i++) {
      if (!candidates.has(key53(hashes, i))) continue;
      const text = full(hashes, i);
      const labelsOfText = seen.get(text);
      if (labelsOfText === undefined) {
        seen.set(text, new Set([labels[i]!]));
      } else if (labelsOfText.has(labels[i]!)) {
        if (!drop) continue;
        keep[i] = 0;
        duplicatesDropped++;
        if (firstDuplicateLine === 0) firstDuplicateLine = index.lines[i]!;
      } else {
        labelsOfText.add(labels[i]!);
        if (labelsOfText.size === 2) {
          conflictingTexts++;
          if (firstConflictLine === 0) firstConflictLine = index.lines[i]!;
        }
      }
    }
  }
  const kept = duplicatesDropped === 0 ? index : selectRows(index, rowsWhere(keep, 1));
  return { index: kept, duplicatesDropped, firstDuplicateLine, conflictingTexts, firstConflictLine };
}

/** The positions i where mask[i] === value. */
function rowsWhere(mask: Uint8Array, value: number): Uint32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === value) n++;
  const rows = new Uint32Array(n);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === value) rows[k++] = i;
  return rows;
}

/** The index restricted to `rows` (positions into it, ascending). */
export function selectRows(index: RowIndex, rows: Uint32Array): RowIndex {
  const n = rows.length;
  const starts = new Float64Array(n);
  const lengths = new Uint32Array(n);
  const lines = new Uint32Array(n);
  const labels = new (index.labels.constructor as Uint8ArrayConstructor)(n);
  const hashes = new Uint32Array(2 * n);
  for (let k = 0; k < n; k++) {
    const r = rows[k]!;
    starts[k] = index.starts[r]!;
    lengths[k] = index.lengths[r]!;
    lines[k] = index.lines[r]!;
    labels[k] = index.labels[r]!;
    hashes[2 * k] = index.hashes[2 * r]!;
    hashes[2 * k + 1] = index.hashes[2 * r + 1]!;
  }
  return { ...index, count: n, starts, lengths, lines, labels, hashes };
}

/** A split of an index's rows: positions into it, ascending. */
export interface RowSplit {
  readonly train: Uint32Array;
  readonly validation: Uint32Array;
}

/** stratifiedSplit on an index: the same rows, fraction and seed hold out the same rows as stratifiedSplit of the same examples. */
export function splitRows(index: RowIndex, fraction: number, seed: number): RowSplit {
  const held = stratifiedHoldoutIds(index.labels, index.labelNames, fraction, seed);
  return { train: rowsWhere(held, 0), validation: rowsWhere(held, 1) };
}

/** All rows of an index, for a file used whole. */
export function allRows(index: RowIndex): Uint32Array {
  const rows = new Uint32Array(index.count);
  for (let i = 0; i < rows.length; i++) rows[i] = i;
  return rows;
}

/** Evaluation rows whose text (and pair) also occurs among the training rows: positions into `evalRows`, ascending. */
export function leakedRows(train: RowIndex, trainRows: Uint32Array, evaluation: RowIndex, evalRows: Uint32Array): number[] {
  const trainKeys = new Float64Array(trainRows.length);
  for (let k = 0; k < trainRows.length; k++) trainKeys[k] = key53(train.hashes, trainRows[k]!);
  const evalKeys = new Float64Array(evalRows.length);
  for (let k = 0; k < evalRows.length; k++) evalKeys[k] = key53(evaluation.hashes, evalRows[k]!);
  trainKeys.sort();
  const sortedEval = evalKeys.slice().sort();
  // A merge of the two sorted key lists finds the shared 53-bit keys.
  const shared = new Set<number>();
  for (let a = 0, b = 0; a < trainKeys.length && b < sortedEval.length; ) {
    if (trainKeys[a]! < sortedEval[b]!) a++;
    else if (trainKeys[a]! > sortedEval[b]!) b++;
    else {
      shared.add(trainKeys[a]!);
      a++;
    }
  }
  if (shared.size === 0) return [];
  const trainTexts = new Set<string>();
  for (let k = 0; k < trainRows.length; k++) if (shared.has(key53(train.hashes, trainRows[k]!))) trainTexts.add(full(train.hashes, trainRows[k]!));
  const leaked: number[] = [];
  for (let k = 0; k < evalRows.length; k++) if (shared.has(evalKeys[k]!) && trainTexts.has(full(evaluation.hashes, evalRows[k]!))) leaked.push(k);
  return leaked;
}
