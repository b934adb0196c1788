// Samplers of trial configurations: random, and a TPE-style sampler (Parzen estimators of good and bad trials, pick max l(x)/g(x)).
import { Random } from '../tensor/random.js';
import type { ChoiceParam, ParamSpec, ParamValues, SearchSpace } from './space.js';

/** A finished trial as a sampler sees it. */
export interface Observation {
  readonly params: ParamValues;
  /** The trial's metric; undefined when it failed. */
  readonly value: number | undefined;
  /** Stopped early by ASHA: counted among the bad trials whatever its value. */
  readonly pruned: boolean;
}

export interface Sampler {
  /** The configuration of trial `index` (0-based), given the trials finished so far. */
  sample(index: number, history: readonly Observation[]): ParamValues;
}

/** A generator for trial `index` of a search seeded `seed`: the same pair always gives the same stream. */
export function trialRandom(seed: number, index: number): Random {
  return new Random((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
}

function drawOne(spec: ParamSpec, rng: Random): number | string | boolean {
  switch (spec.kind) {
    case 'uniform':
      return spec.low + (spec.high - spec.low) * rng.uniform();
    case 'log-uniform':
      return Math.exp(Math.log(spec.low) + (Math.log(spec.high) - Math.log(spec.low)) * rng.uniform());
    case 'int':
      return spec.low + rng.int(spec.high - spec.low + 1);
    case 'choice':
      return spec.choices[rng.int(spec.choices.length)]!;
  }
}

/** One draw from the prior (the space itself), parameters in a fixed order. */
function drawPrior(space: SearchSpace, rng: Random): ParamValues {
  return Object.fromEntries(Object.keys(space).map((name) => [name, drawOne(space[name]!, rng)]));
}

/** Independent draws from the space; trial i's values depend only on (seed, i), not on the order trials finish. */
export class RandomSampler implements Sampler {
  constructor(
    private readonly space: SearchSpace,
    private readonly seed: number,
  ) {}

  sample(index: number): ParamValues {
    return drawPrior(this.space, trialRandom(this.seed, index));
  }
}

export interface TpeOptions {
  /** Trials drawn at random before TPE starts (default 10, as Optuna). */
  readonly startupTrials?: number;
  /** Candidates drawn from l(x), of which the one with the largest l(x)/g(x) is taken (default 24, as Optuna). */
  readonly candidates?: number;
  /** Fraction of observed trials counted as good (default 0.25, at most 25 trials). */
  readonly gamma?: number;
}

const SQRT2 = Math.SQRT2;

/** erf by Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7), enough for kernel normalisers. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return sign * y;
}

const normalCdf = (z: number): number => 0.5 * (1 + erf(z / SQRT2));

/** A Parzen estimator on [low, high]: a truncated Gaussian at each point plus one wide prior kernel (Optuna's construction). */
class Parzen {
  private readonly mus: number[];
  private readonly sigmas: number[];
  private readonly weights: number[];
  private readonly norms: number[];

  constructor(
    points: readonly number[],
    private readonly low: number,
    private readonly high: number,
  ) {
    const range = high - low || 1;
    const sorted = [...points, (low + high) / 2].sort((a, b) => a - b);
    const prior = sorted.indexOf((low + high) / 2);
    // Each kernel's width: the larger gap to its neighbours, clipped so kernels neither vanish nor exceed the range.
    const minSigma = range / Math.min(100, 1 + sorted.length);
    this.mus = sorted;
    this.sigmas = sorted.map((mu, i) => {
      if (i === prior) return range;
      const left = i > 0 ? mu - sorted[i - 1]! : mu - low;
      const right = i < sorted.length - 1 ? sorted[i + 1]! - mu : high - mu;
      return Math.min(range, Math.max(minSigma, left, right));
    });
    this.weights = sorted.map(() => 1 / sorted.length);
    this.norms = sorted.map((mu, i) => Math.max(1e-12, normalCdf((high - mu) / this.sigmas[i]!) - normalCdf((low - mu) / this.sigmas[i]!)));
  }

  sample(rng: Random): number {
    const pick = rng.int(this.mus.length);
    const mu = this.mus[pick]!;
    const sigma = this.sigmas[pick]!;
    for (let tries = 0; tries < 100; tries++) {
      const x = mu + sigma * rng.normal();
      if (x >= this.low && x <= this.high) return x;
    }
    return Math.min(this.high, Math.max(this.low, mu));
  }

  logPdf(x: number): number {
    let p = 0;
    for (let i = 0; i < this.mus.length; i++) {
      const z = (x - this.mus[i]!) / this.sigmas[i]!;
      p += (this.weights[i]! * Math.exp(-0.5 * z * z)) / (this.sigmas[i]! * Math.sqrt(2 * Math.PI) * this.norms[i]!);
    }
    return Math.log(Math.max(p, 1e-300));
  }
}

/** Categorical estimator: counts plus one pseudo-count per choice. */
class Categorical {
  private readonly probs: number[];

  constructor(values: readonly (number | string | boolean)[], spec: ChoiceParam) {
    const counts = spec.choices.map((c) => 1 + values.filter((v) => v === c).length);
    const total = counts.reduce((a, b) => a + b, 0);
    this.probs = counts.map((c) => c / total);
  }

  sample(rng: Random): number {
    let u = rng.uniform();
    for (let i = 0; i < this.probs.length; i++) {
      u -= this.probs[i]!;
      if (u < 0) return i;
    }
    return this.probs.length - 1;
  }

  logPdf(index: number): number {
    return Math.log(this.probs[index]!);
  }
}

/** Numeric params are modelled in their own scale (log for log-uniform; integers widened by half a step each side). */
function toInternal(spec: Exclude<ParamSpec, ChoiceParam>, value: number): number {
  return spec.kind === 'log-uniform' ? Math.log(value) : value;
}

function bounds(spec: Exclude<ParamSpec, ChoiceParam>): [number, number] {
  if (spec.kind === 'log-uniform') return [Math.log(spec.low), Math.log(spec.high)];
  if (spec.kind === 'int') return [spec.low - 0.5, spec.high + 0.5];
  return [spec.low, spec.high];
}

function fromInternal(spec: Exclude<ParamSpec, ChoiceParam>, x: number): number {
  if (spec.kind === 'log-uniform') return Math.min(spec.high, Math.max(spec.low, Math.exp(x)));
  if (spec.kind === 'int') return Math.min(spec.high, Math.max(spec.low, Math.round(x)));
  return x;
}

/**
 * Tree-structured Parzen estimator, as Optuna's default sampler: finished trials split at the gamma
 * quantile of their metric into good and bad; per parameter, l(x) models the good values and g(x)
 * the bad ones; of `candidates` draws from l, the one maximising l(x)/g(x) (summed in log over the
 * parameters) is the next trial. Random until `startupTrials` trials have finished.
 */
export class TpeSampler implements Sampler {
  private readonly startup: number;
  private readonly candidates: number;
  private readonly gamma: number;

  constructor(
    private readonly space: SearchSpace,
    private readonly seed: number,
    private readonly direction: 'maximize' | 'minimize',
    options: TpeOptions = {},
  ) {
    this.startup = options.startupTrials ?? 10;
    this.candidates = options.candidates ?? 24;
    this.gamma = options.gamma ?? 0.25;
  }

  sample(index: number, history: readonly Observation[]): ParamValues {
    const rng = trialRandom(this.seed, index);
    const scored = history.filter((o) => o.value !== undefined && Number.isFinite(o.value));
    if (scored.length < this.startup) return drawPrior(this.space, rng);
    const sign = this.direction === 'maximize' ? -1 : 1;
    // Complete trials first by metric, pruned ones after them all: a pruned trial never counts as good.
    const ranked = [...scored].sort((a, b) => Number(a.pruned) - Number(b.pruned) || sign * (a.value! - b.value!));
    const nGood = Math.max(1, Math.min(25, Math.ceil(this.gamma * ranked.length)));
    const good = ranked.slice(0, nGood);
    const bad = ranked.slice(nGood);
    const models = Object.entries(this.space).map(([name, spec]) => {
      const valuesOf = (set: readonly Observation[]): (number | string | boolean)[] =>
        set.map((o) => o.params[name]).filter((v): v is number | string | boolean => v !== undefined);
      if (spec.kind === 'choice') {
        return { name, spec, l: new Categorical(valuesOf(good), spec), g: new Categorical(valuesOf(bad), spec) };
      }
      const [lo, hi] = bounds(spec);
      const internal = (set: readonly Observation[]): number[] => valuesOf(set).map((v) => toInternal(spec, Number(v)));
      return { name, spec, l: new Parzen(internal(good), lo, hi), g: new Parzen(internal(bad), lo, hi) };
    });
    let best: { score: number; values: Record<string, number | string | boolean> } | undefined;
    for (let c = 0; c < this.candidates; c++) {
      let score = 0;
      const values: Record<string, number | string | boolean> = {};
      for (const m of models) {
        if (m.spec.kind === 'choice') {
          const l = m.l as Categorical;
          const g = m.g as Categorical;
          const i = l.sample(rng);
          score += l.logPdf(i) - g.logPdf(i);
          values[m.name] = m.spec.choices[i]!;
        } else {
          const l = m.l as Parzen;
          const g = m.g as Parzen;
          const value = fromInternal(m.spec, l.sample(rng));
          const x = toInternal(m.spec, value);
          score += l.logPdf(x) - g.logPdf(x);
          values[m.name] = value;
        }
      }
      if (best === undefined || score > best.score) best = { score, values };
    }
    return best!.values;
  }
}

/** The sampler a search names. */
export function makeSampler(kind: 'tpe' | 'random', space: SearchSpace, seed: number, direction: 'maximize' | 'minimize', trials: number): Sampler {
  // Optuna starts TPE after 10 random trials; a short search starts it after a third of its trials (at least 3).
  return kind === 'random'
    ? new RandomSampler(space, seed)
    : new TpeSampler(space, seed, direction, { startupTrials: Math.min(10, Math.max(3, Math.floor(trials / 3))) });
}
