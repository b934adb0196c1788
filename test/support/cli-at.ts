// A `finetune` process that loads everything first, says "ready" on stderr and starts its command when a line arrives on stdin.
import { main } from '../../src/cli/main.js';

process.stderr.write('ready\n');
process.stdin.once('data', () => {
  process.stdin.destroy();
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
});
