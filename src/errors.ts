// Error types shared by every layer: a one-line message for the user and the exit code the CLI returns.

/**
 * A problem with a file, data, model or option value (exit code 1). The message is one line that
 * names the file, row or key at fault, e.g. `data.csv: row 17: 2 fields, expected 3`.
 */
export class FinetuneError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    // One line whatever a file puts into the names quoted (a key or a pickle string may hold line breaks).
    super(message.replace(/\r\n|[\r\n\u2028\u2029]/g, '\\n'), options);
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
