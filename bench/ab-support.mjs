// What the A/B scripts share: options, the check that both checkouts are built, and alternating timed rounds.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** With --help on the command line: prints `usage` and exits 0. */
export function helpOnRequest(usage) {
  if (process.argv.includes('--help')) {
    console.log(usage);
    process.exit(0);
  }
}

/** The value after `--name` on the command line, or the fallback. */
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/**
 * The old and new checkouts' absolute paths (--old required, --new defaulting to `here`); exits with one line when
 * --old is missing (2) or a checkout lacks `builtFile` (a path inside it that only its build makes) (1).
 */
export function checkouts(tool, here, builtFile) {
  const oldRoot = arg('old', null);
  if (!oldRoot) {
    console.error(`${tool}: --old <checkout> is required (a built checkout to compare against)`);
    process.exit(2);
  }
  const roots = { old: resolve(oldRoot), new: resolve(arg('new', here)) };
  for (const root of Object.values(roots)) {
    if (!existsSync(join(root, builtFile))) {
      console.error(`${tool}: ${root} is not a built checkout (no ${builtFile}; see bench/ab-predict.mjs for how to build one)`);
      process.exit(1);
    }
  }
  return roots;
}

export const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/**
 * `rounds` rounds of `time(side)` (milliseconds) for the sides old and new, in alternating order, each after a 5 ms
 * pause; returns each side's times and the median of the per-round ratios new / old.
 */
export async function alternate(rounds, time) {
  const ms = { old: [], new: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? ['new', 'old'] : ['old', 'new']) {
      await new Promise((done) => setTimeout(done, 5));
      ms[name].push(time(name));
    }
  }
  return { ms, ratio: median(ms.old.map((o, i) => ms.new[i] / o)) };
}

/** The parsed JSON file, or exit 1 with one line naming it. */
export function readConfig(tool, file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`${tool}: ${file}: ${error.message.split('\n')[0]}`);
    process.exit(1);
  }
}
