// Child process of kernels-bf16.test: loads the addon under the caller's FINETUNE_CPU_FEATURES and compares gemmBf16 with the js emulation.
import { createJsBackend } from './js/index.js';
import { loadNativeBackend } from './native/index.js';
import { randomF32 } from './test-support.js';

let native: ReturnType<typeof loadNativeBackend>;
try {
  native = loadNativeBackend('blas');
} catch (error) {
  process.stdout.write((error as Error).message);
  process.exit(3);
}
const [m, n, k] = [29, 70, 45];
const a = randomF32(m * k, 1);
const b = randomF32(n * k, 2);
const ours = new Float32Array(m * n);
const emulated = new Float32Array(m * n);
native.gemmBf16(false, true, 1, m, n, k, 1, a, 0, k, b, 0, k, 0, ours, 0, n);
createJsBackend().gemmBf16(false, true, 1, m, n, k, 1, a, 0, k, b, 0, k, 0, emulated, 0, n);
let maxError = 0;
for (let i = 0; i < ours.length; i++) maxError = Math.max(maxError, Math.abs(ours[i]! - emulated[i]!) / (1 + Math.abs(emulated[i]!)));
process.stdout.write(JSON.stringify({ features: native.cpuFeatures, kernel: native.bf16Kernel, maxError }));
