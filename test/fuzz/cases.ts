// Case number -> input: each case has its own seeded generator, so any case can be rebuilt alone (to save or replay it).
import { FuzzRandom } from './mutate.js';
import type { FuzzTarget } from './targets.js';

/** The input of case `index` of `target` (seeds from target.seeds()). */
export function caseInput(target: FuzzTarget, seeds: readonly Uint8Array[], index: number): Uint8Array {
  const rng = new FuzzRandom(Math.imul(index + 1, 0x9e3779b1) ^ hash(target.name));
  let input = seeds[index % seeds.length]!;
  // Some cases stack mutations, to get past the first check a single edit trips.
  const rounds = 1 + (rng.below(4) === 0 ? rng.below(4) : 0);
  for (let r = 0; r < rounds; r++) input = target.mutate(input, rng);
  return input;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
