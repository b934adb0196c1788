// Parameter-efficient fine-tuning: LoRA adapters (the only method so far), exchanged with Hugging Face PEFT's files.
export * from './lora/index.js';
