// Gradient checkpointing: run a block without keeping its activations, and recompute them when backward reaches it.
import { runBackward, setGradEnabled, isGradEnabled } from './autograd.js';
import { allocF32, releaseAllocatedDuring } from './memory.js';
import { defaultRandom } from './random.js';
import { Tensor } from './tensor.js';

/**
 * fn(...inputs) as one op whose backward re-runs fn with recording on and back-propagates through that run
 * (PyTorch's torch.utils.checkpoint, reentrant form). Forward keeps only the inputs and the output; every
 * intermediate buffer goes back to the pool at once. Parameters fn reads get their gradients during the
 * recomputation, in the same order and with the same values as without checkpointing. Dropout draws the same
 * masks both times: the global generator's state is restored for the recomputation (a module with its own
 * generator would not be). `fn` must read float inputs only through `inputs` (others it may close over).
 * `parameters` lists the trainable tensors fn reads besides them (a layer's weights): they make the op record
 * itself even when no input needs a gradient (LoRA over frozen embeddings), and get their gradients from the
 * recomputation. Shapes: whatever fn maps.
 */
export function checkpoint(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], parameters: readonly Tensor[] = []): Tensor {
  if (!isGradEnabled()) return fn(...inputs);
  const rng = defaultRandom();
  const rngState = rng.getState();
  const previous = setGradEnabled(false);
  let out: Tensor;
  try {
    out = releaseAllocatedDuring(
      () => fn(...inputs.map((x) => x.detach())),
      (y) => [y.data],
    );
  } finally {
    setGradEnabled(previous);
  }
  const trainable = parameters.filter((p) => p.requiresGrad);
  return Tensor.fromOp(out.data, out.shape, 'checkpoint', [...inputs, ...trainable], (g) => {
    const leaves = inputs.map((x) => (x.requiresGrad ? new Tensor(x.data, x.shape, { requiresGrad: true }) : x.detach()));
    const after = rng.getState();
    rng.setState(rngState);
    const was = setGradEnabled(true);
    let y: Tensor;
    try {
      y = fn(...leaves);
    } finally {
      setGradEnabled(was);
      rng.setState(after);
    }
    if (y.requiresGrad) runBackward(y, g);
    const inputGrads = leaves.map((leaf, i) => {
      if (!inputs[i]!.requiresGrad || leaf.grad === null) return null;
      // The leaf's gradient buffer is lent to it by the pool; copy it into a plain pooled one and let the leaf go.
      const dx = allocF32(leaf.size);
      dx.set(leaf.grad.f32());
      leaf.grad = null;
      return new Tensor(dx, leaf.shape);
    });
    // The parameters got theirs during the recomputation's backward.
    return [...inputGrads, ...trainable.map(() => null)];
  });
}
