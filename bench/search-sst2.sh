#!/usr/bin/env bash
# The search measurement of the README: SST-2 5k with use-lite, a search without and with ASHA side by side (1 thread each), then the best trial of each on the dev set.
# Usage: bash bench/search-sst2.sh <budget, e.g. 60m> <work folder>   (run from the repository root; ../shared/data holds SST-2)
set -eu
BUDGET=${1:-60m}
WORK=${2:-runs/search-bench}
REPO=$(pwd)
mkdir -p "$WORK"
cd "$WORK"
# The README's subsample (sha256 of the result starts 7be8b82d93703b84).
(head -1 "$REPO/../shared/data/sst2_train.tsv"; tail -n +2 "$REPO/../shared/data/sst2_train.tsv" | shuf -n 5000 --random-source=<(yes)) > sst2_train_5k.tsv
cp "$REPO/examples/search-sst2.yaml" plain.yaml
sed 's/^  # asha:/  asha:/' plain.yaml > asha.yaml
lscpu | grep 'Model name'
uptime
node "$REPO/bin/finetune.js" search --config plain.yaml --output runs/plain --threads 1 --budget "$BUDGET" --json > plain.out 2> plain.log &
node "$REPO/bin/finetune.js" search --config asha.yaml --output runs/asha --threads 1 --budget "$BUDGET" --json > asha.out 2> asha.log &
wait
uptime
for name in plain asha; do
  best=$(node -e "const s=require('./runs/$name/search.json'); console.log(s.trials[s.leaderboard[0].trial].folder)")
  echo "$name: best $best"
  node "$REPO/bin/finetune.js" eval --model "$best" --data "$REPO/../shared/data/sst2_dev.tsv" --max-length 64 --json | tail -1
done
# Steps spent against steps planned: a trial's planned length is the max_steps of its trainer_state.json (in the folder, or its newest checkpoint).
for name in plain asha; do
  node -e "
const fs = require('fs'), path = require('path');
const s = require('./runs/$name/search.json');
const planned = (folder) => {
  const states = [path.join(folder, 'trainer_state.json')];
  const ck = path.join(folder, 'checkpoints');
  if (fs.existsSync(ck)) for (const c of fs.readdirSync(ck)) states.push(path.join(ck, c, 'trainer_state.json'));
  for (const f of states) if (fs.existsSync(f)) return JSON.parse(fs.readFileSync(f, 'utf8')).max_steps;
  return NaN;
};
let spent = 0, plan = 0;
for (const t of s.trials) { spent += t.globalStep; plan += planned(t.folder); }
const counts = {};
for (const t of s.trials) counts[t.status] = (counts[t.status] ?? 0) + 1;
console.log('$name: ' + s.trials.length + ' trials ' + JSON.stringify(counts) + ', ' + spent + ' steps spent of ' + plan + ' planned (' + (100 * spent / plan).toFixed(1) + '%)');
"
done
