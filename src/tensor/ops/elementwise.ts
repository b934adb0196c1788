// Element-wise ops with NumPy broadcasting, each beside its gradient.
import { Binary, Unary } from '../../backend/backend.js';
import { getBackend } from '../../backend/index.js';
import { broadcastShapes, broadcastStrides, sameShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { sumTo } from './reduce.js';
import { allocF32 } from '../memory.js';

function checkFloat(op: string, t: Tensor): void {
  if (t.dtype !== 'float32') throw new Error(`${op}: expected a float32 tensor, got int32 of shape [${t.shape.join(', ')}]`);
}

/** Runs a binary kernel over the broadcast shape of a and b (no autograd). */
export function binaryRaw(op: Binary, a: Tensor, b: Tensor, name: string): { data: Float32Array; shape: number[] } {
  checkFloat(name, a);
  checkFloat(name, b);
  const shape = sameShape(a.shape, b.shape) ? [...a.shape] : broadcastShapes(a.shape, b.shape, name);
  const out = allocF32(sizeOf(shape));
  getBackend().binary(op, Int32Array.from(shape), a.f32(), broadcastStrides(a.shape, shape), b.f32(), broadcastStrides(b.shape, shape), out);
  return { data: out, shape };
}

/** Runs a unary kernel (no autograd). */
export function unaryRaw(op: Unary, x: Tensor, alpha = 0): Float32Array {
  const out = allocF32(x.size);
  getBackend().unary(op, x.f32(), out, alpha);
  return out;
}

function unaryOp(name: string, op: Unary, x: Tensor, alpha = 0): Tensor {
  checkFloat(name, x);
  const y = unaryRaw(op, x, alpha);
  return Tensor.fromOp(y, x.shape, name, [x], (g) => {
    const dx = allocF32(x.size);
    getBackend().unaryGrad(op, x.f32(), y, g.f32(), dx, alpha);
    return [new Tensor(dx, x.shape)];
  });
}

export function add(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return unaryOp('add', Unary.AddScalar, a, b);
  const { data, shape } = binaryRaw(Binary.Add, a, b, 'add');
  return Tensor.fromOp(data, shape, 'add', [a, b], (g) => [a.requiresGrad ? sumTo(g, a.shape) : null, b.requiresGrad ? sumTo(g, b.shape) : null]);
}

export function sub(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return unaryOp('sub', Unary.AddScalar, a, -b);
  const { data, shape } = binaryRaw(Binary.Sub, a, b, 'sub');
  return Tensor.fromOp(data, shape, 'sub', [a, b], (g) => [a.requiresGrad ? sumTo(g, a.shape) : null, b.requiresGrad ? sumTo(neg(g), b.shape) : null]);
}

export function mul(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return unaryOp('mul', Unary.Scale, a, b);
  const { data, shape } = binaryRaw(Binary.Mul, a, b, 'mul');
  return Tensor.fromOp(data, shape, 'mul', [a, b], (g) => [
    a.requiresGrad ? sumTo(mul(g, b), a.shape) : null,
    b.requiresGrad ? sumTo(mul(g, a), b.shape) : null,
  ]);
}

export function div(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return unaryOp('div', Unary.Scale, a, 1 / b);
  const { data, shape } = binaryRaw(Binary.Div, a, b, 'div');
  return Tensor.fromOp(data, shape, 'div', [a, b], (g) => {
    const gOverB = div(g, b);
    return [
      a.requiresGrad ? sumTo(gOverB, a.shape) : null,
      // d(a/b)/db = -a/b^2 = -(a/b)/b
      b.requiresGrad ? sumTo(neg(mul(gOverB, new Tensor(data, shape))), b.shape) : null,
    ];
  });
}

/** Element-wise maximum of two tensors; the gradient goes to a where a >= b, else to b. */
export function maximum(a: Tensor, b: Tensor): Tensor {
  const { data, shape } = binaryRaw(Binary.Maximum, a, b, 'maximum');
  return Tensor.fromOp(data, shape, 'maximum', [a, b], (g) => {
    const takeB = new Tensor(binaryRaw(Binary.Greater, b, a, 'maximum').data, shape);
    const zeros = Tensor.zeros([]);
    return [a.requiresGrad ? sumTo(where(takeB, zeros, g), a.shape) : null, b.requiresGrad ? sumTo(where(takeB, g, zeros), b.shape) : null];
  });
}

/** 1 where a == b, else 0 (no gradient). */
export function equal(a: Tensor, b: Tensor): Tensor {
  const { data, shape } = binaryRaw(Binary.Equal, a, b, 'equal');
  return new Tensor(data, shape);
}

/** 1 where a > b, else 0 (no gradient). */
export function greater(a: Tensor, b: Tensor): Tensor {
  const { data, shape } = binaryRaw(Binary.Greater, a, b, 'greater');
  return new Tensor(data, shape);
}

/** cond != 0 ? a : b, broadcasting all three; cond gets no gradient. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const ta = typeof a === 'number' ? Tensor.scalar(a) : a;
  const tb = typeof b === 'number' ? Tensor.scalar(b) : b;
  checkFloat('where', cond);
  const shape = broadcastShapes(broadcastShapes(cond.shape, ta.shape, 'where'), tb.shape, 'where');
  const out = allocF32(sizeOf(shape));
  getBackend().where(
    Int32Array.from(shape),
    cond.f32(),
    broadcastStrides(cond.shape, shape),
    ta.f32(),
    broadcastStrides(ta.shape, shape),
    tb.f32(),
    broadcastStrides(tb.shape, shape),
    out,
  );
  return Tensor.fromOp(out, shape, 'where', [ta, tb], (g) => {
    const zeros = Tensor.zeros([]);
    return [ta.requiresGrad ? sumTo(where(cond, g, zeros), ta.shape) : null, tb.requiresGrad ? sumTo(where(cond, zeros, g), tb.shape) : null];
  });
}

export function neg(x: Tensor): Tensor {
  return unaryOp('neg', Unary.Neg, x);
}
export function exp(x: Tensor): Tensor {
  return unaryOp('exp', Unary.Exp, x);
}
export function log(x: Tensor): Tensor {
  return unaryOp('log', Unary.Log, x);
}
export function sqrt(x: Tensor): Tensor {
  return unaryOp('sqrt', Unary.Sqrt, x);
}
export function rsqrt(x: Tensor): Tensor {
  return unaryOp('rsqrt', Unary.Rsqrt, x);
}
export function abs(x: Tensor): Tensor {
  return unaryOp('abs', Unary.Abs, x);
}
export function tanh(x: Tensor): Tensor {
  return unaryOp('tanh', Unary.Tanh, x);
}
export function sigmoid(x: Tensor): Tensor {
  return unaryOp('sigmoid', Unary.Sigmoid, x);
}
export function relu(x: Tensor): Tensor {
  return unaryOp('relu', Unary.Relu, x);
}
export function pow(x: Tensor, exponent: number): Tensor {
  return unaryOp('pow', Unary.Pow, x, exponent);
}

/** GELU: the exact erf form (default, as BERT uses) or the tanh approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return unaryOp('gelu', approximate === 'tanh' ? Unary.GeluTanh : Unary.GeluErf, x);
}

/** A float32 tensor of `shape` from a shape-compatible value (for scalars in composite ops). */
export function constant(value: number, shape: Shape = []): Tensor {
  return Tensor.full(shape, value);
}
