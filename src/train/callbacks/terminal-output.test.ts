// Stream output: plain lines anywhere; on a terminal a redrawn status line that printed lines clear first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { streamOutput } from './terminal-output.js';

describe('streamOutput', () => {
  it('writes lines and warnings, and has no progress bar off a terminal', () => {
    const written: string[] = [];
    const out = streamOutput({ write: (t: string) => written.push(t), isTTY: false });
    out.line('a');
    out.warn('b');
    assert.equal(out.redraw, undefined);
    assert.deepEqual(written, ['a\n', 'warning: b\n']);
  });

  it('redraws one line on a terminal, cut to its width, and clears it before a printed line', () => {
    const written: string[] = [];
    const out = streamOutput({ write: (t: string) => written.push(t), isTTY: true, columns: 30 });
    out.redraw!('x'.repeat(50));
    out.line('done');
    out.line('again');
    assert.deepEqual(written, [`\r\x1b[2K${'x'.repeat(29)}`, '\r\x1b[2K', 'done\n', 'again\n']);
  });
});
