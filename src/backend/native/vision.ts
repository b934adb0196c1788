// The addon's vision kernels (native/src/conv.c, batch-norm.c, pooling.c, vision-activations.c) as the VisionKernels part of a Backend.
import type { VisionKernels } from '../vision-kernels.js';

/** Picks the vision kernels out of the loaded addon's exports. */
export function nativeVisionKernels(addon: VisionKernels): VisionKernels {
  return {
    conv2d: addon.conv2d,
    conv2dGradInput: addon.conv2dGradInput,
    conv2dGradWeight: addon.conv2dGradWeight,
    batchNormStats: addon.batchNormStats,
    batchNorm: addon.batchNorm,
    batchNormGrad: addon.batchNormGrad,
    maxPool2d: addon.maxPool2d,
    maxPool2dGrad: addon.maxPool2dGrad,
    avgPool2d: addon.avgPool2d,
    avgPool2dGrad: addon.avgPool2dGrad,
    adaptiveAvgPool2d: addon.adaptiveAvgPool2d,
    adaptiveAvgPool2dGrad: addon.adaptiveAvgPool2dGrad,
    activation: addon.activation,
    activationGrad: addon.activationGrad,
  };
}
