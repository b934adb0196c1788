// The resume command printed after Ctrl-C: the run's flags, shell-quoted, with its output folder and --resume.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resumeCommand, shellWord } from './interrupt.js';

describe('resume command', () => {
  it('quotes what a shell would split or expand', () => {
    assert.equal(shellWord('runs/2026-12-02'), 'runs/2026-12-02');
    assert.equal(shellWord('my data.csv'), "'my data.csv'");
    assert.equal(shellWord("it's"), `'it'\\''s'`);
    assert.equal(shellWord('$HOME'), "'$HOME'");
  });

  it('repeats the flags (a config file spelled out), drops --overwrite and --resume, and names the folder', () => {
    const command = resumeCommand(
      {
        config: 'c.yaml',
        model: 'm',
        data: 'my data.csv',
        lr: 0.001,
        'group-by-length': false,
        lora: true,
        'lora-targets': ['query', 'value'],
        overwrite: true,
      },
      'runs/a',
    );
    assert.equal(
      command,
      "finetune train --model m --data 'my data.csv' --lr 0.001 --no-group-by-length --lora --lora-targets query,value --output runs/a --resume",
    );
  });
});
