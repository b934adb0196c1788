// Optimizers and their shared base.
export { Optimizer, type ParamGroup } from './optimizer.js';
export { AdamW, type AdamWOptions, type AdamWState } from './adamw.js';
export { SGD, type SGDOptions } from './sgd.js';
export { clipGradNorm } from './grad-clip.js';
