// Typed reads of config.json fields with one-line errors naming the file and the key.
import { FinetuneError } from '../../errors.js';

/** A parsed config.json object. */
export type ConfigJson = Readonly<Record<string, unknown>>;

/** Reads fields of one config.json, checking each type; `file` names the file in errors. */
export class ConfigReader {
  constructor(
    readonly json: ConfigJson,
    readonly file: string,
  ) {}

  private fail(key: string, expected: string): never {
    throw new FinetuneError(`${this.file}: ${key} must be ${expected}, got ${JSON.stringify(this.json[key])}`);
  }

  private value(key: string): unknown {
    const v = this.json[key];
    return v === null ? undefined : v;
  }

  /** A positive integer (a size or a count); `fallback` when absent. */
  positiveInt(key: string, fallback?: number): number {
    const v = this.value(key) ?? fallback;
    if (v === undefined) throw new FinetuneError(`${this.file}: missing ${key}`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) this.fail(key, 'a positive integer');
    return v;
  }

  /** A non-negative integer such as a token id; `fallback` when absent. */
  tokenId(key: string, fallback: number): number {
    const v = this.value(key) ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(key, 'a non-negative integer');
    return v;
  }

  /** A probability in [0, 1); `fallback` when absent or null. */
  probability(key: string, fallback: number): number {
    const v = this.value(key) ?? fallback;
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) this.fail(key, 'a number in [0, 1)');
    return v;
  }

  /** A probability that may be null (meaning: use another field), as `classifier_dropout` is. */
  optionalProbability(key: string): number | undefined {
    return this.value(key) === undefined ? undefined : this.probability(key, 0);
  }

  /** A positive number such as an epsilon or a standard deviation. */
  positiveNumber(key: string, fallback: number): number {
    const v = this.value(key) ?? fallback;
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) this.fail(key, 'a positive number');
    return v;
  }

  string(key: string, fallback: string): string {
    const v = this.value(key) ?? fallback;
    if (typeof v !== 'string') this.fail(key, 'a string');
    return v;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.value(key) ?? fallback;
    if (typeof v !== 'boolean') this.fail(key, 'true or false');
    return v;
  }

  /** Fails unless `size` is a multiple of `count`, naming both fields. */
  divisible(sizeKey: string, size: number, countKey: string, count: number): void {
    if (size % count !== 0) {
      throw new FinetuneError(`${this.file}: ${sizeKey} ${size} is not divisible by ${countKey} ${count}`);
    }
  }
}
