// Float32 buffers for op results, recycled inside recycleBuffers(): size-classed free lists instead of a fresh, zeroed allocation per op.
//
// Outside a recycling scope allocF32 is `new Float32Array(n)` and nothing is ever recycled. Inside one,
// buffers come from free lists (uninitialised: callers overwrite every element, or use zerosF32) and
// go back when the scope ends, or earlier when autograd knows they are dead (intermediate gradients,
// buffers an op keeps only for its backward). A gradient handed to a parameter's `.grad` leaves the
// scope with the parameter and is taken back once the parameter no longer holds it (after zeroGrad).
import type { Tensor } from './tensor.js';

/** Free lists by capacity (elements); each ArrayBuffer's byteLength / 4 is its capacity. */
const free = new Map<number, ArrayBuffer[]>();
let freeBytes = 0;
/** Buffers handed out by the open scopes, not yet returned. */
let live: Set<ArrayBuffer> | null = null;
let depth = 0;
/** Bytes handed out and not yet back (live in the scope, or lent to parameters), and their most in the current outermost scope. */
let outstandingBytes = 0;
let peakOutstandingBytes = 0;
/** The busiest moments of the last few outermost scopes, newest last (see trimFree). */
const recentPeaks: number[] = [];
const RECENT_SCOPES = 8;
/** Size classes the current outermost scope asked for: trimming drops the others first. */
const usedClasses = new Set<number>();
let created = 0;
/** Gradient buffers that parameters took out of a scope, with the parameter holding each. */
const lent = new Map<ArrayBuffer, Tensor>();
/** Buffers handed out since the innermost releaseAllocatedDuring began (null when none is running). */
let tracked: ArrayBuffer[] | null = null;

/** Capacities grow in steps of 1/8 of a power of two, so a buffer serves sizes up to 12.5% smaller than it. */
function sizeClass(n: number): number {
  if (n <= 1024) return Math.max(16, (n + 15) & ~15);
  const top = 2 ** Math.floor(Math.log2(n));
  const step = top / 8;
  return Math.ceil(n / step) * step;
}

/** Whether a recycling scope is open. */
export function isRecycling(): boolean {
  return live !== null;
}

/** A float32 buffer of n elements: zeroed outside a recycling scope, uninitialised (recycled) inside one. */
export function allocF32(n: number): Float32Array {
  if (live === null || n < 4096) return new Float32Array(n);
  const capacity = sizeClass(n);
  usedClasses.add(capacity);
  const list = free.get(capacity);
  let buffer = list?.pop();
  if (buffer) {
    freeBytes -= buffer.byteLength;
  } else {
    buffer = new ArrayBuffer(capacity * 4);
    created++;
  }
  live.add(buffer);
  tracked?.push(buffer);
  outstandingBytes += buffer.byteLength;
  if (outstandingBytes > peakOutstandingBytes) peakOutstandingBytes = outstandingBytes;
  return new Float32Array(buffer, 0, n);
}

/** A zero-filled float32 buffer of n elements (recycled inside a scope). */
export function zerosF32(n: number): Float32Array {
  const out = allocF32(n);
  if (live !== null) out.fill(0);
  return out;
}

function giveBack(buffer: ArrayBuffer): void {
  outstandingBytes -= buffer.byteLength;
  const capacity = buffer.byteLength / 4;
  let list = free.get(capacity);
  if (!list) free.set(capacity, (list = []));
  list.push(buffer);
  freeBytes += buffer.byteLength;
}

/**
 * Returns a buffer to the free lists when the open scope handed it out and still owns it; otherwise
 * does nothing. Only for buffers nothing else can reach any more.
 */
export function releaseF32(data: Float32Array | Int32Array): void {
  if (live === null) return;
  const buffer = data.buffer as ArrayBuffer;
  if (!live.delete(buffer)) return;
  giveBack(buffer);
}

/** Marks a scope buffer as now held by `holder.grad` (a parameter): it outlives the scope until the parameter lets go. */
export function lendToParameter(data: Float32Array, holder: Tensor): void {
  if (live === null) return;
  const buffer = data.buffer as ArrayBuffer;
  if (!live.delete(buffer)) return;
  lent.set(buffer, holder);
}

/** Takes back lent gradient buffers whose parameter no longer holds them. */
function reclaimLent(): void {
  for (const [buffer, holder] of lent) {
    if (holder.grad !== null && holder.grad.data.buffer === buffer) continue;
    lent.delete(buffer);
    giveBack(buffer);
  }
}

/**
 * Drops free buffers beyond what the busiest of the last few scopes needed, plus an eighth for sizes that
 * shift (they change with the batch): sizes the last scope did not ask for go first, then the largest.
 * Several scopes, not just the last: predict's short batches (sorted by length) and a smaller model's
 * pass between two larger ones would otherwise give back buffers the next scope allocates afresh, and a
 * fresh buffer costs a zero-filled page fault per 4 KiB.
 */
function trimFree(): void {
  recentPeaks.push(peakOutstandingBytes);
  if (recentPeaks.length > RECENT_SCOPES) recentPeaks.shift();
  const limit = Math.max(...recentPeaks) * 1.125;
  if (freeBytes <= limit) return;
  const capacities = [...free.keys()].sort((a, b) => Number(usedClasses.has(a)) - Number(usedClasses.has(b)) || b - a);
  for (const capacity of capacities) {
    const list = free.get(capacity)!;
    while (list.length > 0 && freeBytes > limit) {
      freeBytes -= list.pop()!.byteLength;
    }
    if (list.length === 0) free.delete(capacity);
    if (freeBytes <= limit) break;
  }
}

/**
 * Runs `fn` and then returns to the free lists every buffer the open scope handed out during it, except those
 * `keep` names (the result's data): for work whose intermediates nothing can reach afterwards, such as a forward
 * run under noGrad that backward will recompute (gradient checkpointing). Outside a scope it only runs `fn`.
 */
export function releaseAllocatedDuring<T>(fn: () => T, keep: (result: T) => readonly (Float32Array | Int32Array)[]): T {
  if (live === null) return fn();
  const outer = tracked;
  const mine: ArrayBuffer[] = [];
  tracked = mine;
  let result: T;
  try {
    result = fn();
  } finally {
    tracked = outer;
    outer?.push(...mine);
  }
  const kept = new Set(keep(result).map((a) => a.buffer));
  for (const buffer of mine) {
    if (kept.has(buffer) || !live.delete(buffer)) continue;
    giveBack(buffer);
  }
  return result;
}

/**
 * Runs `fn` (typically forward, backward and the optimizer step of one batch) with op results drawn from
 * recycled buffers, all returned when it ends. Tensors made inside must not be used after it returns,
 * except parameters' `.grad` (return plain values such as `loss.item()`). Scopes nest; the outermost
 * one returns the buffers.
 */
export function recycleBuffers<T>(fn: () => T): T {
  if (depth === 0) {
    live = new Set();
    usedClasses.clear();
    reclaimLent();
    peakOutstandingBytes = outstandingBytes;
  }
  depth++;
  try {
    return fn();
  } finally {
    depth--;
    if (depth === 0) {
      for (const buffer of live!) giveBack(buffer);
      live = null;
      reclaimLent();
      trimFree();
    }
  }
}

/** Bytes the free lists hold (for tests and memory reports). */
export function pooledBytes(): number {
  return freeBytes;
}

/** Empties the free lists (their memory goes back to the garbage collector). */
export function clearBufferPool(): void {
  free.clear();
  freeBytes = 0;
  recentPeaks.length = 0;
}

/** Buffers created since the process started (a steady training loop stops creating them after its first steps). */
export function createdBuffers(): number {
  return created;
}
