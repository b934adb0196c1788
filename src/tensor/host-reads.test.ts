// The host-read guard: reads from the covered files throw, ops and other code still read, the accessors come back when it ends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forbidHostReads, hostReadsForbidden, HostReadError, MODEL_CODE } from './host-reads.js';
import { Tensor } from './tensor.js';

// This file stands in for model code: the pattern names it.
const THIS_FILE = /host-reads\.test\.[jt]s/;

describe('forbidHostReads', () => {
  it('refuses data, f32(), i32(), item() and toArray() from the covered code, naming the accessor and the caller', () => {
    const x = Tensor.from([1, 2, 3]);
    const ids = Tensor.from([4], undefined, { dtype: 'int32' });
    forbidHostReads(() => {
      assert.throws(
        () => x.data,
        (e: Error) => e instanceof HostReadError && /Tensor\.data\) from model code at .*host-reads\.test/.test(e.message),
      );
      assert.throws(() => x.f32(), /Tensor\.f32\(\)/);
      assert.throws(() => ids.i32(), /Tensor\.i32\(\)/);
      assert.throws(() => ids.item(), /Tensor\.item\(\)/);
      assert.throws(() => x.toArray(), /Tensor\.toArray\(\)/);
    }, THIS_FILE);
  });

  it('lets ops read, and their results be used as tensors', () => {
    const x = Tensor.from([1, 2, 3], undefined, { requiresGrad: true });
    const y = forbidHostReads(() => {
      const out = x.mul(2).add(1).sum();
      out.backward();
      return out;
    }, THIS_FILE);
    assert.equal(y.item(), 15);
    assert.deepEqual(x.grad!.toArray(), [2, 2, 2]);
  });

  it('restores the plain accessors when the outermost scope ends, even by an exception', () => {
    const x = Tensor.from([7]);
    assert.throws(
      () =>
        forbidHostReads(
          () =>
            forbidHostReads(() => {
              assert.ok(hostReadsForbidden());
              throw new Error('stop');
            }),
          THIS_FILE,
        ),
      /stop/,
    );
    assert.ok(!hostReadsForbidden());
    assert.equal(x.item(), 7);
    assert.equal(x.data[0], 7);
    assert.ok(Object.getOwnPropertyDescriptor(Tensor.prototype, 'data')!.get!.toString().includes('#data'));
  });

  it('refuses an async function, whose later reads it could not see', () => {
    assert.throws(() => forbidHostReads(async () => 1), /fn must be synchronous/);
    assert.ok(!hostReadsForbidden());
  });

  it('covers the model families and nn layers, compiled or as sources', () => {
    assert.ok(MODEL_CODE.test('at f (/repo/dist/src/models/bert/model.js:10:5)'));
    assert.ok(MODEL_CODE.test('at g (/repo/src/nn/attention.ts:3:1)'));
    assert.ok(!MODEL_CODE.test('at h (/repo/dist/src/tensor/ops/masks.js:1:1)'));
    assert.ok(!MODEL_CODE.test('at k (/repo/dist/test/models/golden.test.js:1:1)'));
  });
});
