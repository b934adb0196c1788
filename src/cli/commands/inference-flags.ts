// --quantize for commands that only run a model (predict, bench predict): checked before any work, applied after loading (packed float32 weights without it).
import { FinetuneError } from '../../errors.js';
import { packLinearLayers } from '../../nn/packed-linear.js';
import { quantizeLinearLayers } from '../../nn/quantized-linear.js';
import type { LoadedAdapterClassifier } from '../../peft/lora/load-model.js';
import { mergeLora } from '../../peft/lora/merge.js';

/** Fails with one line unless --quantize is absent or int8. */
export function checkQuantize(quantize: string | undefined): void {
  if (quantize !== undefined && quantize !== 'int8') throw new FinetuneError(`--quantize '${quantize}' is not supported (supported: int8)`);
}

/**
 * With --quantize int8: merges a LoRA adapter into its base (an int8 layer has no adapter form), then makes every
 * linear layer int8. Without: packs every linear layer's weight once for the GEMM kernel (same values, faster).
 */
export function prepareForInference(loaded: Pick<LoadedAdapterClassifier, 'model' | 'adapter'>, quantize: string | undefined): void {
  checkQuantize(quantize);
  if (quantize !== 'int8') {
    packLinearLayers(loaded.model);
    return;
  }
  if (loaded.adapter) mergeLora(loaded.model);
  quantizeLinearLayers(loaded.model);
}
