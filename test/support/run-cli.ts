// Runs the finetune CLI in this process, capturing what it writes to stdout and stderr, for fast command tests.
import { main } from '../../src/cli/main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * main(argv) with its text writes to process.stdout/stderr captured. Byte writes pass through: the
 * test runner reports from this process over stdout with them, and must not lose them.
 */
export async function runCli(argv: readonly string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const originalOut = process.stdout.write;
  const originalErr = process.stderr.write;
  const capture = (stream: NodeJS.WriteStream, original: typeof process.stdout.write, into: string[]): typeof process.stdout.write =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk === 'string') {
        into.push(chunk);
        return true;
      }
      return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof process.stdout.write;
  process.stdout.write = capture(process.stdout, originalOut, out);
  process.stderr.write = capture(process.stderr, originalErr, err);
  try {
    const code = await main(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
  }
}

/** A tiny BERT config.json (hidden 16, 2 layers) for --init random runs. */
export const TINY_BERT_CONFIG = {
  model_type: 'bert',
  architectures: ['BertForSequenceClassification'],
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 64,
  vocab_size: 100,
  type_vocab_size: 2,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  layer_norm_eps: 1e-12,
  initializer_range: 0.02,
  hidden_act: 'gelu',
  pad_token_id: 0,
};

/** The JSON object a `--json` run prints on the last line of its stdout. */
export const lastJson = (stdout: string): Record<string, unknown> => JSON.parse(stdout.trimEnd().split('\n').at(-1)!);
