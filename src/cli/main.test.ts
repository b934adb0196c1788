// The CLI entry point: repeated in-process runs leave one closed-pipe handler on stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../test/support/run-cli.js';

test('main installs its stdout error handler once, however often it runs', async () => {
  const first = await runCli(['--version']);
  assert.equal(first.code, 0);
  const handlers = process.stdout.listenerCount('error');
  for (let i = 0; i < 12; i++) assert.equal((await runCli(['--version'])).code, 0);
  assert.equal(process.stdout.listenerCount('error'), handlers);
  assert.equal((await runCli(['--version'])).stderr, '');
});
