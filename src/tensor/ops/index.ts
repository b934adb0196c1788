// Every tensor op, as plain functions (the Tensor class also exposes most of them as methods).
export * from './elementwise.js';
export * from './reduce.js';
export * from './layout.js';
export * from './matmul.js';
export * from './activations.js';
export * from './normalization.js';
export * from './embedding.js';
export * from './losses.js';
export * from './linear.js';
export * from './attention.js';
export * from './rms-norm.js';
export * from './rotary.js';
export * from './swiglu.js';
export * from './conv.js';
export * from './batch-norm.js';
export * from './pooling.js';
export * from './vision-activations.js';
