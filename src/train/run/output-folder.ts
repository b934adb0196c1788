// The output folder of a run: runs/<timestamp> by default, never overwriting a previous run, and what --resume points at.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { isProcessAlive } from '../../io/atomic-write.js';
import { describeFsError, LOCK_FILE, lockFolder, type FolderLock } from '../../io/folder-lock.js';
import { CHECKPOINTS_FOLDER, listCheckpoints, MODEL_FILE, STATE_FILE } from '../checkpoint.js';

/** The default folder for runs without --output. */
export const RUNS_FOLDER = 'runs';

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `runs/20250102-030405`, with `-2`, `-3`... appended while that name is taken. */
export function timestampedOutputDir(now: Date = new Date(), base = RUNS_FOLDER): string {
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  let candidate = join(base, stamp);
  for (let n = 2; existsSync(candidate); n++) candidate = join(base, `${stamp}-${n}`);
  return candidate;
}

function isCheckpointFolder(path: string): boolean {
  return existsSync(join(path, STATE_FILE)) && existsSync(join(path, MODEL_FILE)) && existsSync(join(path, '..', '..', 'checkpoints'));
}

const TRAINING_ARGS_FILE = 'training_args.json';

/**
 * What in `folder` would be lost by a fresh run. Not counted: the lock (and its temporaries), temporaries of writers that
 * no longer run, and what a run that failed before its first checkpoint leaves (training_args.json
 * and an empty checkpoints/ folder): such a folder is reused by a plain rerun.
 */
function leftovers(folder: string): string[] {
  const entries = readdirSync(folder);
  const checkpoints = join(folder, CHECKPOINTS_FOLDER);
  const emptyCheckpoints =
    entries.includes(CHECKPOINTS_FOLDER) && statSync(checkpoints).isDirectory() && readdirSync(checkpoints).every((entry) => isDeadTemporary(entry));
  return entries.filter(
    (entry) => !entry.startsWith(LOCK_FILE) && !isDeadTemporary(entry) && !(emptyCheckpoints && (entry === CHECKPOINTS_FOLDER || entry === TRAINING_ARGS_FILE)),
  );
}

/** `.<name>.tmp-<pid>-<hex>` of atomic-write whose writer is gone. */
function isDeadTemporary(entry: string): boolean {
  const match = /^\..*\.tmp-(\d+)-[0-9a-f]+$/.exec(entry);
  return match !== null && !isProcessAlive(Number(match[1]));
}

/** The folder --output / --resume name, or undefined when neither does (or --resume names no folder). */
function namedOutputFolder(options: OutputOptions): string | undefined {
  if (options.output !== undefined) return options.output;
  const resume = options.resume;
  if (typeof resume !== 'string' || !existsSync(resume) || !statSync(resume).isDirectory()) return undefined;
  return isCheckpointFolder(resume) ? resolve(resume, '..', '..') : resume;
}

/** Claims a fresh runs/<timestamp> folder: mkdir without `recursive` fails when another run took the name first. */
function claimTimestampedFolder(): string {
  mkdirSync(RUNS_FOLDER, { recursive: true });
  for (;;) {
    const candidate = timestampedOutputDir();
    try {
      mkdirSync(candidate);
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new FinetuneError(`${candidate}: cannot create the folder (${describeFsError(error)})`);
    }
  }
}

/**
 * Takes the run's output folder for this process before anything checks or writes it (see
 * io/folder-lock): a second writer fails naming the holder. The folder is --output, else the run
 * folder --resume names, else a new runs/<timestamp>. Invalid --resume values are reported by
 * planOutput's own checks, and nothing is created for them. Pass `{ output: lock.folder }` on to
 * planOutput.
 */
export function lockOutputFolder(options: OutputOptions, command = 'train'): FolderLock {
  let folder = namedOutputFolder(options);
  if (folder === undefined) {
    if (options.resume !== undefined && options.resume !== false) planOutput(options);
    folder = claimTimestampedFolder();
  }
  return lockFolder(folder, { command, label: `--output ${folder}` });
}

/** Where a run writes and which checkpoint (if any) it resumes from. */
export interface OutputPlan {
  readonly outputDir: string;
  /** The checkpoint folder to resume from; undefined for a fresh start. */
  readonly resumeFrom?: string;
  /** A line to tell the user (e.g. that --resume found no checkpoint and starts afresh). */
  readonly notice?: string;
}

export interface OutputOptions {
  /** --output; default runs/<timestamp>. */
  readonly output?: string;
  /** --resume: true for the output folder's latest checkpoint, or a checkpoint or output folder. */
  readonly resume?: boolean | string;
  /** Allow writing into a non-empty folder that is not being resumed (default false). */
  readonly overwrite?: boolean;
}

/**
 * Checks --output and --resume before anything is read or written: an output that is a file, a
 * non-empty folder without --resume or --overwrite, or a --resume folder that does not exist, are
 * errors; so nothing already in an output folder is ever lost by mistake.
 */
export function planOutput(options: OutputOptions): OutputPlan {
  let output = options.output;
  let resumeFrom: string | undefined;
  const resume = options.resume;
  if (typeof resume === 'string') {
    if (!existsSync(resume) || !statSync(resume).isDirectory()) throw new FinetuneError(`--resume ${resume}: no such folder`);
    if (isCheckpointFolder(resume)) {
      resumeFrom = resume;
      output ??= resolve(resume, '..', '..');
    } else {
      const latest = listCheckpoints(resume).at(-1);
      if (!latest) throw new FinetuneError(`--resume ${resume}: no checkpoint in this folder (expected checkpoints/checkpoint-<step>)`);
      resumeFrom = latest.path;
      output ??= resume;
    }
  }
  if (output === undefined) {
    if (resume === true) throw new FinetuneError('--resume without a folder needs --output (the run to continue)');
    return { outputDir: timestampedOutputDir() };
  }
  if (existsSync(output) && !statSync(output).isDirectory()) throw new FinetuneError(`--output ${output}: is a file, expected a folder`);
  if (resume === true) {
    const latest = existsSync(output) ? listCheckpoints(output).at(-1) : undefined;
    if (latest) resumeFrom = latest.path;
    else return { outputDir: output, notice: `${output}: no checkpoint to resume from; starting from the beginning` };
  }
  if (resumeFrom === undefined && !options.overwrite && existsSync(output) && leftovers(output).length > 0) {
    throw new FinetuneError(`--output ${output}: the folder is not empty (a previous run?); choose another folder, or pass --resume to continue it`);
  }
  return resumeFrom === undefined ? { outputDir: output } : { outputDir: output, resumeFrom };
}
