// Times greedy generation with the key/value cache for a short and a long prompt: ms per new token past the first must not grow with the prompt.
// Usage: node dist/bench/causal-generate.js [--config bench/configs/smollm2-135m.json] [--prompts 16,512] [--new 32] [--rounds 3] [--threads 2]
// Alternates the prompt lengths round by round; prints one line per run and the medians (prefill ms, ms per new token).
import { readFileSync } from 'node:fs';
import { setThreads } from '../src/backend/index.js';
import { generateTokenIds } from '../src/generate/generate.js';
import type { CausalLMModel } from '../src/models/causal/types.js';
import { createTaskModel } from '../src/models/load.js';
import { manualSeed, Random } from '../src/tensor/random.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1]! : fallback;
};
const configPath = flag('config', 'bench/configs/smollm2-135m.json');
const lengths = flag('prompts', '16,512').split(',').map(Number);
const fresh = Number(flag('new', '32'));
const rounds = Number(flag('rounds', '3'));
setThreads(Number(flag('threads', '2')));

manualSeed(0);
const model = createTaskModel(JSON.parse(readFileSync(configPath, 'utf8'))) as CausalLMModel;
const rng = new Random(5);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = new Map<number, { prefill: number[]; perToken: number[] }>(lengths.map((n) => [n, { prefill: [], perToken: [] }]));
for (let round = 1; round <= rounds; round++) {
  for (const length of lengths) {
    const prompt = Array.from({ length }, () => rng.int(model.vocabSize));
    const start = performance.now();
    let first = 0;
    let count = 0;
    for (const _ of generateTokenIds(model, prompt, { maxNewTokens: fresh, eosTokenIds: [] })) {
      if (count++ === 0) first = performance.now();
    }
    const end = performance.now();
    const perToken = (end - first) / (count - 1);
    results.get(length)!.prefill.push(first - start);
    results.get(length)!.perToken.push(perToken);
    console.log(
      `round ${round}: prompt ${length} tokens: prefill + first token ${(first - start).toFixed(0)} ms, then ${perToken.toFixed(1)} ms per new token (${count} tokens)`,
    );
  }
}
for (const [length, r] of results) {
  console.log(`median, prompt ${length}: prefill ${median(r.prefill).toFixed(0)} ms, ${median(r.perToken).toFixed(1)} ms per new token`);
}
