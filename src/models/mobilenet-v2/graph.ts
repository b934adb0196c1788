// A Keras functional topology run as one Module: layers built from their specs, grouped by block for freezing, executed in order.
import { FinetuneError } from '../../errors.js';
import type { KerasLayerSpec } from '../../io/tfjs/layers-model.js';
import { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { buildKerasLayer, KerasFunction } from './keras-layers.js';

/** A named group of layers (a MobileNetV2 block): parameter names are `<group>.<layer>.<weight>`. */
export class KerasGroup extends Module {}

/**
 * The group of a layer by Keras MobileNetV2's names: `block_<n>_*` -> `block_<n>`, the last 1 x 1 convolution
 * block (`Conv_1`, `Conv_1_bn`, `out_relu`) and anything after it -> `top`, the stem before block 1 -> `stem`.
 */
export function mobileNetGroup(name: string, afterTop: boolean): string {
  const block = /^block_(\d+)_/.exec(name);
  if (block) return `block_${block[1]}`;
  if (afterTop || /^Conv_1(_bn)?$/.test(name) || name === 'out_relu') return 'top';
  return 'stem';
}

/** The layers `output` depends on, in topology order; fails naming a layer the topology lacks. */
export function layersUpTo(layers: readonly KerasLayerSpec[], output: string, where: string): KerasLayerSpec[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  if (!byName.has(output)) throw new FinetuneError(`${where}: the topology has no layer '${output}' to end the backbone at`);
  const needed = new Set<string>();
  const visit = (name: string): void => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const input of byName.get(name)!.inbound) visit(input);
  };
  visit(output);
  return layers.filter((l) => needed.has(l.name));
}

interface Step {
  readonly spec: KerasLayerSpec;
  readonly module: Module;
}

/**
 * The layers of `specs` (one InputLayer, each layer after its inputs) as modules under their groups, run in
 * order from pixel values to the last layer's output. `channels(spec)` gives a weighted layer's input channels
 * (from the TF.js weights), undefined to read `in_channels` from its config. Shapes: [B, C, H, W] -> the last layer's output.
 */
export class KerasGraph extends Module {
  private readonly steps: Step[] = [];

  constructor(
    readonly specs: readonly KerasLayerSpec[],
    where: string,
    channels: (spec: KerasLayerSpec) => number | undefined = () => undefined,
  ) {
    super();
    const inputs = specs.filter((s) => s.className === 'InputLayer');
    if (inputs.length !== 1) throw new FinetuneError(`${where}: the backbone must have one InputLayer, found ${inputs.length}`);
    let afterTop = false;
    const groups = this as unknown as Record<string, KerasGroup>;
    for (const spec of specs) {
      const group = mobileNetGroup(spec.name, afterTop);
      afterTop ||= group === 'top';
      const module = buildKerasLayer(spec, where, channels(spec));
      groups[group] ??= new KerasGroup();
      // Stateless layers stay out of the module tree; weighted ones and dropout (which follows train / eval) join it.
      if (!(module instanceof KerasFunction)) (groups[group] as unknown as Record<string, Module>)[spec.name] = module;
      this.steps.push({ spec, module });
    }
  }

  /** Group names in order (stem, block_1, ..., top): the parameter-name prefixes under this module. */
  groupNames(): string[] {
    return this.children().map(([name]) => name);
  }

  /** Each layer's spec and module in execution order (what an exported graph walks). */
  layerSteps(): readonly { readonly spec: KerasLayerSpec; readonly module: Module }[] {
    return this.steps;
  }

  forward(pixels: Tensor): Tensor {
    const values = new Map<string, Tensor>();
    let last = pixels;
    for (const { spec, module } of this.steps) {
      const inputs = spec.className === 'InputLayer' ? [pixels] : spec.inbound.map((name) => values.get(name)!);
      last = module instanceof KerasFunction ? module.forward(inputs) : (module as Module & { forward(x: Tensor): Tensor }).forward(inputs[0]!);
      values.set(spec.name, last);
    }
    return last;
  }
}
