// Global gradient-norm clipping, as torch.nn.utils.clip_grad_norm_: one norm over every gradient, scaled down together.
import { getBackend, Unary } from '../../backend/index.js';
import type { Parameter } from '../../nn/module.js';

/**
 * Scales the gradients of `params` so their global L2 norm is at most `maxNorm` (coefficient
 * maxNorm / (norm + 1e-6), capped at 1, as PyTorch). Returns the norm before clipping; a
 * non-finite norm is returned without touching the gradients, so the caller can report it.
 * `maxNorm` 0 only measures.
 */
export function clipGradNorm(params: readonly Parameter[], maxNorm: number): number {
  const grads = params.filter((p) => p.grad !== null).map((p) => p.grad!.f32());
  if (grads.length === 0) return 0;
  const backend = getBackend();
  const norm = Math.sqrt(backend.sumSquares(grads));
  if (!Number.isFinite(norm) || maxNorm <= 0) return norm;
  const coefficient = maxNorm / (norm + 1e-6);
  if (coefficient < 1) for (const g of grads) backend.unary(Unary.Scale, g, g, coefficient);
  return norm;
}
