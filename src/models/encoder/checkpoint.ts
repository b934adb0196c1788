// Matches a checkpoint's tensors to a model's parameters: legacy names, a missing base prefix, optional parts, the head.
import { FinetuneError } from '../../errors.js';
import type { RawTensor } from '../../io/raw-tensor.js';
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';

/** How a family's checkpoints name things beyond the parameter names themselves (data, one per family). */
export interface CheckpointLayout {
  /** The base model's attribute and a dot, e.g. 'bert.': every base parameter name starts with it. */
  readonly basePrefix: string;
  /** First name segments inside the base model: keys starting with these were saved without the prefix. */
  readonly baseRoots: readonly string[];
  /** Key suffixes of older checkpoints and their current form, e.g. ['.gamma', '.weight']. */
  readonly legacySuffixes: readonly (readonly [string, string])[];
  /** Module-name prefixes the model initialises itself when a checkpoint lacks them entirely (BERT's pooler). */
  readonly optional: readonly string[];
}

/** What loading did besides copying tensors. */
export interface CheckpointReport {
  /** Module names (head or optional parts) that were absent and must be initialised. */
  readonly newModules: string[];
  /** Head parameters whose shape differs from the checkpoint's: [name, checkpoint shape, model shape]. */
  readonly mismatched: [string, readonly number[], readonly number[]][];
  /** Checkpoint keys (as stored) that no parameter uses. */
  readonly ignored: string[];
  /** Whether the checkpoint held a head at all. */
  readonly hadHead: boolean;
}

interface Entry {
  readonly stored: string;
  readonly tensor: RawTensor;
}

/** The parameter name a stored key stands for under `layout` (before checking the model has it). */
export function canonicalKey(key: string, layout: CheckpointLayout): string {
  let name = key;
  for (const [old, current] of layout.legacySuffixes) {
    if (name.endsWith(old)) {
      name = name.slice(0, -old.length) + current;
      break;
    }
  }
  if (!name.startsWith(layout.basePrefix) && layout.baseRoots.some((root) => name.startsWith(root))) name = layout.basePrefix + name;
  return name;
}

function byCanonicalName(tensors: ReadonlyMap<string, RawTensor>, layout: CheckpointLayout, file: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const [stored, tensor] of tensors) {
    const name = canonicalKey(stored, layout);
    const other = entries.get(name);
    if (other) throw new FinetuneError(`${file}: keys '${other.stored}' and '${stored}' both hold '${name}'`);
    entries.set(name, { stored, tensor });
  }
  return entries;
}

const under = (name: string, prefix: string): boolean => name === prefix || name.startsWith(`${prefix}.`);
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

function copyInto(target: Tensor, name: string, entry: Entry, file: string): void {
  if (entry.tensor.dtype !== target.dtype) {
    const forName = entry.stored === name ? '' : ` for '${name}'`;
    const holds = entry.tensor.dtype === 'int32' ? 'integers' : 'floating-point values';
    const expected = target.dtype === 'int32' ? 'integers' : 'floating-point weights';
    throw new FinetuneError(`${file}: key '${entry.stored}' holds ${holds}, expected ${expected}${forName}`);
  }
  if (!sameShape(entry.tensor.shape, target.shape)) {
    throw new FinetuneError(`${file}: key '${entry.stored}' has shape ${formatShape(entry.tensor.shape)}, expected ${formatShape(target.shape)}`);
  }
  target.data.set(entry.tensor.data);
}

function missing(file: string, name: string, target: Tensor): FinetuneError {
  return new FinetuneError(`${file}: missing key '${name}' (expected shape ${formatShape(target.shape)})`);
}

/** The other names of tied parameters: first name -> the later ones. */
function tiedAliases(model: Module): Map<string, string[]> {
  const firstName = new Map<Tensor, string>();
  const aliases = new Map<string, string[]>();
  for (const [name, p] of model.namedParameters('', { removeDuplicate: false })) {
    const first = firstName.get(p);
    if (first === undefined) firstName.set(p, name);
    else aliases.set(first, [...(aliases.get(first) ?? []), name]);
  }
  return aliases;
}

/**
 * The entry for `name` (or, for a tied parameter saved under another of its names, that one), after
 * checking that every name of it the file holds holds the same values; marks them used.
 */
function entryFor(name: string, aliases: readonly string[], entries: ReadonlyMap<string, Entry>, used: Set<string>, file: string): Entry | undefined {
  const given = [name, ...aliases].filter((n) => entries.has(n));
  const first = given[0];
  if (first === undefined) return undefined;
  const entry = entries.get(first)!;
  for (const other of given.slice(1)) {
    const data = entries.get(other)!.tensor.data;
    if (data.length !== entry.tensor.data.length || data.some((v, i) => !Object.is(v, entry.tensor.data[i]))) {
      throw new FinetuneError(`${file}: keys '${entry.stored}' and '${entries.get(other)!.stored}' name one tied tensor but hold different values`);
    }
  }
  for (const n of given) used.add(n);
  return entry;
}

/**
 * Copies the checkpoint `tensors` (read from `file`) into `model`'s parameters and persistent buffers. A
 * tied parameter loads from whichever of its names the file holds (several must agree). The head is the
 * model's `headModules` (a sequence checkpoint's `classifier` fills a token head of the same shape, as in
 * transformers). Base parameters must
 * all be present with their exact shapes; an optional part or the head may be absent as a whole
 * (reported in `newModules`); head tensors of another shape are reported in `mismatched` and left as
 * they are, for the caller to initialise. Keys no parameter uses are reported in `ignored`.
 */
export function loadCheckpoint(
  model: Module & { readonly headModules: readonly string[] },
  tensors: ReadonlyMap<string, RawTensor>,
  layout: CheckpointLayout,
  file: string,
): CheckpointReport {
  const head = model.headModules;
  const entries = byCanonicalName(tensors, layout, file);
  const used = new Set<string>();
  // Parameters (a tied one once) and persistent buffers, all loaded alike.
  const params = [...model.stateDict()];
  const aliases = tiedAliases(model);
  const report: CheckpointReport = { newModules: [], mismatched: [], ignored: [], hadHead: false };

  // An optional part, and the head as a whole, load all-or-nothing: one with some keys but not others
  // is a broken file, and fails below on the first missing key.
  const hasAny = (prefix: string): boolean => params.some(([name]) => under(name, prefix) && [name, ...(aliases.get(name) ?? [])].some((n) => entries.has(n)));
  const modelHas = (prefix: string): boolean => params.some(([name]) => under(name, prefix));
  for (const prefix of layout.optional) if (modelHas(prefix) && !hasAny(prefix)) report.newModules.push(prefix);
  const headPresent = head.some(hasAny);
  if (!headPresent) report.newModules.push(...head);

  for (const [name, param] of params) {
    if (report.newModules.some((p) => under(name, p))) continue;
    const entry = entryFor(name, aliases.get(name) ?? [], entries, used, file);
    if (!entry) throw missing(file, name, param);
    const isHead = head.some((p) => under(name, p));
    if (isHead && entry.tensor.dtype === 'float32' && !sameShape(entry.tensor.shape, param.shape)) {
      report.mismatched.push([name, entry.tensor.shape, param.shape]);
      continue;
    }
    copyInto(param, name, entry, file);
  }
  for (const [name, entry] of entries) if (!used.has(name)) report.ignored.push(entry.stored);
  return { ...report, hadHead: headPresent };
}

/**
 * A compact list of key names for a warning: keys sharing their first two name segments with two or
 * more others are shown as `cls.predictions.* (6 keys)`.
 */
export function summarizeKeys(keys: readonly string[]): string {
  const groups = new Map<string, string[]>();
  for (const key of keys) {
    const parts = key.split('.');
    const group = parts.length > 2 ? `${parts.slice(0, 2).join('.')}.*` : key;
    groups.set(group, [...(groups.get(group) ?? []), key]);
  }
  const shown: string[] = [];
  for (const [group, members] of groups) {
    if (members.length >= 3) shown.push(`${group} (${members.length} keys)`);
    else shown.push(...members);
  }
  return shown.join(', ');
}
