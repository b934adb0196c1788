// What a CLI command is: its flags, its help and a run function that returns the result printed by --json.
import { setBackend, setThreads, type BackendName } from '../backend/index.js';
import type { Flags, FlagSpecs } from './args.js';

export interface CommandContext {
  readonly flags: Flags;
  readonly positional: readonly string[];
  /** Human-readable progress and results (suppressed to stderr under --json). */
  log(line: string): void;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Extra usage lines (sub-commands, examples). */
  readonly usage?: string;
  readonly flags: FlagSpecs;
  /** The arguments it takes besides flags (default none: any other word is a usage error). */
  readonly positional?: { readonly max: number; readonly name: string };
  /** Its stdout is JSON Lines already (one object per input), so --json adds no summary line. */
  readonly writesJsonLines?: boolean;
  /** Returns the JSON result (printed as the last line under --json). */
  run(context: CommandContext): Promise<unknown>;
}

/** Applies --backend and --threads before a command runs. */
export function applyEngineFlags(flags: Flags): void {
  const backend = flags.string('backend');
  if (backend !== undefined) setBackend(backend as BackendName, '--backend');
  const threads = flags.number('threads');
  if (threads !== undefined) setThreads(threads);
}
