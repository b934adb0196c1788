// Whether a backend may train in bf16: the native one needs AVX512-BF16 on this CPU, the js one emulates it anywhere.
import { FinetuneError } from '../errors.js';
import type { Backend } from './backend.js';
import { bf16Kernel, cpuFeatures, getBackend } from './index.js';

/**
 * Throws a FinetuneError naming the missing instruction set when `backend` cannot run bf16 GEMMs at speed: the
 * native backends need AVX512-BF16 (every CPU with AMX-BF16 has it too); the js backend emulates bf16 and always
 * passes. `features` defaults to what the addon detected (tests pass their own list to play another CPU).
 */
export function requireBf16(backend: Backend = getBackend(), features: readonly string[] = cpuFeatures(backend)): void {
  if (bf16Kernel(backend) === 'emulated') return;
  if (features.includes('avx512_bf16')) return;
  const amx = features.includes('amx_bf16') ? 'AMX-BF16 without AVX512-BF16' : 'neither AVX512-BF16 nor AMX-BF16';
  throw new FinetuneError(
    `bf16 (--bf16): this CPU has ${amx}, which the ${backend.name} backend needs for bfloat16 matrix products; train in float32 (leave out --bf16)`,
  );
}
