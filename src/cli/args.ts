// Command-line flags: a typed spec per command, parsing of argv and --config files, flags overriding the file.
import { readTextBounded } from '../io/bounded-read.js';
import { parseDocument } from 'yaml';
import { FinetuneError, UsageError } from '../errors.js';
import { configEntries } from './config-names.js';

/** `list` splits on commas; `texts` is repeatable with one whole value per occurrence (texts may hold commas); `mapping` comes only from a config file (search's `search:` block). */
export type FlagType = 'string' | 'number' | 'int' | 'boolean' | 'list' | 'texts' | 'mapping';

export interface FlagSpec {
  readonly type: FlagType;
  readonly help: string;
  /** Shown in help; the command applies its own defaults. */
  readonly default?: string | number | boolean;
  /** A boolean-like flag that may also take a value (e.g. `--resume` or `--resume dir`). */
  readonly optionalValue?: boolean;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;
export type FlagValue = string | number | boolean | string[] | { readonly [key: string]: unknown };
export type ParsedFlags = Record<string, FlagValue>;

/** Flags every command accepts. */
export const COMMON_FLAGS: FlagSpecs = {
  config: { type: 'string', help: 'read options from a YAML or JSON file (flags override it)' },
  json: { type: 'boolean', help: 'print the result as one JSON object on the last line of stdout' },
  debug: { type: 'boolean', help: 'show stack traces on errors' },
  help: { type: 'boolean', help: 'show this help' },
  backend: { type: 'string', help: 'compute backend: native | js | native-builtin (env FINETUNE_BACKEND)' },
  threads: { type: 'int', help: 'worker threads for the kernels (env FINETUNE_THREADS; default: all cores)' },
};

/** `where` names the option in errors (default `<source>: --<name>`; a config file names its own key). */
function coerce(name: string, spec: FlagSpec, raw: unknown, source: string, where = `${source}: --${name}`): FlagValue {
  switch (spec.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      if (spec.optionalValue && typeof raw === 'string') return raw;
      throw new FinetuneError(`${where}: '${String(raw)}' is not true or false`);
    case 'number':
    case 'int': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(value) || (spec.type === 'int' && !Number.isInteger(value))) {
        throw new FinetuneError(`${where}: '${String(raw)}' is not ${spec.type === 'int' ? 'an integer' : 'a number'}`);
      }
      return value;
    }
    case 'texts':
      return Array.isArray(raw) ? raw.map(String) : [String(raw)];
    case 'list':
      if (Array.isArray(raw)) return raw.map(String);
      return String(raw)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    case 'mapping':
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FinetuneError(`${where}: expected a mapping (in a --config file)`);
      return raw as { readonly [key: string]: unknown };
    case 'string':
      if (typeof raw === 'object' && raw !== null) throw new FinetuneError(`${where}: expected a single value`);
      return String(raw);
  }
}

/** Reads a --config file: a YAML or JSON mapping of option names (the CLI's, the library's or Hugging Face's; see config-names) to values. */
function readConfigFile(path: string, specs: FlagSpecs): ParsedFlags {
  let text: string;
  try {
    text = readTextBounded(path, 'config');
  } catch (error) {
    if (error instanceof FinetuneError) throw error;
    throw new FinetuneError(`${path}: cannot read the config file`);
  }
  return parseConfigText(text, path, specs);
}

/**
 * YAML to plain values. The library's errors and warnings (an unknown tag such as `!foo`, which it
 * would print as a process warning and then ignore) both become the one-line error of the caller.
 */
function parseYamlText(text: string): unknown {
  const document = parseDocument(text, { prettyErrors: false, logLevel: 'silent' });
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem) throw new Error(problem.message);
  return document.toJS({ maxAliasCount: 100 });
}

/** Parses the text of a --config file (`path` names it in errors and says YAML or JSON by its extension). */
export function parseConfigText(text: string, path: string, specs: FlagSpecs): ParsedFlags {
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYamlText(text);
  } catch (error) {
    throw new FinetuneError(`${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new FinetuneError(`${path}: expected a mapping of option names to values`);
  const out: ParsedFlags = {};
  for (const { key, flag, value } of configEntries(data as Record<string, unknown>, path, specs)) {
    out[flag] = coerce(flag, specs[flag]!, value, path, `${path}: ${key}`);
  }
  return out;
}

/** Edit distance of two short strings (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** `; did you mean --lr?` for the closest known flag within a small edit distance, else ''. */
export function suggestion(name: string, specs: FlagSpecs): string {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of Object.keys(specs)) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best === undefined ? '' : `; did you mean --${best}?`;
}

/**
 * Parses `--name value`, `--name=value`, boolean `--name` / `--no-name`, and repeatable list flags.
 * Unknown flags and missing values are usage errors (exit 2), with the closest known flag suggested;
 * bad values are exit 1; `-h` is `--help`. Positional arguments are returned separately.
 */
export function parseFlags(argv: readonly string[], commandSpecs: FlagSpecs): { flags: ParsedFlags; positional: string[] } {
  const specs: FlagSpecs = { ...COMMON_FLAGS, ...commandSpecs };
  const flags: ParsedFlags = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      flags.help = true;
      continue;
    }
    if (arg.startsWith('-') && !arg.startsWith('--') && arg !== '-' && !/^-\d/.test(arg)) {
      throw new UsageError(`unknown option ${arg}${suggestion(arg.replace(/^-+/, ''), specs)} (see --help)`);
    }
    if (!arg.startsWith('--') || arg === '--') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let inline: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let spec = specs[name];
    if (!spec && name.startsWith('no-') && specs[name.slice(3)]?.type === 'boolean' && inline === undefined) {
      name = name.slice(3);
      spec = specs[name];
      inline = 'false';
    }
    if (!spec) throw new UsageError(`unknown option --${name}${suggestion(name, specs)} (see --help)`);
    let raw: string;
    if (inline !== undefined) raw = inline;
    else if (spec.type === 'boolean') {
      const next = argv[i + 1];
      const takesNext = spec.optionalValue === true && next !== undefined && !next.startsWith('--');
      raw = takesNext ? next : 'true';
      if (takesNext) i++;
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`option --${name} needs a value`);
      raw = next;
      i++;
    }
    const value = coerce(name, spec, raw, 'command line');
    const previous = flags[name];
    const repeatable = spec.type === 'list' || spec.type === 'texts';
    flags[name] = repeatable && Array.isArray(previous) ? [...previous, ...(value as string[])] : value;
  }
  if (typeof flags.config === 'string') {
    const fromFile = readConfigFile(flags.config, specs);
    return { flags: { ...fromFile, ...flags }, positional };
  }
  return { flags, positional };
}

/** Typed accessors over parsed flags. */
export class Flags {
  constructor(readonly values: ParsedFlags) {}

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  string(name: string): string | undefined {
    const v = this.values[name];
    return v === undefined ? undefined : String(v);
  }

  number(name: string): number | undefined {
    const v = this.values[name];
    return typeof v === 'number' ? v : undefined;
  }

  boolean(name: string): boolean {
    return this.values[name] === true || typeof this.values[name] === 'string';
  }

  list(name: string): string[] | undefined {
    const v = this.values[name];
    return Array.isArray(v) ? v : undefined;
  }
}

/** Help text for a command's flags. */
export function formatFlagHelp(specs: FlagSpecs): string {
  const all = { ...specs, ...COMMON_FLAGS };
  const lines = Object.entries(all).map(([name, spec]) => {
    const value = spec.type === 'boolean' ? '' : ` <${spec.type === 'list' ? 'a,b' : spec.type === 'texts' ? 'text' : spec.type}>`;
    const def = spec.default !== undefined ? ` (default ${String(spec.default)})` : '';
    return `  --${name}${value}`.padEnd(34) + spec.help + def;
  });
  return lines.join('\n');
}
