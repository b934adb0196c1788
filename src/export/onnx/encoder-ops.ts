// The pieces every encoder export shares, as ONNX subgraphs: LayerNorm, activations, masks, multi-head attention, first-token pooling.
//
// Shapes: B batch, T tokens, H hidden, N heads, D = H / N. Values are tensor names in the graph.
import { FinetuneError } from '../../errors.js';
import { DataType } from './proto.js';
import { float, type GraphBuilder, scopeOf } from './graph.js';

/** A LayerNorm module's tensors as the exporter reads them. */
export interface LayerNormWeights {
  readonly weight: { readonly data: ArrayLike<number>; readonly shape: readonly number[] };
  readonly bias: { readonly data: ArrayLike<number>; readonly shape: readonly number[] };
  readonly eps: number;
}

export { scopeOf };

/** LayerNormalization (opset 17) over the last axis. */
export function layerNorm(g: GraphBuilder, path: string, ln: LayerNormWeights, x: string): string {
  return g.node(scopeOf(path), 'LayerNormalization', [x, g.weight(`${path}.weight`, ln.weight), g.weight(`${path}.bias`, ln.bias)], {
    axis: -1,
    epsilon: float(ln.eps),
  });
}

/** The activations config.json may name (models/encoder/activation.ts), written with opset-17 operators. */
export function activation(g: GraphBuilder, scope: string, name: string, x: string): string {
  switch (name) {
    case 'gelu':
    case 'gelu_python': {
      // 0.5 x (1 + erf(x / sqrt 2)), the exact form.
      const erf = g.node(scope, 'Erf', [g.node(scope, 'Div', [x, g.float32([Math.SQRT2], [])])]);
      return g.node(scope, 'Mul', [g.node(scope, 'Mul', [x, g.node(scope, 'Add', [erf, g.float32([1], [])])]), g.float32([0.5], [])]);
    }
    case 'gelu_new':
    case 'gelu_fast':
    case 'gelu_pytorch_tanh': {
      // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
      const cube = g.node(scope, 'Mul', [g.node(scope, 'Mul', [x, x]), x]);
      const inner = g.node(scope, 'Add', [x, g.node(scope, 'Mul', [cube, g.float32([0.044715], [])])]);
      const t = g.node(scope, 'Tanh', [g.node(scope, 'Mul', [inner, g.float32([Math.sqrt(2 / Math.PI)], [])])]);
      return g.node(scope, 'Mul', [g.node(scope, 'Mul', [x, g.node(scope, 'Add', [t, g.float32([1], [])])]), g.float32([0.5], [])]);
    }
    case 'quick_gelu':
      return g.node(scope, 'Mul', [x, g.node(scope, 'Sigmoid', [g.node(scope, 'Mul', [x, g.float32([1.702], [])])])]);
    case 'relu':
      return g.node(scope, 'Relu', [x]);
    case 'silu':
    case 'swish':
      return g.node(scope, 'Mul', [x, g.node(scope, 'Sigmoid', [x])]);
    case 'sigmoid':
      return g.node(scope, 'Sigmoid', [x]);
    case 'tanh':
      return g.node(scope, 'Tanh', [x]);
    case 'linear':
      return x;
    default:
      throw new FinetuneError(`ONNX export: activation '${name}' has no ONNX form here`);
  }
}

/** The additive attention mask [B, 1, 1, T] from attention_mask [B, T] (int64): 0 for tokens, `bias` for padding. */
export function additiveMask(g: GraphBuilder, attentionMask: string, bias: number): string {
  const scope = '/mask';
  const keep = g.node(scope, 'Cast', [attentionMask], { to: DataType.FLOAT });
  const drop = g.node(scope, 'Sub', [g.float32([1], []), keep]);
  const masked = g.node(scope, 'Mul', [drop, g.float32([bias], [])]);
  return g.node(scope, 'Unsqueeze', [masked, g.int64([1, 2])]);
}

/** [B, T, H] -> [B, N, T, D] (`perm` 0213) or keys as [B, N, D, T] (`perm` 0231). */
function splitHeads(g: GraphBuilder, scope: string, x: string, heads: number, headSize: number, perm: readonly number[]): string {
  const split = g.node(scope, 'Reshape', [x, g.int64([0, 0, heads, headSize])]);
  return g.node(scope, 'Transpose', [split], { perm });
}

/**
 * softmax(q k^T / sqrt(D) + mask) v over already projected q, k, v [B, T, H]; heads merged back: [B, T, H].
 * `path` names the module (its scope in node names).
 */
export function attention(g: GraphBuilder, path: string, q: string, k: string, v: string, mask: string, heads: number, hidden: number): string {
  const scope = scopeOf(path);
  const d = hidden / heads;
  const qh = splitHeads(g, scope, q, heads, d, [0, 2, 1, 3]);
  const kh = splitHeads(g, scope, k, heads, d, [0, 2, 3, 1]);
  const vh = splitHeads(g, scope, v, heads, d, [0, 2, 1, 3]);
  const scores = g.node(scope, 'Div', [g.node(scope, 'MatMul', [qh, kh]), g.float32([Math.sqrt(d)], [])]);
  const probs = g.node(scope, 'Softmax', [g.node(scope, 'Add', [scores, mask])], { axis: -1 });
  const context = g.node(scope, 'Transpose', [g.node(scope, 'MatMul', [probs, vh])], { perm: [0, 2, 1, 3] });
  return g.node(scope, 'Reshape', [context, g.int64([0, 0, hidden])]);
}

/** Each row's first token: [B, T, H] -> [B, H]. */
export function firstToken(g: GraphBuilder, scope: string, hidden: string): string {
  return g.node(scope, 'Gather', [hidden, g.int64([0], [])], { axis: 1 });
}

/** The sequence length T of ids [B, T], as a 1-element int64 tensor [1]. */
export function sequenceLength(g: GraphBuilder, scope: string, ids: string): string {
  return g.node(scope, 'Slice', [g.node(scope, 'Shape', [ids]), g.int64([1]), g.int64([2])]);
}

/** The first T rows of a table [P, H] (absolute positions 0..T-1): [T, H]. */
export function leadingRows(g: GraphBuilder, scope: string, table: string, length: string): string {
  return g.node(scope, 'Slice', [table, g.int64([0]), length, g.int64([0])]);
}
