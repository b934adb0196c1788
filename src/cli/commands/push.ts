// `finetune push`: uploads a trained model or LoRA adapter folder to a Hugging Face Hub repository.
import { UsageError } from '../../errors.js';
import { pushFolder } from '../../io/hub-push.js';
import type { Command } from '../command.js';

export const pushCommand: Command = {
  name: 'push',
  summary: 'upload a model or adapter folder to a Hub repository (HF_TOKEN)',
  usage:
    'Usage: finetune push --model <folder> --repo <user/name> [--private] [--message "..."]\nExample: HF_TOKEN=hf_... finetune push --model runs/a --repo me/spam-filter',
  flags: {
    model: { type: 'string', help: 'the folder to upload (a training run; its checkpoints stay behind)' },
    repo: { type: 'string', help: 'the Hub repository: user/name or org/name (created when missing)' },
    private: { type: 'boolean', help: 'create the repository as private' },
    message: { type: 'string', help: 'the commit title' },
    revision: { type: 'string', help: 'the branch to commit to', default: 'main' },
  },
  async run({ flags, log }) {
    const folder = flags.string('model');
    const repo = flags.string('repo');
    if (folder === undefined || repo === undefined) throw new UsageError('push: --model <folder> and --repo <user/name> are required');
    const message = flags.string('message');
    const revision = flags.string('revision');
    const result = await pushFolder({
      folder,
      repo,
      ...(flags.boolean('private') ? { private: true } : {}),
      ...(message === undefined ? {} : { message }),
      ...(revision === undefined ? {} : { revision }),
    });
    const lfs = result.files.filter((f) => f.lfs).length;
    log(`pushed ${result.files.length} files (${lfs} through LFS) to ${result.url}`);
    return result;
  },
};
