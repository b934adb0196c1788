// The generate layer: text from causal language models (greedy or sampled, cached, streamed, stop strings).
export {
  generate,
  generatePieces,
  generateText,
  generateTokenIds,
  promptIds,
  type FinishReason,
  type GeneratedPiece,
  type GenerateOptions,
  type GenerationResult,
} from './generate.js';
export { applyRepetitionPenalty, argmax, nextToken, sampleToken, type SamplingOptions } from './sampling.js';
export { StopStringBuffer } from './stop-strings.js';
export { decodingScheme, TokenTextStream, type DecodingScheme } from './text-stream.js';
