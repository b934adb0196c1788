// bf16 autocast: while on, linear layers and the fused attention multiply in bfloat16 with float32 sums; everything else stays float32.
import type { Backend } from '../backend/backend.js';

let bf16 = false;

/** Whether linear layers and the fused attention multiply in bf16 now (set by withBf16; the trainer's --bf16). */
export function bf16Enabled(): boolean {
  return bf16;
}

/**
 * Runs `fn` with bf16 linear layers and attention when `on` (PyTorch's torch.autocast('cpu', dtype=torch.bfloat16)
 * for nn.Linear, whose bf16 outputs its attention then multiplies), restoring the previous setting after. An op reads the setting in its forward and keeps it for its
 * backward, so a backward run outside the scope multiplies as its forward did.
 */
export function withBf16<T>(on: boolean, fn: () => T): T {
  const previous = bf16;
  bf16 = on;
  try {
    return fn();
  } finally {
    bf16 = previous;
  }
}

/** The GEMM a linear op uses: gemmBf16 when `mixed`, else the float32 gemm (bound, so it can be called bare). */
export function linearGemm(backend: Backend, mixed: boolean): Backend['gemm'] {
  return mixed ? backend.gemmBf16.bind(backend) : backend.gemm.bind(backend);
}
