// How ResNet checkpoints (microsoft/resnet-*) name their tensors beyond our parameter names (which are transformers' keys).
import type { CheckpointLayout } from '../encoder/checkpoint.js';

/**
 * ResNetForImageClassification keys: `resnet.embedder.embedder.{convolution,normalization}.*`,
 * `resnet.encoder.stages.{s}.layers.{l}.{layer.{k},shortcut}.{convolution,normalization}.*` (batch norms with
 * running_mean, running_var and num_batches_tracked), `classifier.1.*` (nn.Sequential(Flatten, Linear)).
 * A ResNetModel saved on its own lacks the `resnet.` prefix.
 */
export const RESNET_LAYOUT: CheckpointLayout = {
  basePrefix: 'resnet.',
  baseRoots: ['embedder.', 'encoder.'],
  legacySuffixes: [],
  optional: [],
};

/** The head's module name. */
export const RESNET_HEAD = 'classifier';
