// The README's library example runs as written: it imports the package by its name, from inside the package.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
// Inside the package, so that `import ... from 'finetune'` resolves through package.json's exports.
const script = join(repo, 'dist', 'readme-example.mjs');
after(() => rmSync(script, { force: true }));

describe("the README's library example", () => {
  it('classifies texts, one label each, and the top 2 of one', () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Library'));
    const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(code?.includes("from 'finetune'"), 'the Library section has a js example importing finetune');
    writeFileSync(script, code!.replace(/console\.log\(/g, 'console.log(JSON.stringify(').replace(/\)\);$/gm, ')));'));
    const run = spawnSync(process.execPath, [script], { cwd: repo, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const [top1, top2] = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    assert.equal((top1 as { label: string }[]).length, 2);
    assert.ok((top1 as { label: string; score: number }[]).every((r) => ['neg', 'neu', 'pos'].includes(r.label) && r.score > 0 && r.score < 1));
    const [best, second] = (top2 as { score: number }[][])[0]!;
    assert.ok(best!.score >= second!.score);
  });
});
