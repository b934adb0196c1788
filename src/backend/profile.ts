// Kernel timing by op kind (`bench train --profile`): a Backend wrapper that times every call, and the scopes that say what a call is for.
import { Unary, type Backend } from './backend.js';

/** The kinds a profile reports, in the order they are printed. */
export const PROFILE_KINDS = ['matmul', 'attention', 'layer norm', 'gelu', 'embedding', 'optimizer', 'other'] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

let scope: ProfileKind | null = null;

/** The innermost scope set by withProfileScope (null outside any): ops record it so their backward is attributed alike. */
export function currentProfileScope(): ProfileKind | null {
  return scope;
}

/** Sets the current scope and returns the previous one (autograd restores a node's scope around its backward). */
export function setProfileScope(next: ProfileKind | null): ProfileKind | null {
  const previous = scope;
  scope = next;
  return previous;
}

/** Runs `fn` with kernel calls attributed to `kind` (when profiling; otherwise it only sets a variable). */
export function withProfileScope<T>(kind: ProfileKind, fn: () => T): T {
  const previous = scope;
  scope = kind;
  try {
    return fn();
  } finally {
    scope = previous;
  }
}

/** Time and call count of one kind or one kernel. */
export interface ProfileEntry {
  ms: number;
  calls: number;
}

/** Accumulated kernel times: by kind (what the model was doing) and by kernel name. */
export class KernelProfile {
  readonly byKind = new Map<ProfileKind, ProfileEntry>(PROFILE_KINDS.map((k) => [k, { ms: 0, calls: 0 }]));
  readonly byKernel = new Map<string, ProfileEntry>();

  add(kind: ProfileKind, kernel: string, ms: number): void {
    const k = this.byKind.get(kind)!;
    k.ms += ms;
    k.calls++;
    let e = this.byKernel.get(kernel);
    if (!e) this.byKernel.set(kernel, (e = { ms: 0, calls: 0 }));
    e.ms += ms;
    e.calls++;
  }

  /** Milliseconds spent inside kernels, all kinds together. */
  totalMs(): number {
    let total = 0;
    for (const e of this.byKind.values()) total += e.ms;
    return total;
  }

  reset(): void {
    for (const e of this.byKind.values()) {
      e.ms = 0;
      e.calls = 0;
    }
    this.byKernel.clear();
  }
}

/** What a kernel call counts as when no scope says otherwise. */
function defaultKind(kernel: keyof Backend, args: readonly unknown[]): ProfileKind {
  switch (kernel) {
    case 'gemm':
    case 'gemmBf16':
    case 'gemmPacked':
    case 'linearInt8':
      return 'matmul';
    case 'softmax':
    case 'softmaxGrad':
    case 'attention':
    case 'attentionGrad':
      return 'attention';
    case 'layerNorm':
    case 'layerNormGrad':
      return 'layer norm';
    case 'embedding':
    case 'embeddingGrad':
      return 'embedding';
    case 'adamw':
    case 'sgd':
      return 'optimizer';
    case 'unary':
    case 'unaryGrad':
      return args[0] === Unary.GeluErf || args[0] === Unary.GeluTanh ? 'gelu' : 'other';
    default:
      return 'other';
  }
}

/** Names of the Unary and Binary enum values, in enum order. */
const UNARY_NAMES = ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'gelu', 'gelu-tanh', 'pow', 'scale', 'add-scalar'];
const BINARY_NAMES = ['add', 'sub', 'mul', 'div', 'equal', 'greater', 'maximum'];

/** Kernel names as they appear in the per-kernel table: unary and binary calls carry their function. */
function kernelLabel(kernel: string, args: readonly unknown[]): string {
  const names = kernel === 'binary' ? BINARY_NAMES : kernel === 'unary' || kernel === 'unaryGrad' ? UNARY_NAMES : null;
  return names ? `${kernel} ${names[args[0] as number] ?? String(args[0])}` : kernel;
}

const UNTIMED = new Set(['name', 'getThreads', 'setThreads', 'gemmPackedSize']);

/**
 * A Backend that forwards every kernel to `inner` and adds its wall time to `profile`, under the
 * current scope or the kernel's own kind. Only used while profiling: the normal path calls `inner` directly.
 */
export function profilingBackend(inner: Backend, profile: KernelProfile): Backend {
  const wrapped: Record<string, unknown> = { ...inner };
  for (const key of Object.keys(inner) as (keyof Backend)[]) {
    const method = inner[key];
    if (typeof method !== 'function' || UNTIMED.has(key)) continue;
    const fn = method as (...args: unknown[]) => unknown;
    wrapped[key] = (...args: unknown[]): unknown => {
      const start = performance.now();
      const result = fn.apply(inner, args);
      profile.add(scope ?? defaultKind(key, args), kernelLabel(key, args), performance.now() - start);
      return result;
    };
  }
  return wrapped as unknown as Backend;
}
