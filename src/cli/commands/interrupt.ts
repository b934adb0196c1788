// Ctrl-C during `finetune train`: the first SIGINT aborts the run through its AbortSignal (a checkpoint of that step), then the resume command is printed.
import { FinetuneError } from '../../errors.js';
import type { FlagValue, ParsedFlags } from '../args.js';

/** A run stopped by Ctrl-C after saving its checkpoint: exit code 130, as a shell reports a SIGINT. */
export class InterruptedError extends FinetuneError {
  override readonly exitCode: number = 130;
  constructor(message: string) {
    super(message);
    this.name = 'InterruptedError';
  }
}

/**
 * Runs `work` with a signal that the first SIGINT aborts; a second SIGINT ends the process at once
 * (exit 130, without a checkpoint of the current step). The handler is removed when `work` settles.
 */
export async function abortOnSigint<T>(work: (signal: AbortSignal) => Promise<T>, say: (line: string) => void): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    say('interrupted: saving a checkpoint of this step (Ctrl-C again to quit without it)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** A word as a POSIX shell reads it back: bare when safe, else in single quotes. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The flags as a command line would give them (`--name value`, `--no-name`, one `--text` per text). */
function flagWords(name: string, value: FlagValue): string[] {
  if (value === true) return [`--${name}`];
  if (value === false) return [`--no-${name}`];
  if (Array.isArray(value)) return name === 'text' ? value.flatMap((v) => [`--${name}`, v]) : [`--${name}`, value.join(',')];
  return [`--${name}`, String(value)];
}

/**
 * `finetune train ... --output <folder> --resume`: the run's own options (a --config file's included,
 * spelled as flags), continuing the checkpoint in `outputDir`.
 */
export function resumeCommand(flags: ParsedFlags, outputDir: string): string {
  const skip = new Set(['config', 'resume', 'overwrite', 'output', 'help']);
  const words = ['finetune', 'train'];
  for (const [name, value] of Object.entries(flags)) if (!skip.has(name)) words.push(...flagWords(name, value));
  words.push('--output', outputDir, '--resume');
  return words.map(shellWord).join(' ');
}
