// Backend selection: native addon by default, the js backend as a fallback; thread count shared by all backends.
import { availableParallelism } from 'node:os';
import { FinetuneError } from '../errors.js';
import type { Backend } from './backend.js';
import { createJsBackend } from './js/index.js';
import { loadNativeBackend, type NativeBackend } from './native/index.js';
import { KernelProfile, profilingBackend } from './profile.js';

export type { Backend, F32, I32 } from './backend.js';
export { Unary, Binary, Reduce } from './backend.js';
export { Activation, ConvGeometry, PoolGeometry, type VisionKernels } from './vision-kernels.js';
export { createJsBackend } from './js/index.js';
export { loadNativeBackend, type NativeBackend, type NativeVariant } from './native/index.js';
export {
  KernelProfile,
  PROFILE_KINDS,
  currentProfileScope,
  setProfileScope,
  withProfileScope,
  type ProfileEntry,
  type ProfileKind,
} from './profile.js';

/** Names accepted by setBackend and FINETUNE_BACKEND. */
export type BackendName = 'native' | 'js' | 'native-builtin';
const BACKEND_NAMES: readonly BackendName[] = ['native', 'native-builtin', 'js'];

let current: Backend | null = null;
/** While profiling: the backend that current wraps, and where the times go. */
let profiled: { inner: Backend; profile: KernelProfile } | null = null;
let jsBackend: Backend | null = null;
let threads: number | null = null;
let noticeShown = false;

/** Creates (or finds) a backend by name; throws the loader's Error when the addon is unavailable. */
function instantiate(name: BackendName): Backend {
  if (name === 'js') return (jsBackend ??= createJsBackend());
  return loadNativeBackend(name === 'native' ? 'blas' : 'builtin');
}

function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

function activate(backend: Backend): Backend {
  backend.setThreads(getThreads());
  if (profiled) {
    profiled.inner = backend;
    current = profilingBackend(backend, profiled.profile);
  } else {
    current = backend;
  }
  return current;
}

/**
 * Times every kernel call of the current (and any later) backend into the returned profile until
 * stopProfiling. Kernels called while it is off pay nothing for it.
 */
export function startProfiling(): KernelProfile {
  stopProfiling();
  const inner = getBackend();
  const profile = new KernelProfile();
  profiled = { inner, profile };
  current = profilingBackend(inner, profile);
  return profile;
}

/** Ends startProfiling: the current backend is called directly again. */
export function stopProfiling(): void {
  if (!profiled) return;
  current = profiled.inner;
  profiled = null;
}

/**
 * The current backend. On first use: FINETUNE_BACKEND (native | native-builtin | js) when set,
 * else native when the addon loads, else js with a one-line notice on stderr.
 */
export function getBackend(): Backend {
  if (current) return current;
  const requested = process.env.FINETUNE_BACKEND;
  if (requested !== undefined && requested !== '') return setBackend(requested as BackendName, 'FINETUNE_BACKEND');
  // A bad FINETUNE_THREADS is the user's error, not a sign that the addon is missing.
  getThreads();
  try {
    return activate(instantiate('native'));
  } catch (error) {
    if (!noticeShown) {
      noticeShown = true;
      process.stderr.write(`finetune: native addon not available (${(error as Error).message}); using the js backend\n`);
    }
    return activate(instantiate('js'));
  }
}

/**
 * Makes `name` the current backend. Throws FinetuneError naming the backend when it is unknown or
 * unavailable; `source` (e.g. '--backend') prefixes the message when given.
 */
export function setBackend(name: BackendName, source?: string): Backend {
  const prefix = source ? `${source}: ` : '';
  if (!isBackendName(name)) {
    throw new FinetuneError(`${prefix}unknown backend '${String(name)}' (expected ${BACKEND_NAMES.join(', ')})`);
  }
  getThreads();
  try {
    return activate(instantiate(name));
  } catch (error) {
    throw new FinetuneError(`${prefix}backend '${name}' is not available: ${(error as Error).message}`);
  }
}

/** The backends that load on this machine, best first; 'js' is always there. */
export function availableBackends(): BackendName[] {
  return BACKEND_NAMES.filter((name) => {
    try {
      instantiate(name);
      return true;
    } catch {
      return false;
    }
  });
}

/** What gemm runs on in the current backend: 'openblas', 'accelerate', 'builtin' or 'js'. */
export function gemmLibrary(backend: Backend = getBackend()): string {
  const actual = profiled && backend === current ? profiled.inner : backend;
  return 'gemmEngine' in actual ? (actual as NativeBackend).gemmEngine : 'js';
}

/** The CPU features the native addon found (cpuid narrowed by FINETUNE_CPU_FEATURES); empty for the js backend. */
export function cpuFeatures(backend: Backend = getBackend()): readonly string[] {
  const actual = profiled && backend === current ? profiled.inner : backend;
  return 'cpuFeatures' in actual ? (actual as NativeBackend).cpuFeatures : [];
}

/** What runs gemmBf16 in the backend: 'avx512_bf16', 'generic' (the addon's portable C) or 'emulated' (js). */
export function bf16Kernel(backend: Backend = getBackend()): string {
  const actual = profiled && backend === current ? profiled.inner : backend;
  return 'bf16Kernel' in actual ? (actual as NativeBackend).bf16Kernel : 'emulated';
}

/** Worker threads for the kernels: setThreads, else FINETUNE_THREADS, else os.availableParallelism(). */
export function getThreads(): number {
  if (threads !== null) return threads;
  const fromEnv = process.env.FINETUNE_THREADS;
  if (fromEnv !== undefined && fromEnv !== '') {
    threads = parseThreads(fromEnv, 'FINETUNE_THREADS');
  } else {
    threads = availableParallelism();
  }
  return threads;
}

/** Sets the thread count for the current and any later backend. */
export function setThreads(count: number): void {
  threads = parseThreads(String(count), 'threads');
  current?.setThreads(threads);
}

function parseThreads(text: string, source: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 1024) {
    throw new FinetuneError(`${source}: '${text}' is not a thread count (an integer from 1 to 1024)`);
  }
  return value;
}
