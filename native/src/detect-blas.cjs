// Configure-time BLAS probe for binding.gyp: prints the library kind, its compiler flags or its linker flags.
// Usage (from native/): node src/detect-blas.cjs kind|cflags|libs. FINETUNE_NO_BLAS=1 forces 'none' (the built-in GEMM).
'use strict';
const { existsSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

function pkgConfig(args) {
  try {
    return execFileSync('pkg-config', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function multiarch() {
  try {
    return execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** Finds OpenBLAS: a cblas.h and a libopenblas next to each other in the usual places. */
function findOpenBlas() {
  const arch = multiarch();
  const includeDirs = [
    arch && `/usr/include/${arch}`, '/usr/include/openblas', '/usr/include', '/usr/local/include',
    '/usr/local/opt/openblas/include', '/opt/homebrew/opt/openblas/include',
  ].filter(Boolean);
  const libDirs = [
    arch && `/usr/lib/${arch}`, '/usr/lib64', '/usr/lib', '/usr/local/lib',
    '/usr/local/opt/openblas/lib', '/opt/homebrew/opt/openblas/lib',
  ].filter(Boolean);
  const fromPkg = pkgConfig(['--variable=includedir', 'openblas']);
  if (fromPkg) includeDirs.unshift(fromPkg, join(fromPkg, 'openblas'));
  const libFromPkg = pkgConfig(['--variable=libdir', 'openblas']);
  if (libFromPkg) libDirs.unshift(libFromPkg);
  const includeDir = includeDirs.find((dir) => existsSync(join(dir, 'cblas.h')));
  const libNames = ['libopenblas.so', 'libopenblas.dylib', 'libopenblas.a'];
  const libDir = libDirs.find((dir) => libNames.some((name) => existsSync(join(dir, name))));
  return includeDir && libDir ? { includeDir, libDir } : null;
}

function detect() {
  if (process.env.FINETUNE_NO_BLAS === '1') return { kind: 'none' };
  if (process.platform === 'darwin') return { kind: 'accelerate' };
  const openblas = findOpenBlas();
  return openblas ? { kind: 'openblas', ...openblas } : { kind: 'none' };
}

const found = detect();
const what = process.argv[2];
if (what === 'kind') console.log(found.kind);
else if (what === 'cflags') console.log(found.kind === 'openblas' ? `-I${found.includeDir}` : '');
else if (what === 'libs') {
  if (found.kind === 'openblas') console.log(`-L${found.libDir} -Wl,-rpath,${found.libDir} -lopenblas`);
  else if (found.kind === 'accelerate') console.log('-framework Accelerate');
  else console.log('');
} else {
  console.error('usage: node src/detect-blas.cjs kind|cflags|libs');
  process.exit(2);
}
