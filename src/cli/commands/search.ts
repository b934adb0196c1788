// `finetune search`: a search YAML (train options + a search: block) and flags into trials run here or on a Redis queue; the leaderboard as JSON.
import { existsSync } from 'node:fs';
import { getThreads } from '../../backend/index.js';
import { FinetuneError, UsageError } from '../../errors.js';
import { LocalExecutor } from '../../search/local-executor.js';
import { connectRedis, queueExecutor } from '../../search/queue.js';
import { runSearch } from '../../search/search.js';
import { parseDuration, parseSearchSettings, type SearchSettings } from '../../search/space.js';
import { leaderboard } from '../../search/state.js';
import { bestTrainFlags, trainCommandLine } from '../../search/report.js';
import type { Flags, FlagSpecs, ParsedFlags } from '../args.js';
import type { Command } from '../command.js';
import { trainCommand } from './train.js';

/** Flags of the search itself; every other flag is a train option shared by all trials. */
const SEARCH_FLAGS: FlagSpecs = {
  search: { type: 'mapping', help: 'the search block (config file only): space, metric, direction, sampler, seed, trials, parallel, budget, asha' },
  trials: { type: 'int', help: 'trials to run (overrides search.trials)', default: 16 },
  parallel: { type: 'int', help: 'trials at a time; threads are divided among them (overrides search.parallel)', default: 1 },
  budget: { type: 'string', help: 'wall-clock budget, e.g. 30m or 2h: no trial starts after it, running ones stop at a checkpoint' },
  output: { type: 'string', help: 'the search folder (default runs/search-<timestamp>): search.json, report.html, best.yaml, trial-NNN/' },
  resume: { type: 'boolean', help: 'continue the search in --output: finished trials stay, interrupted ones resume from their checkpoints' },
  queue: { type: 'string', help: 'redis://host:port/db: put trials on a BullMQ queue for `finetune worker` processes (shared --output folder)' },
};

/** Flags that belong to this process, never to a trial's train options. */
const NOT_TRAIN = new Set([...Object.keys(SEARCH_FLAGS), 'overwrite', 'config', 'json', 'debug', 'help', 'threads', 'backend', 'progress']);

const { output: _o, resume: _r, overwrite: _w, progress: _p, ...TRAIN_FLAGS } = trainCommand.flags;

/** The train options of every trial: the config file's and the command line's, without the search's own. */
export function baseTrainFlags(flags: Flags): ParsedFlags {
  return Object.fromEntries(Object.entries(flags.values).filter(([name]) => !NOT_TRAIN.has(name)));
}

/** The search block with the command line's --trials, --parallel and --budget applied. */
export function searchSettingsFromFlags(flags: Flags): SearchSettings {
  const where = flags.string('config') ?? 'the command line';
  if (!flags.has('search')) throw new FinetuneError(`${where}: no search: block (give a --config file with search: {space: ...})`);
  const settings = parseSearchSettings(flags.values.search, where);
  const trials = flags.number('trials');
  const parallel = flags.number('parallel');
  for (const [name, value] of [
    ['trials', trials],
    ['parallel', parallel],
  ] as const) {
    if (value !== undefined && value < 1) throw new FinetuneError(`--${name} ${value}: must be >= 1`);
  }
  const budget = flags.string('budget');
  return {
    ...settings,
    ...(trials === undefined ? {} : { trials }),
    ...(parallel === undefined ? {} : { parallel }),
    ...(budget === undefined ? {} : { budgetSeconds: parseDuration(budget, '--budget') }),
  };
}

export const searchCommand: Command = {
  name: 'search',
  summary: 'hyperparameter and layer search (random or TPE, ASHA early stopping), resumable, on Redis across machines',
  usage:
    'Usage: finetune search --config search.yaml [--trials N] [--parallel K] [--budget 30m] [--output dir] [--resume] [--queue redis://host:port/db] [train options]\n' +
    'The YAML holds train options and a search: block; train options on the command line override the file.',
  flags: { ...TRAIN_FLAGS, ...SEARCH_FLAGS },
  async run({ flags, log }) {
    const settings = searchSettingsFromFlags(flags);
    const base = baseTrainFlags(flags);
    if (base.model === undefined || base.data === undefined) throw new UsageError('search: the config or the command line must give model and data');
    // A missing data file would fail every trial the same way: say so once, before any starts.
    for (const name of ['data', 'eval-data']) {
      const value = base[name];
      if (typeof value === 'string' && /[/\\.]/.test(value) && !existsSync(value)) throw new FinetuneError(`--${name} ${value}: no such file`);
    }
    const resume = flags.boolean('resume');
    const output = flags.string('output') ?? (resume ? undefined : `runs/search-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    if (output === undefined) throw new UsageError('search: --resume needs --output (the search folder to continue)');
    // Trials run in child processes (or on workers), which read the backend from the environment.
    const backend = flags.string('backend');
    if (backend !== undefined) process.env.FINETUNE_BACKEND = backend;
    const queue = flags.string('queue');
    // An unreachable Redis is one line now, not a failed trial after the folder is made.
    if (queue !== undefined) (await connectRedis(queue)).disconnect();
    const threadsPerTrial = queue === undefined ? Math.max(1, Math.floor(getThreads() / settings.parallel)) : undefined;
    const result = await runSearch({
      folder: output,
      base,
      settings,
      resume,
      ...(threadsPerTrial === undefined ? {} : { threadsPerTrial }),
      executor: queue === undefined ? (rungs) => new LocalExecutor(rungs) : (_rungs, state) => queueExecutor(queue, state, log),
      log,
    });
    const board = leaderboard(result.state);
    const best = result.best;
    log(
      `search: ${result.state.trials.length} trials, ${board.length} with a value${result.outOfBudget ? ' (budget spent)' : ''}; report in ${output}/report.html`,
    );
    if (best) {
      log(`best: trial ${best.index}, ${settings.metric} ${best.value!.toFixed(4)}`);
      log(`  ${trainCommandLine(bestTrainFlags(result.state, best))}`);
    }
    return {
      output,
      trials: result.state.trials.length,
      out_of_budget: result.outOfBudget,
      total_steps: result.state.trials.reduce((s, t) => s + t.globalStep, 0),
      best: best ? { trial: best.index, value: best.value, params: best.params } : null,
      leaderboard: board.map((t) => ({ trial: t.index, value: t.value, status: t.status, steps: t.globalStep, params: t.params })),
    };
  },
};
