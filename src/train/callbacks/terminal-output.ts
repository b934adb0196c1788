// A TrainerOutput over a stream: plain lines, with a redrawn progress line when the stream is a terminal.
import type { TrainerOutput } from './callback.js';

/** The part of a writable stream the output needs (process.stdout and process.stderr fit). */
export interface TextStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * Lines go to `stream` as they are; on a terminal `redraw` rewrites one status line in place
 * (cut to the terminal's width), and a line printed meanwhile first clears it.
 */
export function streamOutput(stream: TextStream, options: { readonly progressBar?: boolean } = {}): TrainerOutput {
  let drawn = false;
  const clear = (): void => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  const output: TrainerOutput = {
    line(text) {
      clear();
      stream.write(`${text}\n`);
    },
    warn(text) {
      clear();
      stream.write(`warning: ${text}\n`);
    },
  };
  if (stream.isTTY && options.progressBar !== false) {
    output.redraw = (text: string) => {
      const width = Math.max(20, (stream.columns ?? 100) - 1);
      stream.write(`\r\x1b[2K${text.slice(0, width)}`);
      drawn = text !== '';
    };
  }
  return output;
}
