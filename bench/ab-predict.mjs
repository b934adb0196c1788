#!/usr/bin/env node
// predict() of two built checkouts side by side in one process, alternating: how a change moves inference time.
//
// Usage: node bench/ab-predict.mjs --old <checkout> [--new <checkout>] [--config bench/configs/bert-small.json]
//          [--batch 1] [--rounds 30] [--calls 40] [--threads 2]
// Each checkout must have been built (dist/ and native/build/): e.g. `git worktree add /tmp/old HEAD~1`, link its
// node_modules to this one's, `npx tsc -p tsconfig.json` and `node scripts/build-native.mjs` in it. Both load the
// same random model (seed 0) and one text of 126 words (128 tokens); every round times `--calls` predict() calls of
// each, in alternating order, after a 5 ms pause and 3 untimed calls. Prints the median ms per call of each and the
// median of the per-round ratios new / old (below 1: the new checkout is faster), and whether they predict the same.
// Both checkouts run their own native addon and thread pool; a machine's slow spells hit both sides of a round alike,
// so the paired ratio is steadier than two separate runs.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternate, arg, checkouts, helpOnRequest, median, readConfig } from './ab-support.mjs';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
helpOnRequest(
  'Usage: node bench/ab-predict.mjs --old <checkout> [--new <checkout>] [--config <config.json>] [--batch 1] [--rounds 30] [--calls 40] [--threads 2]',
);
const roots = checkouts('ab-predict', here, 'dist/src/tasks/predict.js');
const configFile = resolve(here, arg('config', 'bench/configs/bert-small.json'));
const config = readConfig('ab-predict', configFile);
const batch = Number(arg('batch', '1'));
const rounds = Number(arg('rounds', '30'));
const calls = Number(arg('calls', batch === 1 ? '40' : '4'));
const threads = Number(arg('threads', '2'));

// The small test tokenizer, allowed 128 tokens (its own config says 64).
const tokenizerDir = mkdtempSync(join(tmpdir(), 'finetune-ab-predict-'));
for (const file of ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'special_tokens_map.json']) {
  copyFileSync(join(here, 'test', 'golden', 'models', 'bert', file), join(tokenizerDir, file));
}
const tokConfig = join(tokenizerDir, 'tokenizer_config.json');
writeFileSync(tokConfig, JSON.stringify({ ...JSON.parse(readFileSync(tokConfig, 'utf8')), model_max_length: 512 }));

const text = Array.from({ length: 126 }, () => 'of').join(' ');
const inputs = Array.from({ length: batch }, () => ({ text }));

async function load(root) {
  const dist = (path) => join(resolve(root), 'dist', 'src', path);
  const { setThreads } = await import(dist('backend/index.js'));
  const { createTaskModel } = await import(dist('models/load.js'));
  const { predict } = await import(dist('tasks/predict.js'));
  const { packLinearLayers } = await import(dist('nn/packed-linear.js'));
  const { manualSeed } = await import(dist('tensor/random.js'));
  const { loadTokenizer } = await import(dist('tokenizers/load.js'));
  setThreads(threads);
  manualSeed(0);
  const model = createTaskModel(config);
  packLinearLayers(model);
  const tokenizer = await loadTokenizer(tokenizerDir);
  return () => predict(model, tokenizer, inputs, { batchSize: batch });
}

const sides = { old: await load(roots.old), new: await load(roots.new) };
for (const run of Object.values(sides)) for (let i = 0; i < calls * 8; i++) run();
const { ms, ratio } = await alternate(rounds, (name) => {
  for (let i = 0; i < 3; i++) sides[name]();
  const start = performance.now();
  for (let i = 0; i < calls; i++) sides[name]();
  return (performance.now() - start) / calls;
});
const same = JSON.stringify(sides.old()) === JSON.stringify(sides.new());
console.log(
  `${configFile} ${batch} x 128, ${threads} threads, ${rounds} rounds of ${calls} calls: old ${median(ms.old).toFixed(3)} ms, ` +
    `new ${median(ms.new).toFixed(3)} ms, median new/old ${ratio.toFixed(3)}; same predictions: ${same}`,
);
