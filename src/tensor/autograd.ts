// The define-by-run tape: gradient nodes recorded by ops, backward() in reverse topological order, noGrad scopes.
import { setProfileScope, type ProfileKind } from '../backend/profile.js';
import { lendToParameter, releaseF32 } from './memory.js';
import type { Tensor } from './tensor.js';

/**
 * What an op records on its output: the inputs it differentiates through and a function mapping the
 * gradient of the output to the gradients of those inputs (null where an input needs none).
 */
export interface GradNode {
  /** Op name, for error messages and profiling. */
  readonly op: string;
  inputs: readonly Tensor[];
  /** Released (set to null) after use so the saved tensors can be freed. */
  backward: ((gradOutput: Tensor) => readonly (Tensor | null)[]) | null;
  /** The profile scope the op ran under; its backward kernels are attributed to it too. */
  readonly scope?: ProfileKind | null;
  /** Buffers only this node's backward reads (e.g. attention probabilities): recycled once it has run. */
  saved?: Float32Array[];
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording anything on the tape (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Enables or disables recording; returns the previous setting. */
export function setGradEnabled(enabled: boolean): boolean {
  const previous = gradEnabled;
  gradEnabled = enabled;
  return previous;
}

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (default false: buffers are released). */
  readonly retainGraph?: boolean;
}

/**
 * Back-propagates from `root` (whose gradient is `seed`), accumulating into `.grad` of every leaf that
 * requires a gradient. Intermediate gradients live only for the duration of the call: inside
 * recycleBuffers each one is recycled as soon as the last place holding its buffer has used it.
 */
export function runBackward(root: Tensor, seed: Tensor, options: BackwardOptions = {}): void {
  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>();
  // How many pending gradients (and parameter .grad fields) hold each buffer: views share one, and a
  // buffer held twice must be neither accumulated into in place nor recycled.
  const refs = new Map<ArrayBufferLike, number>();
  const hold = (g: Tensor): void => void refs.set(g.data.buffer, (refs.get(g.data.buffer) ?? 0) + 1);
  const drop = (g: Tensor): void => {
    const n = (refs.get(g.data.buffer) ?? 0) - 1;
    if (n > 0) {
      refs.set(g.data.buffer, n);
      return;
    }
    refs.delete(g.data.buffer);
    if (g !== seed) releaseF32(g.f32());
  };
  const shared = (g: Tensor): boolean => (refs.get(g.data.buffer) ?? 0) > 1;
  grads.set(root, seed);
  hold(seed);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const tensor = order[i]!;
      const grad = grads.get(tensor);
      grads.delete(tensor);
      if (grad === undefined) continue;
      const node = tensor.gradFn;
      if (node === null) {
        accumulateLeaf(tensor, grad, shared(grad));
        if (tensor.grad?.data.buffer === grad.data.buffer) hold(grad);
        drop(grad);
        continue;
      }
      if (node.backward === null) {
        throw new Error(`backward: the graph through '${node.op}' was already released; pass { retainGraph: true } to backward twice`);
      }
      const previousScope = setProfileScope(node.scope ?? null);
      const inputGrads = node.backward(grad);
      for (let j = 0; j < node.inputs.length; j++) {
        const input = node.inputs[j]!;
        const g = inputGrads[j];
        if (g === null || g === undefined || !input.requiresGrad) continue;
        checkGradShape(node.op, input, g);
        hold(g);
        const existing = grads.get(input);
        if (existing === undefined) {
          grads.set(input, g);
        } else if (shared(existing)) {
          const sum = existing.add(g);
          hold(sum);
          grads.set(input, sum);
          drop(existing);
          drop(g);
        } else {
          sumInto(existing, g);
          drop(g);
        }
      }
      setProfileScope(previousScope);
      drop(grad);
      if (!options.retainGraph) {
        node.backward = null;
        node.inputs = [];
        if (node.saved) for (const buffer of node.saved) releaseF32(buffer);
        node.saved = [];
      }
    }
  });
}

function accumulateLeaf(leaf: Tensor, grad: Tensor, shared: boolean): void {
  if (leaf.grad === null) {
    // Copy when the same buffer is also held elsewhere (e.g. add passes its gradient to both inputs).
    leaf.grad = shared ? grad.clone() : grad.detach();
    if (!shared) lendToParameter(grad.f32(), leaf);
  } else {
    sumInto(leaf.grad, grad);
  }
}

function sumInto(target: Tensor, g: Tensor): void {
  target.backend().axpy(1, g.f32(), target.f32());
}

function checkGradShape(op: string, input: Tensor, g: Tensor): void {
  if (g.size !== input.size) {
    throw new Error(`backward: '${op}' produced a gradient of shape [${g.shape.join(', ')}] for an input of shape [${input.shape.join(', ')}]`);
  }
}

/** Tensors reachable from root through gradient nodes, each after all of its inputs. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: { tensor: Tensor; next: number }[] = [{ tensor: root, next: 0 }];
  visited.add(root);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const inputs = frame.tensor.gradFn?.inputs ?? [];
    if (frame.next < inputs.length) {
      const input = inputs[frame.next++]!;
      if (input.requiresGrad && !visited.has(input)) {
        visited.add(input);
        stack.push({ tensor: input, next: 0 });
      }
    } else {
      order.push(frame.tensor);
      stack.pop();
    }
  }
  return order;
}
