#!/usr/bin/env node
// Builds the native addon with node-gyp during `npm ci`; a failed build leaves the pure-TypeScript backend in charge.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (process.env.FINETUNE_SKIP_NATIVE === '1') {
  console.log('finetune: FINETUNE_SKIP_NATIVE=1, native addon not built; the js backend will be used');
  process.exit(0);
}
const gyp = process.platform === 'win32' ? 'node-gyp.cmd' : 'node-gyp';
const result = spawnSync(gyp, ['rebuild', '--directory', 'native'], { stdio: 'inherit', shell: false });
if (result.status !== 0 || !existsSync('native/build/Release/finetune_native.node')) {
  console.warn('finetune: the native addon could not be built (no C compiler or node-gyp?); the js backend will be used');
}
process.exit(0);
