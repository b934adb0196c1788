// Loads the N-API addon (native/build/Release) and exposes it as a Backend; the kernels pass straight through.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../backend.js';
import { nativeVisionKernels } from './vision.js';

/** Which addon: `blas` links OpenBLAS / Accelerate when the build found it; `builtin` always uses its own GEMM. */
export type NativeVariant = 'blas' | 'builtin';

/** A Backend served by the addon, with what it links. */
export interface NativeBackend extends Backend {
  /** The BLAS library the addon links: 'openblas', 'accelerate' or 'builtin' (none). */
  readonly blas: string;
  /**
   * What computes gemm: the linked library, or 'builtin' where OpenBLAS only has kernels narrower than the
   * built-in one for this CPU (FINETUNE_GEMM=blas|builtin overrides).
   */
  readonly gemmEngine: string;
  /** OpenBLAS's name for the kernels it picked for this CPU (e.g. 'Haswell', 'Prescott'); '' without OpenBLAS. */
  readonly blasCore: string;
  /** The built-in GEMM micro-kernel this CPU runs ('avx512', 'avx2' or 'generic'), used where BLAS is not. */
  readonly gemmKernel: string;
  /** The CPU features the addon found that matter to it (cpuid, narrowed by FINETUNE_CPU_FEATURES), e.g. ['avx512f', 'avx512_bf16']. */
  readonly cpuFeatures: readonly string[];
  /** What runs gemmBf16: 'avx512_bf16' (vdpbf16ps) or 'generic' (portable C, same rounding). */
  readonly bf16Kernel: string;
  /** The addon file that was loaded. */
  readonly addonPath: string;
}

/** The addon's exports: the Backend kernels plus a few queries. */
interface Addon extends Omit<Backend, 'name'> {
  blas(): string;
  gemmEngine(): string;
  blasCore(): string;
  gemmKernel(): string;
  cpuFeatures(): string;
  bf16Kernel(): string;
}

const ADDON_FILE: Record<NativeVariant, string> = {
  blas: 'finetune_native.node',
  builtin: 'finetune_native_builtin.node',
};

/** The package root: the first folder upwards from this file that holds package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

const loaded = new Map<NativeVariant, NativeBackend>();

/**
 * Loads one addon variant (once per process) and wraps it. Throws an Error whose message is the
 * reason when the file is missing or will not load (e.g. built for another Node ABI).
 */
export function loadNativeBackend(variant: NativeVariant): NativeBackend {
  const cached = loaded.get(variant);
  if (cached) return cached;
  // The variable that skips the build also keeps an existing build unused (handy to test the fallback).
  if (process.env.FINETUNE_SKIP_NATIVE === '1') throw new Error('FINETUNE_SKIP_NATIVE=1 is set');
  const root = packageRoot();
  const addonPath = join(root, 'native', 'build', 'Release', ADDON_FILE[variant]);
  if (!existsSync(addonPath)) throw new Error(`${addonPath} is missing (run npm ci, or node scripts/build-native.mjs)`);
  let addon: Addon;
  try {
    addon = createRequire(join(root, 'package.json'))(addonPath) as Addon;
  } catch (error) {
    throw new Error(`${addonPath} failed to load: ${(error as Error).message.split('\n')[0]}`);
  }
  const backend: NativeBackend = {
    name: variant === 'blas' ? 'native' : 'native-builtin',
    blas: addon.blas(),
    gemmEngine: addon.gemmEngine(),
    blasCore: addon.blasCore(),
    gemmKernel: addon.gemmKernel(),
    cpuFeatures: addon
      .cpuFeatures()
      .split(',')
      .filter((name) => name !== ''),
    bf16Kernel: addon.bf16Kernel(),
    addonPath,
    ...nativeVisionKernels(addon),
    getThreads: addon.getThreads,
    setThreads: addon.setThreads,
    gemm: addon.gemm,
    gemmBf16: addon.gemmBf16,
    gemmPackedSize: addon.gemmPackedSize,
    gemmPackB: addon.gemmPackB,
    gemmPacked: addon.gemmPacked,
    unary: addon.unary,
    unaryGrad: addon.unaryGrad,
    binary: addon.binary,
    where: addon.where,
    copyStrided: addon.copyStrided,
    axpy: addon.axpy,
    fill: addon.fill,
    reduce: addon.reduce,
    sumSquares: addon.sumSquares,
    softmax: addon.softmax,
    softmaxGrad: addon.softmaxGrad,
    layerNorm: addon.layerNorm,
    layerNormGrad: addon.layerNormGrad,
    crossEntropy: addon.crossEntropy,
    crossEntropyGrad: addon.crossEntropyGrad,
    embedding: addon.embedding,
    embeddingGrad: addon.embeddingGrad,
    linearInt8: addon.linearInt8,
    adamw: addon.adamw,
    sgd: addon.sgd,
    attention: addon.attention,
    attentionGrad: addon.attentionGrad,
    dropout: addon.dropout,
    rmsNorm: addon.rmsNorm,
    rmsNormGrad: addon.rmsNormGrad,
    rotary: addon.rotary,
    swiglu: addon.swiglu,
    swigluGrad: addon.swigluGrad,
  };
  loaded.set(variant, backend);
  return backend;
}
