// The `finetune` entry point: picks the command, parses its flags, runs it, and maps errors to exit codes.
import { readFileSync } from 'node:fs';
import { FinetuneError, UsageError } from '../errors.js';
import { formatFlagHelp, Flags, parseFlags } from './args.js';
import { applyEngineFlags, type Command } from './command.js';
import { benchCommand } from './commands/bench.js';
import { completionCommand } from './commands/completion.js';
import { listCommand } from './commands/list.js';
import { pushCommand } from './commands/push.js';
import { evalCommand } from './commands/eval.js';
import { generateCommand } from './commands/generate.js';
import { exportCommand } from './commands/export.js';
import { infoCommand } from './commands/info.js';
import { mergeCommand } from './commands/merge.js';
import { predictCommand } from './commands/predict.js';
import { searchCommand } from './commands/search.js';
import { trainCommand } from './commands/train.js';
import { workerCommand } from './commands/worker.js';

const COMMANDS: readonly Command[] = [
  trainCommand,
  evalCommand,
  predictCommand,
  mergeCommand,
  infoCommand,
  benchCommand,
  generateCommand,
  exportCommand,
  searchCommand,
  workerCommand,
];
// Commands that list or complete the others (added after them, so their help and completion cover every command).
const ALL_COMMANDS: readonly Command[] = [...COMMANDS, pushCommand, listCommand, completionCommand(() => ALL_COMMANDS)];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function mainHelp(): string {
  const rows = ALL_COMMANDS.map((c) => `  ${c.name.padEnd(12)}${c.summary}`).join('\n');
  return `finetune ${version()}: fine-tune pre-trained neural networks on Node.js

Usage: finetune <command> [options]

Commands:
${rows}

Run 'finetune <command> --help' for a command's options. Every option can also come from
--config file.yaml (or .json); flags override the file.`;
}

function commandHelp(c: Command): string {
  return `finetune ${c.name}: ${c.summary}\n\n${c.usage ?? `Usage: finetune ${c.name} [options]`}\n\nOptions:\n${formatFlagHelp(c.flags)}`;
}

let pipeGuarded = false;

/** A reader that closes the pipe early (`finetune predict ... | head`) is not an error worth a stack trace. Installed once per process: main runs many times in tests. */
function endQuietlyOnClosedPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const debug = argv.includes('--debug');
  endQuietlyOnClosedPipe();
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(`${mainHelp()}\n`);
      return 0;
    }
    if (name === '--version' || name === '-v') {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    const command = ALL_COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command '${name}' (commands: ${ALL_COMMANDS.map((c) => c.name).join(', ')})`);
    // Help wins over everything else on the line, so `-h` never starts (or half-checks) a run.
    if (rest.includes('-h') || rest.includes('--help')) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    const { flags: values, positional } = parseFlags(rest, command.flags);
    const flags = new Flags(values);
    if (flags.boolean('help')) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    const allowed = command.positional?.max ?? 0;
    if (positional.length > allowed) {
      const stray = positional[allowed]!;
      const hint =
        allowed === 0
          ? /\.(csv|tsv|jsonl?|parquet|conllu?|txt)$/i.test(stray)
            ? ` (a data file goes after --data)`
            : ''
          : ` (it takes ${command.positional!.name})`;
      throw new UsageError(`${command.name}: unexpected argument '${stray}'${hint}`);
    }
    applyEngineFlags(flags);
    const json = flags.boolean('json');
    const result = await command.run({
      flags,
      positional,
      log: (line) => (json ? process.stderr : process.stdout).write(`${line}\n`),
    });
    if (json && !command.writesJsonLines) process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof FinetuneError) {
      process.stderr.write(`finetune: ${error.message}\n`);
      if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`finetune: ${message.split('\n')[0]}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
