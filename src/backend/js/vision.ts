// The js backend's vision kernels, gathered into the VisionKernels part of the Backend.
import type { VisionKernels } from '../vision-kernels.js';
import { batchNorm, batchNormGrad, batchNormStats } from './batch-norm.js';
import { conv2d, conv2dGradInput, conv2dGradWeight } from './conv.js';
import { adaptiveAvgPool2d, adaptiveAvgPool2dGrad, avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGrad } from './pooling.js';
import { activation, activationGrad } from './vision-activations.js';

export const visionKernels: VisionKernels = {
  conv2d,
  conv2dGradInput,
  conv2dGradWeight,
  batchNormStats,
  batchNorm,
  batchNormGrad,
  maxPool2d,
  maxPool2dGrad,
  avgPool2d,
  avgPool2dGrad,
  adaptiveAvgPool2d,
  adaptiveAvgPool2dGrad,
  activation,
  activationGrad,
};
