// The profiling wrapper: kernel calls timed by kind (scope first, else the kernel's own kind), and nothing left behind when stopped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Unary } from './backend.js';
import { getBackend, startProfiling, stopProfiling } from './index.js';
import { PROFILE_KINDS, currentProfileScope, withProfileScope } from './profile.js';

describe('kernel profiling', () => {
  it('attributes calls to their kind, or to the innermost scope, and stops cleanly', () => {
    const plain = getBackend();
    const profile = startProfiling();
    try {
      const be = getBackend();
      assert.notEqual(be, plain);
      const x = new Float32Array(64).fill(0.5);
      const out = new Float32Array(64);
      be.gemm(false, false, 1, 8, 8, 8, 1, x, 0, 8, x, 0, 8, 0, out, 0, 8);
      be.unary(Unary.GeluErf, x, out, 0);
      be.unary(Unary.Tanh, x, out, 0);
      be.layerNorm(x, x.subarray(0, 8), x.subarray(0, 8), 8, 8, 1e-5, out, new Float32Array(8), new Float32Array(8));
      withProfileScope('attention', () => {
        assert.equal(currentProfileScope(), 'attention');
        withProfileScope('embedding', () => be.gemm(false, false, 1, 8, 8, 8, 1, x, 0, 8, x, 0, 8, 0, out, 0, 8));
        be.gemm(false, false, 1, 8, 8, 8, 1, x, 0, 8, x, 0, 8, 0, out, 0, 8);
      });
      assert.equal(currentProfileScope(), null);
      const calls = Object.fromEntries(PROFILE_KINDS.map((k) => [k, profile.byKind.get(k)!.calls]));
      assert.deepEqual(calls, { matmul: 1, attention: 1, 'layer norm': 1, gelu: 1, embedding: 1, optimizer: 0, other: 1 });
      assert.equal(profile.byKernel.get('unary gelu')!.calls, 1);
      assert.equal(profile.byKernel.get('gemm')!.calls, 3);
      assert.ok(profile.totalMs() >= 0);
      profile.reset();
      assert.equal(profile.byKind.get('matmul')!.calls, 0);
    } finally {
      stopProfiling();
    }
    assert.equal(getBackend(), plain);
  });
});
