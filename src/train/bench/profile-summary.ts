// Turns a kernel profile into per-step figures by op kind, and prints them as a table.
import { PROFILE_KINDS, type KernelProfile, type ProfileKind } from '../../backend/index.js';

/** Milliseconds per timed step: by kind, the heaviest kernels, and the time spent outside kernels. */
export interface StepProfile {
  readonly steps: number;
  /** Wall time per step (mean over the timed steps). */
  readonly stepMs: number;
  readonly byKind: Readonly<Record<ProfileKind, number>>;
  /** Per step: JavaScript between kernels (the tape, allocation, garbage collection). */
  readonly outsideKernelsMs: number;
  /** The ten kernels with the most time: [name, ms per step, calls per step]. */
  readonly topKernels: readonly (readonly [string, number, number])[];
}

/** Per-step figures from a profile gathered over the steps whose wall times are `stepMs`. */
export function profileSummary(profile: KernelProfile, stepMs: readonly number[]): StepProfile {
  const steps = stepMs.length;
  const wall = stepMs.reduce((a, b) => a + b, 0) / steps;
  const byKind = Object.fromEntries(PROFILE_KINDS.map((k) => [k, profile.byKind.get(k)!.ms / steps])) as Record<ProfileKind, number>;
  const topKernels = [...profile.byKernel]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 10)
    .map(([name, e]) => [name, e.ms / steps, e.calls / steps] as const);
  return { steps, stepMs: wall, byKind, outsideKernelsMs: Math.max(0, wall - profile.totalMs() / steps), topKernels };
}

/** The profile as aligned text lines: kind, ms per step, share of the step. */
export function formatProfile(p: StepProfile): string[] {
  const row = (name: string, ms: number): string => `  ${name.padEnd(22)}${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / p.stepMs).toFixed(1).padStart(6)} %`;
  const lines = [`profile (mean of ${p.steps} steps, ${p.stepMs.toFixed(1)} ms each):`];
  for (const kind of PROFILE_KINDS) lines.push(row(kind, p.byKind[kind]));
  lines.push(row('outside kernels', p.outsideKernelsMs));
  lines.push('heaviest kernels (ms and calls per step):');
  for (const [name, ms, calls] of p.topKernels) lines.push(`  ${name.padEnd(22)}${ms.toFixed(1).padStart(9)} ms ${calls.toFixed(0).padStart(6)} calls`);
  return lines;
}
