// A check that model code never reads tensor data on the host: inside forbidHostReads, Tensor's data accessors throw when called from it.
//
// Model code composes ops, so the same model can run on a device backend or be exported as a graph;
// ops and backends are the kernels and may read. Off (the normal case) the accessors are the class's
// own, untouched; on, they are swapped on the prototype for versions that look at their caller.
import { Tensor } from './tensor.js';

/** Source files whose reads are refused by default: the model families and the nn layers (compiled or not). */
export const MODEL_CODE: RegExp = /[\\/]src[\\/](models|nn)[\\/]/;

/** Thrown for a read of tensor data from code the guard covers. */
export class HostReadError extends Error {
  constructor(accessor: string, caller: string) {
    super(`host read of tensor data (Tensor.${accessor}) from model code at ${caller}: compute it with a tensor op instead`);
    this.name = 'HostReadError';
  }
}

const ACCESSORS = ['f32', 'i32', 'item', 'toArray'] as const;
type Accessor = (typeof ACCESSORS)[number];

let depth = 0;
let pattern: RegExp = MODEL_CODE;
const originals = {
  data: Object.getOwnPropertyDescriptor(Tensor.prototype, 'data')!,
  methods: Object.fromEntries(ACCESSORS.map((name) => [name, Tensor.prototype[name]])) as Record<Accessor, (this: Tensor) => unknown>,
};

/** The first stack frame above `entry` (the accessor the caller used). */
function callerOf(entry: (...args: never[]) => unknown): string {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  Error.captureStackTrace(holder, entry);
  Error.stackTraceLimit = limit;
  return (holder.stack ?? '').split('\n')[1]?.trim().replace(/^at /, '') ?? '';
}

function install(): void {
  const getData = originals.data.get!;
  const guardedData = function (this: Tensor): unknown {
    const caller = callerOf(guardedData);
    if (pattern.test(caller)) throw new HostReadError('data', caller);
    return getData.call(this);
  };
  Object.defineProperty(Tensor.prototype, 'data', { ...originals.data, get: guardedData });
  for (const name of ACCESSORS) {
    const original = originals.methods[name];
    const guarded = function (this: Tensor): unknown {
      const caller = callerOf(guarded);
      if (pattern.test(caller)) throw new HostReadError(`${name}()`, caller);
      return original.call(this);
    };
    Object.defineProperty(Tensor.prototype, name, { value: guarded, writable: true, configurable: true, enumerable: false });
  }
}

function uninstall(): void {
  Object.defineProperty(Tensor.prototype, 'data', originals.data);
  for (const name of ACCESSORS) {
    Object.defineProperty(Tensor.prototype, name, { value: originals.methods[name], writable: true, configurable: true, enumerable: false });
  }
}

/**
 * Runs `fn` with reads of tensor data (`data`, `f32()`, `i32()`, `item()`, `toArray()`) throwing a
 * HostReadError when the code calling the accessor lives in a file whose stack-trace location matches
 * `from` (default MODEL_CODE). Reads from ops, backends and autograd pass. Scopes nest; the outermost
 * one's pattern applies. `fn` must be synchronous. For tests: each guarded read captures a stack frame.
 */
export function forbidHostReads<T>(fn: () => T, from: RegExp = MODEL_CODE): T {
  if (depth === 0) {
    pattern = from;
    install();
  }
  depth++;
  try {
    const result = fn();
    // The accessors are restored when fn returns: work an async fn does later would go unchecked.
    if (result instanceof Promise) throw new Error('forbidHostReads: fn must be synchronous (it returned a promise)');
    return result;
  } finally {
    depth--;
    if (depth === 0) uninstall();
  }
}

/** Whether a forbidHostReads scope is open. */
export function hostReadsForbidden(): boolean {
  return depth > 0;
}
