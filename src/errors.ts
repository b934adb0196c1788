// Error types shared by every layer: a one-line message for the user and the exit code the CLI returns.

/**
 * A problem with a file, data, model or option value (exit code 1). The message is one line that
 * names the file, row or key at fault, e.g. `data.csv: row 17: 2 fields, expected 3`.
 */
export class FinetuneError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FinetuneError';
  }
}

/** A malformed command line: unknown command or flag, missing value (exit code 2). */
export class UsageError extends FinetuneError {
  override readonly exitCode: number = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
