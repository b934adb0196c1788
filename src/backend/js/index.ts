// The pure-TypeScript backend: reference kernels used as the test oracle and where the addon is unavailable.
import type { Backend } from '../backend.js';
import { gemm } from './gemm.js';
import { gemmBf16 } from './gemm-bf16.js';
import { gemmPackB, gemmPacked, gemmPackedSize } from './gemm-packed.js';
import { unary, unaryGrad } from './elementwise.js';
import { axpy, binary, copyStrided, fill, where } from './broadcast.js';
import { reduce, sumSquares } from './reduce.js';
import { layerNorm, layerNormGrad, softmax, softmaxGrad } from './normalize.js';
import { crossEntropy, crossEntropyGrad, embedding, embeddingGrad } from './loss.js';
import { adamw, sgd } from './optimizers.js';
import { attention, attentionGrad } from './attention.js';
import { dropout } from './dropout.js';
import { linearInt8 } from './int8.js';
import { rmsNorm, rmsNormGrad, rotary, swiglu, swigluGrad } from './decoder-ops.js';
import { visionKernels } from './vision.js';

/** Creates the js backend. It runs on the calling thread; the thread count is only recorded. */
export function createJsBackend(): Backend {
  let threads = 1;
  return {
    name: 'js',
    getThreads: () => threads,
    setThreads(count: number): void {
      threads = Math.max(1, Math.floor(count));
    },
    gemm,
    gemmBf16,
    gemmPackedSize,
    gemmPackB,
    gemmPacked,
    unary,
    unaryGrad,
    binary,
    where,
    copyStrided,
    axpy,
    fill,
    reduce,
    sumSquares,
    softmax,
    softmaxGrad,
    layerNorm,
    layerNormGrad,
    crossEntropy,
    crossEntropyGrad,
    embedding,
    embeddingGrad,
    linearInt8,
    adamw,
    sgd,
    attention,
    attentionGrad,
    dropout,
    rmsNorm,
    rmsNormGrad,
    rotary,
    swiglu,
    swigluGrad,
    ...visionKernels,
  };
}
