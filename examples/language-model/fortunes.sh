#!/usr/bin/env bash
# Pre-trains a small GPT-2 (4 layers, hidden 256) from random weights on Debian's English "people" fortunes,
# LoRA fine-tunes it on the German jokes of fortunes-de ("witze"), and reports validation perplexity on both
# texts before and after the fine-tune. Usage: examples/language-model/fortunes.sh [work folder] [pre-train steps] [LoRA steps]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/fortunes-lm}
pretrain_steps=${2:-150}
lora_steps=${3:-80}
fortunes=/usr/share/games/fortunes
mkdir -p "$work"
# Every 10th quote of each file is held out for validation (the same quotes in every step below).
split() {
  node -e '
    const fs = require("fs");
    const quotes = fs.readFileSync(process.argv[1], "utf8").split(/^%[ \t]*$/m).map((q) => q.replace(/^\n/, "").trimEnd()).filter((q) => q.trim());
    const out = (keep) => quotes.filter((_, i) => keep(i % 10 === 9)).join("\n%\n") + "\n%\n";
    fs.writeFileSync(process.argv[2] + "-train", out((held) => !held));
    fs.writeFileSync(process.argv[2] + "-val", out((held) => held));
  ' "$1" "$2"
}
split "$fortunes/people" "$work/people"
split "$fortunes/de/witze" "$work/witze"
finetune() { node bin/finetune.js "$@"; }
common=(--max-length 64 --batch-size 8 --no-progress)

finetune train --model examples/language-model/gpt2-fortunes.json --init random --task causal-lm \
  --data "$work/people-train" --eval-data "$work/people-val" "${common[@]}" \
  --max-steps "$pretrain_steps" --lr 1e-3 --warmup-ratio 0.05 --weight-decay 0.1 --eval-every 50 --output "$work/base" --overwrite
for text in people witze; do
  echo "== base model on $text-val"
  finetune eval --model "$work/base" --data "$work/$text-val" --max-length 64 --json | tail -1
done

finetune train --model "$work/base" --task causal-lm --data "$work/witze-train" --eval-data "$work/witze-val" "${common[@]}" \
  --lora --lora-r 16 --lora-alpha 32 --lora-targets c_attn,c_proj,c_fc \
  --max-steps "$lora_steps" --lr 2e-3 --warmup-ratio 0.05 --eval-every 40 --output "$work/lora" --overwrite
for text in people witze; do
  echo "== base + LoRA on $text-val"
  finetune eval --model "$work/base" --adapter "$work/lora" --data "$work/$text-val" --max-length 64 --json | tail -1
done
