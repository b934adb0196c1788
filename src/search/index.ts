// The search layer's public API: search spaces, samplers, ASHA, the search loop and its executors (child processes, Redis workers).
export { AshaJudge, continuesAtRung, highestRung, MemoryRungStore, promotable, rungOf, rungResource, type RungedTrial, type RungStore } from './asha.js';
export { LocalExecutor, type TrialExecutor } from './local-executor.js';
export { connectRedis, QUEUE_NAME, queueExecutor, RedisRungStore, runWorker, type WorkerOptions } from './queue.js';
export { bestTrainFlags, trainCommandLine, writeSearchReport } from './report.js';
export { makeSampler, RandomSampler, TpeSampler, type Observation, type Sampler, type TpeOptions } from './samplers.js';
export { runSearch, type SearchOptions, type SearchResult } from './search.js';
export {
  parseDuration,
  parseSearchSettings,
  parseSpace,
  SEARCHABLE_PARAMS,
  type AshaOptions,
  type ParamSpec,
  type ParamValues,
  type SearchSettings,
  type SearchSpace,
} from './space.js';
export { leaderboard, readState, SEARCH_FILE, type SearchState, type TrialRecord } from './state.js';
export { runTrial, trialFlags, type TrialOutcome, type TrialSpec } from './trial.js';
