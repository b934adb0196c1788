#!/usr/bin/env node
// Builds the native addons with node-gyp during `npm ci`; a failed build leaves the pure-TypeScript backend in charge.
// FINETUNE_SKIP_NATIVE=1 skips the build; FINETUNE_NO_BLAS=1 builds without OpenBLAS / Accelerate.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addons = ['finetune_native.node', 'finetune_native_builtin.node'].map((f) => join(root, 'native', 'build', 'Release', f));

if (process.env.FINETUNE_SKIP_NATIVE === '1') {
  rmSync(join(root, 'native', 'build'), { recursive: true, force: true });
  console.log('finetune: FINETUNE_SKIP_NATIVE=1, native addon not built; the js backend will be used');
  process.exit(0);
}

/** node-gyp as npm runs it (npm_config_node_gyp), else the copy bundled with npm, else whatever is on PATH. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  const script = candidates.find((path) => path && existsSync(path));
  if (script) return { command: process.execPath, args: [script] };
  return { command: process.platform === 'win32' ? 'node-gyp.cmd' : 'node-gyp', args: [] };
}

const args = ['rebuild', '--directory', join(root, 'native')];
// Use the installed Node headers when npm has not named a nodedir, so the build needs no download.
const prefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}
const gyp = findNodeGyp();
const result = spawnSync(gyp.command, [...gyp.args, ...args], { stdio: 'inherit', cwd: root });
if (result.status !== 0 || !addons.every((path) => existsSync(path))) {
  const reason = result.error ? result.error.message : `node-gyp exited with ${result.status}`;
  console.warn(`finetune: the native addon could not be built (${reason}); the js backend will be used`);
}
process.exit(0);
