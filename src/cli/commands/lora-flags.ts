// The LoRA flags commands share: the specs `info` and `train` take, their reading into LoraOptions, and --adapter / --revision as load options.
import type { LoraOptions } from '../../peft/lora/apply.js';
import type { LoadWithAdapterOptions } from '../../peft/lora/load-model.js';
import type { Flags, FlagSpecs } from '../args.js';

/** --lora-r, --lora-alpha, --lora-dropout, --lora-targets (each command words --lora itself). */
export const LORA_FLAGS: FlagSpecs = {
  'lora-r': { type: 'int', help: 'LoRA rank', default: 8 },
  'lora-alpha': { type: 'number', help: 'LoRA scale numerator (update scaled by alpha / r)', default: 16 },
  'lora-dropout': { type: 'number', help: 'dropout on the LoRA input', default: 0.1 },
  'lora-targets': { type: 'list', help: "modules to adapt (default: the architecture's PEFT defaults, e.g. query,value; all-linear for every Linear)" },
};

/** The LoRA flags as LoraOptions, or undefined when no LoRA flag is given (or --no-lora). */
export function loraFromFlags(flags: Flags): LoraOptions | undefined {
  const asked = ['lora', ...Object.keys(LORA_FLAGS)].some((name) => flags.has(name));
  if (!asked || flags.values.lora === false) return undefined;
  const r = flags.number('lora-r');
  const alpha = flags.number('lora-alpha');
  const dropout = flags.number('lora-dropout');
  const targets = flags.list('lora-targets');
  return {
    ...(r === undefined ? {} : { r }),
    ...(alpha === undefined ? {} : { alpha }),
    ...(dropout === undefined ? {} : { dropout }),
    ...(targets === undefined ? {} : { targets: targets.length === 1 && targets[0] === 'all-linear' ? 'all-linear' : targets }),
  };
}

/** --adapter, --revision and --num-labels (each where the command takes it) as options of loadClassifierWithAdapter. */
export function adapterLoadOptions(flags: Flags): LoadWithAdapterOptions {
  const adapter = flags.string('adapter');
  const revision = flags.string('revision');
  const numLabels = flags.number('num-labels');
  return {
    ...(numLabels === undefined ? {} : { numLabels }),
    ...(revision === undefined ? {} : { revision }),
    ...(adapter === undefined ? {} : { adapter }),
  };
}
