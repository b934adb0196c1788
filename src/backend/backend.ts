// The kernel interface every compute backend implements: tensors call these and never loop on their own.
//
// Conventions: every array argument is a dense, C-order typed array; sizes are passed explicitly;
// output arrays are preallocated by the caller and overwritten (never accumulated into) unless the
// kernel's comment says "accumulates". Shape legends: R rows, C columns.

/** A float32 buffer. */
export type F32 = Float32Array;
/** An int32 buffer (token ids, class targets, shapes, strides). */
export type I32 = Int32Array;

/** Element-wise unary functions; `alpha` is the scalar parameter where one is used. */
export const enum Unary {
  Neg = 0,
  Exp = 1,
  Log = 2,
  Sqrt = 3,
  Rsqrt = 4,
  Abs = 5,
  Tanh = 6,
  Sigmoid = 7,
  Relu = 8,
  /** Exact GELU: x * Phi(x) with the error function. */
  GeluErf = 9,
  /** Tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
  GeluTanh = 10,
  /** x ** alpha. */
  Pow = 11,
  /** x * alpha. */
  Scale = 12,
  /** x + alpha. */
  AddScalar = 13,
}

/** Element-wise binary functions with broadcasting through zero strides. */
export const enum Binary {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
  /** 1 where a == b, else 0. */
  Equal = 4,
  /** 1 where a > b, else 0. */
  Greater = 5,
  Maximum = 6,
}

/** Reductions over the middle axis of an [outer, size, inner] view. */
export const enum Reduce {
  Sum = 0,
  Max = 1,
}

import type { VisionKernels } from './vision-kernels.js';

/** The arguments of Backend.gemm (and gemmBf16), in BLAS order; see Backend.gemm. */
export type Gemm = (
  transA: boolean,
  transB: boolean,
  batch: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: F32,
  strideA: number,
  lda: number,
  b: F32,
  strideB: number,
  ldb: number,
  beta: number,
  c: F32,
  strideC: number,
  ldc: number,
) => void;

/** Every compute backend's kernels; the convolution, batch-norm and pooling ones are declared in vision-kernels.ts. */
export interface Backend extends VisionKernels {
  /** 'native' or 'js'; 'native-builtin' for the addon built without OpenBLAS. */
  readonly name: string;
  /** Worker threads the kernels may use (OpenBLAS included). */
  getThreads(): number;
  setThreads(threads: number): void;

  /**
   * Batched strided GEMM: for b in [0, batch): C_b = alpha * op(A_b) @ op(B_b) + beta * C_b, where
   * op(X) is X or X^T, op(A_b) is [m, k], op(B_b) is [k, n], C_b is [m, n] with leading dimension ldc.
   * X_b starts at element b * strideX of its array (stride 0 broadcasts one matrix over the batch).
   * lda / ldb are the row lengths of A and B as stored (k or m for A; n or k for B).
   */
  gemm: Gemm;

  /**
   * gemm in bfloat16 with float32 sums (PyTorch's CPU autocast for linear layers): every element of op(A) and op(B)
   * is first rounded to bfloat16 (nearest even; NaN stays NaN), the products of the rounded values are summed in
   * float32 (or wider), then C = alpha * sum + beta * C in float32. Same arguments and checks as gemm. The native
   * backend uses AVX512-BF16 where the CPU has it (see bf16Kernel in backend/index.ts), else portable C that rounds
   * alike; the js backend emulates it.
   */
  gemmBf16: Gemm;

  /** Floats gemmPackB writes for an op(B) of [k, n]: the backend's own layout (the native one is its kernel's panels). */
  gemmPackedSize(k: number, n: number): number;
  /**
   * Packs op(B) [k, n] once for gemmPacked (a layer's constant weight): B is stored [k, n], or [n, k] when transB,
   * rows ldb apart; out holds gemmPackedSize(k, n) floats.
   */
  gemmPackB(transB: boolean, k: number, n: number, b: F32, ldb: number, out: F32): void;
  /**
   * One product C = alpha op(A) op(B) + bias + beta C with op(B) [k, n] packed by gemmPackB, as gemm computes it with
   * the same operands after C is filled with the bias rows (the native backend uses its built-in kernel here,
   * whatever computes gemm, and writes the bias with the product's first block instead of in a pass of its own).
   * bias: n values added to every row, or null; only with beta 0. Throws a RangeError when packedB is not the
   * packing of a [k, n] operand.
   */
  gemmPacked(
    transA: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: F32,
    lda: number,
    packedB: F32,
    bias: F32 | null,
    beta: number,
    c: F32,
    ldc: number,
  ): void;

  /** out[i] = f(x[i]; alpha). `out` may be `x` (in place). */
  unary(op: Unary, x: F32, out: F32, alpha: number): void;
  /**
   * dx[i] = dy[i] * f'(x[i]; alpha). `y` is the forward output (kernels may use it instead of x,
   * e.g. exp, tanh, sigmoid, sqrt). dx may alias dy.
   */
  unaryGrad(op: Unary, x: F32, y: F32, dy: F32, dx: F32, alpha: number): void;
  /**
   * out[idx] = a[idx . aStrides] (op) b[idx . bStrides] over the multi-index idx of `shape`,
   * out being contiguous in `shape`. Broadcast axes have stride 0. out may alias a or b when
   * that operand has the full shape and contiguous strides.
   */
  binary(op: Binary, shape: I32, a: F32, aStrides: I32, b: F32, bStrides: I32, out: F32): void;
  /** out[idx] = cond[idx . cStrides] != 0 ? a[idx . aStrides] : b[idx . bStrides]. */
  where(shape: I32, cond: F32, cStrides: I32, a: F32, aStrides: I32, b: F32, bStrides: I32, out: F32): void;
  /**
   * Strided gather into a contiguous block: dst[dstOffset + linear(idx)] = src[srcOffset + idx . srcStrides]
   * over the multi-index idx of `shape`. Serves permute, slice, broadcast-expand and concat.
   * Works on both float32 and int32 arrays (4-byte elements, copied bit for bit).
   */
  copyStrided(shape: I32, src: F32 | I32, srcOffset: number, srcStrides: I32, dst: F32 | I32, dstOffset: number): void;
  /** y += alpha * x (accumulates). */
  axpy(alpha: number, x: F32, y: F32): void;
  /** Sets every element of x to value. */
  fill(x: F32, value: number): void;

  /**
   * Reduces the middle axis of x viewed as [outer, size, inner] into out [outer, inner].
   * For Max, `argmax` (when given) receives the index along the axis of the first maximum.
   */
  reduce(op: Reduce, x: F32, outer: number, size: number, inner: number, out: F32, argmax: I32 | null): void;
  /** Sum of squares of every element of every array (for gradient-norm clipping), in float64. */
  sumSquares(arrays: readonly F32[]): number;

  /**
   * Row-wise softmax (or log-softmax when `log`) of x [R, C] into out [R, C], after adding
   * `mask` when given: mask is [R / group, C] and row r uses mask row floor(r / group)
   * (an attention mask [B, Tk] with group = heads * Tq). Rows whose entries are all -Infinity
   * give zeros, not NaN.
   */
  softmax(x: F32, rows: number, cols: number, mask: F32 | null, group: number, log: boolean, out: F32): void;
  /**
   * Gradient of softmax (or log-softmax) with respect to its input, from its output y [R, C]:
   * softmax: dx = y * (dy - sum(dy * y)); log-softmax: dx = dy - exp(y) * sum(dy). dx may alias dy.
   */
  softmaxGrad(y: F32, dy: F32, rows: number, cols: number, log: boolean, dx: F32): void;

  /**
   * Layer norm over the last axis of x [R, C]: out = (x - mean) * rstd * gamma + beta, with
   * rstd = 1 / sqrt(var + eps) and the biased variance; mean and rstd [R] are saved for backward.
   */
  layerNorm(x: F32, gamma: F32, beta: F32, rows: number, cols: number, eps: number, out: F32, mean: F32, rstd: F32): void;
  /**
   * Backward of layerNorm: writes dx [R, C]; dgamma and dbeta [C] are overwritten with the column sums
   * (callers accumulate into parameter gradients themselves).
   */
  layerNormGrad(x: F32, gamma: F32, mean: F32, rstd: F32, dy: F32, rows: number, cols: number, dx: F32, dgamma: F32, dbeta: F32): void;

  /**
   * Cross-entropy of logits [R, C] against integer targets [R] (PyTorch semantics): per row,
   * loss_r = -(1 - s) w[t] log p[t] - (s / C) sum_c w[c] log p[c], and weight_r = w[t]
   * (w = 1 without class weights); rows with target == ignoreIndex get loss 0 and weight 0.
   * Writes probs [R, C] (softmax, kept for backward), rowLoss [R] and rowWeight [R].
   * The mean loss is sum(rowLoss) / sum(rowWeight). A target outside [0, C) other than
   * ignoreIndex makes it return that row's index; otherwise it returns -1.
   */
  crossEntropy(
    logits: F32,
    targets: I32,
    rows: number,
    cols: number,
    classWeights: F32 | null,
    ignoreIndex: number,
    smoothing: number,
    probs: F32,
    rowLoss: F32,
    rowWeight: F32,
  ): number;
  /**
   * dlogits [R, C] = scale * d(sum_r loss_r)/dlogits, i.e. per row
   * scale * ((1 - s) w[t] (p - onehot(t)) + (s / C) (sum(w) p - w)); zero for ignored rows.
   */
  crossEntropyGrad(
    probs: F32,
    targets: I32,
    rows: number,
    cols: number,
    classWeights: F32 | null,
    ignoreIndex: number,
    smoothing: number,
    scale: number,
    dlogits: F32,
  ): void;

  /**
   * Embedding lookup: out [N, D] = table[ids[n]] for table [V, D]. Returns the position of the
   * first id outside [0, V), or -1 when all are valid (nothing is written past a bad id).
   */
  embedding(table: F32, vocab: number, dim: number, ids: I32, out: F32): number;
  /** Scatter-add: dTable[ids[n]] += dy[n] for dy [N, D] (accumulates; touches only rows that occur). */
  embeddingGrad(ids: I32, dy: F32, dim: number, dTable: F32): void;

  /**
   * Dynamic int8 linear layer (inference only), as ONNX's DynamicQuantizeLinear + MatMulInteger: x [m, k] is
   * quantised per tensor to uint8 (scale = (max(x, 0) - min(x, 0)) / 255, zero point zp = round(-min / scale),
   * values round(x / scale) + zp, rounding half to even, saturating), then
   * out[i, j] = float(sum_k q[i, k] w[j, k] - zp * colSums[j]) * (scale * wScale[j]) + bias[j] for int8 weights
   * w [n, k] with zero point 0, packed by packInt8Weights (backend/int8-pack.ts) with their colSums.
   */
  linearInt8(x: F32, m: number, k: number, packed: I32, n: number, wScale: F32, colSums: I32, bias: F32 | null, out: F32): void;

  /**
   * Multi-head attention, fused. q [B, Tq, heads * D], k and v [B, Tk, kvHeads * D] hold the heads side by side in
   * the last axis (as the projections produce them); kvHeads divides heads and query head h reads key/value head
   * floor(h / (heads / kvHeads)) in place (grouped-query attention; kvHeads = heads is plain multi-head). mask is
   * additive [B, Tk] (or null). Per batch b and head h: P = softmax(scale * q_bh k_bh^T + mask_b) and
   * out_bh = dropout(P) v_bh to out [B, Tq, heads * D], computed in blocks of queries x keys with the online softmax,
   * so no [Tq, Tk] matrix is formed. stats [B, heads, Tq, 2] receives each row's log-sum-exp as its two terms
   * (max, log of the sum of e^(s - max)): kept for backward, they recover any P entry as e^(s - max - log sum),
   * also where the row's scores all carry a huge negative mask and max + log sum would round to max. probs
   * [B, heads, Tq, Tk] (or null, the usual case) receives P when a caller wants the probabilities themselves.
   * With `causal`, query i sees only keys j <= i + (Tk - Tq) (the queries are the last Tq positions of the keys):
   * the others get probability exactly 0 and are not computed. Dropout (rate `dropout`, 0 for none) follows the
   * rule of `dropout` below, with i the flat index into [B, heads, Tq, Tk]. A row with no visible key, or whose
   * visible scores are all -Infinity, gives zeros (stats max -Infinity); one whose visible keys all carry the same
   * huge negative mask value (left padding under a causal mask) averages them uniformly. With `bf16` (--bf16) every
   * block product (q k^T, P v) takes its operands rounded to bfloat16 and sums in float32, as gemmBf16 does; the
   * scores' scale, mask and softmax, the statistics and the output's rescaling stay float32.
   */
  attention(
    q: F32,
    k: F32,
    v: F32,
    mask: F32 | null,
    batch: number,
    heads: number,
    kvHeads: number,
    tq: number,
    tk: number,
    headDim: number,
    causal: boolean,
    scale: number,
    dropout: number,
    seed: number,
    stats: F32,
    out: F32,
    probs: F32 | null,
    bf16: boolean,
  ): void;
  /**
   * Backward of attention from its inputs, its out and stats and dOut [B, Tq, heads * D]: writes dq, dk and dv
   * (shaped as q, k and v; overwritten; a shared key/value head gets the sum over its query heads), recomputing the
   * scores block by block (D_i = rowsum(dOut_i * out_i) first) and regenerating the dropout mask from the same seed.
   * `bf16` as in attention (the forward's setting): every block product rounds its operands to bfloat16.
   */
  attentionGrad(
    q: F32,
    k: F32,
    v: F32,
    mask: F32 | null,
    out: F32,
    stats: F32,
    dOut: F32,
    batch: number,
    heads: number,
    kvHeads: number,
    tq: number,
    tk: number,
    headDim: number,
    causal: boolean,
    scale: number,
    dropout: number,
    seed: number,
    dq: F32,
    dk: F32,
    dv: F32,
    bf16: boolean,
  ): void;
  /**
   * Dropout: out[i] = keep(i) ? x[i] / (1 - p) : 0, where element i is kept when
   * (mix32(i * 0x9e3779b9 + seed) >>> 8) >= round(p * 2^24) in uint32 arithmetic (mix32: murmur3's
   * finaliser). A pure function of (seed, i), so the same call on the gradient is the backward pass.
   * `out` may be `x`; seed is a uint32.
   */
  dropout(x: F32, p: number, seed: number, out: F32): void;

  /**
   * One AdamW step over many parameters at once (PyTorch's torch.optim.AdamW, amsgrad off):
   * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr * wd[i] * p (decoupled decay);
   * p -= lr * (m / (1 - b1^step)) / (sqrt(v / (1 - b2^step)) + eps).
   * `weightDecay[i]` is the decay of parameter i (0 for biases and norms).
   */
  adamw(
    params: readonly F32[],
    grads: readonly F32[],
    m: readonly F32[],
    v: readonly F32[],
    weightDecay: F32,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    step: number,
  ): void;
  /**
   * One SGD step (PyTorch's torch.optim.SGD): g += wd p; with momentum, buf = momentum buf + (1 - dampening) g
   * (buf = g on the first step, signalled by `firstStep`), g = nesterov ? g + momentum buf : buf; p -= lr g.
   * `momentumBuffers` may be empty when momentum is 0.
   */
  sgd(
    params: readonly F32[],
    grads: readonly F32[],
    momentumBuffers: readonly F32[],
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: boolean,
    firstStep: boolean,
  ): void;

  /**
   * RMS norm over the last axis of x [R, C] (transformers' LlamaRMSNorm in float32):
   * out = x * rstd * weight with rstd = 1 / sqrt(mean(x^2) + eps); rstd [R] is saved for backward.
   */
  rmsNorm(x: F32, weight: F32, rows: number, cols: number, eps: number, out: F32, rstd: F32): void;
  /**
   * Backward of rmsNorm: dx [R, C] = rstd (dy w - x rstd^2 mean(dy w x)); dweight [C] is overwritten with the
   * column sums of dy * x * rstd.
   */
  rmsNormGrad(x: F32, weight: F32, rstd: F32, dy: F32, rows: number, cols: number, dx: F32, dweight: F32): void;
  /**
   * Rotary position embedding, half-split (transformers' rotate_half): x [B, T, heads, D] and cos, sin [P, R / 2]
   * tables for the first R = rotaryDim (even, <= D) features of each head; the other D - R are copied (partial
   * rotary). For each (b, t) the table row p = positions[b * T + t] (positions [B, T]) or positions[t] (positions
   * [T], when `sharedPositions`) rotates every head's pairs (x_i, x_{i + R/2}), i < R / 2:
   * out_i = x_i cos - x_{i+R/2} sin, out_{i+R/2} = x_{i+R/2} cos + x_i sin. `inverse` rotates by -angle, which is
   * the backward (the rotation is orthogonal). out may be x. Returns the flat index into positions of the first
   * value outside [0, P), or -1 (nothing is written then).
   */
  rotary(
    x: F32,
    cos: F32,
    sin: F32,
    tablePositions: number,
    rotaryDim: number,
    positions: I32,
    sharedPositions: boolean,
    batch: number,
    tokens: number,
    heads: number,
    headDim: number,
    inverse: boolean,
    out: F32,
  ): number;
  /** SwiGLU: out = silu(gate) * up, silu(g) = g / (1 + exp(-g)); with `up` null, out = silu(gate). out may alias. */
  swiglu(gate: F32, up: F32 | null, out: F32): void;
  /**
   * Backward of swiglu: dgate = dy * up * silu'(gate), dup = dy * silu(gate) (both overwritten; dup is null
   * when up is). dgate may alias dy.
   */
  swigluGrad(gate: F32, up: F32 | null, dy: F32, dgate: F32, dup: F32 | null): void;
}
