// The feed-forward activations a config.json may name (`hidden_act`, DistilBERT's `activation`), as transformers defines them.
import { FinetuneError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';

export type Activation = (x: Tensor) => Tensor;

/** transformers' ACT2FN names and their functions; the tanh-form GELUs differ only in how they are written. */
const ACTIVATIONS: Readonly<Record<string, Activation>> = {
  gelu: (x) => x.gelu(),
  gelu_python: (x) => x.gelu(),
  gelu_new: (x) => x.gelu('tanh'),
  gelu_fast: (x) => x.gelu('tanh'),
  gelu_pytorch_tanh: (x) => x.gelu('tanh'),
  quick_gelu: (x) => x.mul(x.mul(1.702).sigmoid()),
  relu: (x) => x.relu(),
  silu: (x) => x.mul(x.sigmoid()),
  swish: (x) => x.mul(x.sigmoid()),
  sigmoid: (x) => x.sigmoid(),
  tanh: (x) => x.tanh(),
  linear: (x) => x,
};

export const ACTIVATION_NAMES: readonly string[] = Object.keys(ACTIVATIONS);

/** The activation called `name`; an unknown name fails naming `where` (e.g. `config.json: hidden_act`). */
export function activationByName(name: string, where: string): Activation {
  const fn = Object.hasOwn(ACTIVATIONS, name) ? ACTIVATIONS[name] : undefined;
  if (!fn) throw new FinetuneError(`${where} '${name}' is not supported (supported: ${ACTIVATION_NAMES.join(', ')})`);
  return fn;
}
