// Matrix products: 2-D and batched, with transposed operands read in place (no copies).
import { getBackend } from '../../backend/index.js';
import { formatShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { sumTo } from './reduce.js';
import { allocF32 } from '../memory.js';

export interface MatmulOptions {
  /** Use a's last two axes transposed (read in place). */
  readonly transA?: boolean;
  /** Use b's last two axes transposed (read in place); Linear layers store weights [out, in] and use this. */
  readonly transB?: boolean;
}

interface Operand {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly batchShape: readonly number[];
}

function operand(t: Tensor, name: string): Operand {
  if (t.rank < 2) throw new Error(`matmul: ${name} must have at least 2 axes, got ${formatShape(t.shape)}`);
  return { data: t.f32(), rows: t.shape[t.rank - 2]!, cols: t.shape[t.rank - 1]!, batchShape: t.shape.slice(0, -2) };
}

/**
 * op(a) @ op(b) over the last two axes. Batch axes must be equal, or one side is a plain matrix
 * broadcast over the other's batch. Shapes: op(a) [..., M, K], op(b) [..., K, N] -> [..., M, N].
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const A = operand(a, 'a');
  const B = operand(b, 'b');
  const m = transA ? A.cols : A.rows;
  const k = transA ? A.rows : A.cols;
  const kb = transB ? B.cols : B.rows;
  const n = transB ? B.rows : B.cols;
  if (k !== kb) {
    throw new Error(`matmul: inner sizes differ: ${formatShape(a.shape)}${transA ? '^T' : ''} @ ${formatShape(b.shape)}${transB ? '^T' : ''}`);
  }
  const batchA = sizeOf(A.batchShape);
  const batchB = sizeOf(B.batchShape);
  let batchShape: readonly number[];
  if (A.batchShape.length > 0 && B.batchShape.length > 0) {
    if (A.batchShape.length !== B.batchShape.length || A.batchShape.some((d, i) => d !== B.batchShape[i])) {
      throw new Error(`matmul: batch axes differ: ${formatShape(a.shape)} @ ${formatShape(b.shape)}`);
    }
    batchShape = A.batchShape;
  } else {
    batchShape = A.batchShape.length > 0 ? A.batchShape : B.batchShape;
  }
  const batch = sizeOf(batchShape);
  const out = allocF32(batch * m * n);
  const backend = getBackend();
  if (batchB === 1 && B.batchShape.length === 0 && !transA && batch > 1) {
    // A batch of row blocks times one matrix is one tall GEMM: [batch * M, K] @ op(B).
    backend.gemm(false, transB, 1, batch * m, n, k, 1, A.data, 0, A.cols, B.data, 0, B.cols, 0, out, 0, n);
  } else {
    backend.gemm(
      transA,
      transB,
      batch,
      m,
      n,
      k,
      1,
      A.data,
      batchA === 1 && A.batchShape.length === 0 ? 0 : A.rows * A.cols,
      A.cols,
      B.data,
      batchB === 1 && B.batchShape.length === 0 ? 0 : B.rows * B.cols,
      B.cols,
      0,
      out,
      m * n,
      n,
    );
  }
  const shape = [...batchShape, m, n];
  return Tensor.fromOp(out, shape, 'matmul', [a, b], (g) => {
    // With C = op(A) op(B): d op(A) = dC op(B)^T and d op(B) = op(A)^T dC; transposed operands take the transpose.
    const ga = a.requiresGrad ? (transA ? matmul(b, g, { transA: transB, transB: true }) : matmul(g, b, { transB: !transB })) : null;
    let gb: Tensor | null = null;
    if (b.requiresGrad && B.batchShape.length === 0 && batch > 1 && !transA) {
      // A matrix shared by a batch of row blocks: its gradient is one GEMM over all rows, not a batch then a sum.
      const a2 = a.reshape([batch * m, k]);
      const g2 = g.reshape([batch * m, n]);
      gb = transB ? matmul(g2, a2, { transA: true }) : matmul(a2, g2, { transA: true });
    } else if (b.requiresGrad) {
      gb = transB ? matmul(g, a, { transA: true, transB: transA }) : matmul(a, g, { transA: !transA });
    }
    return [ga === null ? null : sumTo(ga, a.shape), gb === null ? null : sumTo(gb, b.shape)];
  });
}
