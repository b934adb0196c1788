// Parameter initialisers matching PyTorch's defaults and the Hugging Face conventions.
import { defaultRandom, type Random } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

/** Fills with Normal(0, std) samples (Hugging Face initialises with std = initializer_range). */
export function normal(t: Tensor, std: number, rng: Random = defaultRandom()): void {
  const d = t.f32();
  for (let i = 0; i < d.length; i++) d[i] = std * rng.normal();
}

/** Fills with Uniform(-bound, bound) samples. */
export function uniform(t: Tensor, bound: number, rng: Random = defaultRandom()): void {
  const d = t.f32();
  for (let i = 0; i < d.length; i++) d[i] = (2 * rng.uniform() - 1) * bound;
}

export function constant(t: Tensor, value: number): void {
  t.f32().fill(value);
}

/**
 * PyTorch's default for nn.Linear and LoRA's A matrix: kaiming_uniform with a = sqrt(5), which
 * reduces to Uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)).
 */
export function kaimingUniform(t: Tensor, fanIn: number, rng: Random = defaultRandom()): void {
  uniform(t, 1 / Math.sqrt(fanIn), rng);
}
