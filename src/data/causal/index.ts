// Causal LM training data: packed text, prompt/completion pairs and chat with assistant-only loss, as transformers and TRL build them.
export {
  CHAT_ROLES,
  checkMessages,
  hasGenerationMarkers,
  renderChat,
  trainingChatTemplate,
  type ChatMessage,
  type RenderChatOptions,
  type RenderedChat,
} from './chat-template.js';
export {
  encodeConversations,
  encodePromptCompletions,
  IGNORE_INDEX,
  packDocuments,
  type CausalEncodeOptions,
  type CausalLMData,
  type CausalSpecials,
  type ChatEncodeOptions,
  type Conversation,
  type EncodedCausal,
  type PromptCompletion,
} from './encode.js';
export { readCausalData, splitFortunes, splitLines, type CausalRows, type ReadCausalOptions } from './read.js';
export { causalSpecials, readChatTemplate } from './specials.js';
export { charToToken, encodeWithOffsets, generationMask, type OffsetEncoding } from './token-offsets.js';
export { LLAMA3_CHAT_TEMPLATE, LLAMA3_TRAINING_CHAT_TEMPLATE } from './training-templates.js';
