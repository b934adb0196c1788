// requireBf16: the native backends need AVX512-BF16 (a CPU without it is refused, naming the instruction set); js emulates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FinetuneError } from '../errors.js';
import { requireBf16 } from './bf16.js';
import { bf16Kernel, cpuFeatures } from './index.js';
import { createJsBackend } from './js/index.js';
import { backendsUnderTest } from './test-support.js';

describe('requireBf16', () => {
  it('lets the js backend emulate bf16 on any CPU', () => {
    const js = createJsBackend();
    assert.equal(bf16Kernel(js), 'emulated');
    assert.deepEqual(cpuFeatures(js), []);
    requireBf16(js, []);
  });

  for (const { name, backend, skip } of backendsUnderTest().filter((b) => b.name !== 'js')) {
    it(`on ${name}: passes with AVX512-BF16 and refuses a CPU with neither it nor AMX-BF16 in one line`, { skip: skip ?? false }, () => {
      requireBf16(backend!, ['avx512f', 'avx512_bf16']);
      assert.throws(
        () => requireBf16(backend!, ['avx512f']),
        (error: unknown) =>
          error instanceof FinetuneError &&
          /neither AVX512-BF16 nor AMX-BF16/.test(error.message) &&
          /--bf16/.test(error.message) &&
          !error.message.includes('\n'),
      );
      assert.throws(() => requireBf16(backend!, ['amx_bf16']), /AMX-BF16 without AVX512-BF16/);
      // The addon's own detection: on this CPU either the vector kernel runs, or the refusal does.
      const features = cpuFeatures(backend!);
      if (features.includes('avx512_bf16')) {
        assert.equal(bf16Kernel(backend!), 'avx512_bf16');
        requireBf16(backend!);
      } else {
        assert.equal(bf16Kernel(backend!), 'generic');
        assert.throws(() => requireBf16(backend!), FinetuneError);
      }
    });
  }
});
