// finetune's library API: named exports of every layer, lowest first (backend -> tensor -> nn -> io/tokenizers/data -> models/peft -> tasks -> train/report).
export {
  getBackend,
  setBackend,
  availableBackends,
  getThreads,
  setThreads,
  gemmLibrary,
  startProfiling,
  stopProfiling,
  type Backend,
  type BackendName,
} from './backend/index.js';
export { bf16Kernel, cpuFeatures } from './backend/index.js';
export { requireBf16 } from './backend/bf16.js';
export { FinetuneError, UsageError } from './errors.js';
export { Tensor, type DType, type TensorData, type TensorOptions, type NestedNumbers } from './tensor/tensor.js';
export { noGrad, isGradEnabled, setGradEnabled, type BackwardOptions } from './tensor/autograd.js';
export { withBf16, bf16Enabled } from './tensor/autocast.js';
export { forbidHostReads, hostReadsForbidden, HostReadError, MODEL_CODE } from './tensor/host-reads.js';
export { Random, manualSeed, type RandomState } from './tensor/random.js';
export * as ops from './tensor/ops/index.js';
export * from './nn/index.js';
export * as io from './io/index.js';
export * as tokenizers from './tokenizers/index.js';
export * as data from './data/index.js';
export { renderChat, readChatTemplate, type ChatMessage, type RenderChatOptions, type RenderedChat } from './data/causal/index.js';
export * from './models/index.js';
export * from './peft/index.js';
export * from './tasks/index.js';
export * from './generate/index.js';
export * from './train/index.js';
export * as report from './report/index.js';
export * as onnxExport from './export/index.js';
export * as search from './search/index.js';
