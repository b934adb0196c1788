// What torch.save's pickle may contain: the allow-list of globals and calls that rebuild a dict of tensors.

import { FinetuneError } from '../errors.js';
import type { StoredDType } from './dtype-convert.js';
import type { PickleHooks, PickleValue } from './pickle.js';

/** A storage named by a persistent id: its bytes live in the archive entry `data/<key>` (or after the pickles). */
export interface StorageRef {
  readonly kind: 'storage';
  readonly dtype: StoredDType;
  readonly key: string;
  /** Element count of the storage as the id states it. */
  readonly numel: number;
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided window of a storage. */
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly size: number[];
  readonly stride: number[];
}

interface GlobalRef {
  readonly kind: 'global';
  readonly qualifiedName: string;
}

const STORAGE_TYPES: Readonly<Record<string, StoredDType>> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

const CALLABLES = new Set(['collections OrderedDict', 'torch._utils _rebuild_tensor_v2', 'torch._utils _rebuild_parameter']);

function isGlobal(value: PickleValue, qualifiedName?: string): value is PickleValue & GlobalRef {
  const ref = value as Partial<GlobalRef> | null;
  return typeof ref === 'object' && ref !== null && ref.kind === 'global' && (!qualifiedName || ref.qualifiedName === qualifiedName);
}

export function isTensorRef(value: unknown): value is TensorRef {
  return typeof value === 'object' && value !== null && (value as Partial<TensorRef>).kind === 'tensor';
}

function isIntList(value: PickleValue): value is number[] {
  return Array.isArray(value) && value.every((item) => Number.isSafeInteger(item) && (item as number) >= 0);
}

function describe(value: PickleValue): string {
  if (isGlobal(value)) return `'${value.qualifiedName}'`;
  if (value instanceof Map) return 'a dict';
  if (Array.isArray(value)) return 'a tuple';
  if (typeof value === 'string') return `'${value}'`;
  if (isTensorRef(value)) return 'a tensor';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Hooks for `unpickle` that accept only what a state dict of tensors needs; `name` is the file for errors. */
export function torchPickleHooks(name: string): PickleHooks {
  const refuse = (what: string): never => {
    throw new FinetuneError(`${name}: refusing to load ${what}: only tensors are allowed`);
  };
  return {
    findGlobal(module, global) {
      const qualifiedName = `${module} ${global}`;
      const isStorage = module === 'torch' && Object.hasOwn(STORAGE_TYPES, global);
      if (!isStorage && !CALLABLES.has(qualifiedName)) refuse(`'${qualifiedName}'`);
      return { kind: 'global', qualifiedName };
    },
    persistentLoad(id) {
      // ('storage', storage_type, key, location, numel); the legacy format adds view metadata, None since torch 0.4.
      if (!Array.isArray(id) || id[0] !== 'storage' || id.length < 5) return refuse(`persistent id ${describe(id)}`);
      const [, type, key, , numel, view] = id;
      const typeName = isGlobal(type!) ? type.qualifiedName.slice('torch '.length) : '';
      const dtype = STORAGE_TYPES[typeName];
      if (!dtype || typeof key !== 'string' || !Number.isSafeInteger(numel)) return refuse(`storage id ${JSON.stringify(key)}`);
      if (view !== undefined && view !== null) return refuse(`a view of storage '${key}' (torch before 0.4)`);
      return { kind: 'storage', dtype, key, numel: numel as number };
    },
    reduce(callable, args) {
      if (isGlobal(callable, 'collections OrderedDict')) {
        const dict = new Map<PickleValue, PickleValue>();
        const pairs = args[0] ?? [];
        if (!Array.isArray(pairs)) return refuse('an OrderedDict built from a non-list');
        for (const pair of pairs) {
          if (!Array.isArray(pair) || pair.length !== 2) return refuse('an OrderedDict built from a non-pair');
          dict.set(pair[0]!, pair[1]!);
        }
        return dict;
      }
      if (isGlobal(callable, 'torch._utils _rebuild_tensor_v2')) {
        const [storage, offset, size, stride] = args;
        const storageRef = storage as Partial<StorageRef> | null;
        if (typeof storageRef !== 'object' || storageRef === null || storageRef.kind !== 'storage') return refuse('a tensor without a storage');
        if (!Number.isSafeInteger(offset) || (offset as number) < 0 || !isIntList(size!) || !isIntList(stride!) || size.length !== stride.length) {
          throw new FinetuneError(`${name}: malformed tensor arguments for storage '${storageRef.key}'`);
        }
        return { kind: 'tensor', storage: storageRef as StorageRef, offset: offset as number, size, stride };
      }
      if (isGlobal(callable, 'torch._utils _rebuild_parameter')) {
        if (!isTensorRef(args[0])) return refuse('a parameter without a tensor');
        return args[0] as PickleValue;
      }
      return refuse(`a call of ${describe(callable)}`);
    },
    build(target, state) {
      // state_dict() attaches `_metadata` (module versions) to its OrderedDict; tensors do not need it.
      if (target instanceof Map) return target;
      return refuse(`state (${describe(state)}) for ${describe(target)}`);
    },
  };
}
