// Which config.json files describe a causal language model: by model_type, or by a `...ForCausalLM` / `...LMHeadModel` architecture.

/** model_type values of the causal families (each with its own ModelFamily). */
export const CAUSAL_MODEL_TYPES: readonly string[] = ['gpt2', 'llama', 'qwen2', 'mistral'];

/** Whether a config.json `architectures` entry is a causal language-model class. */
export function isCausalArchitecture(architecture: string): boolean {
  return architecture.endsWith('ForCausalLM') || architecture.endsWith('LMHeadModel');
}
