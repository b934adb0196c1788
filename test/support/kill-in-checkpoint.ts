// Preloaded (node --import) into a child `finetune train` to SIGKILL it halfway through writing a checkpoint file.
//
// FINETUNE_TEST_KILL_IN_CHECKPOINT=<step>: the process kills itself after writing half of the first
// chunk of the optimizer file of checkpoint-<step>, i.e. in the middle of an atomic checkpoint write.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const step = process.env.FINETUNE_TEST_KILL_IN_CHECKPOINT;
if (step !== undefined && step !== '') {
  const inTarget = new RegExp(`\\.checkpoint-${step}\\.tmp-[^/]*/\\.optimizer\\.safetensors\\.tmp-`);
  const watched = new Set<number>();
  const { openSync, writeSync } = fs;
  fs.openSync = ((path: fs.PathLike, ...rest: unknown[]) => {
    const fd = (openSync as (...a: unknown[]) => number)(path, ...rest);
    if (inTarget.test(String(path))) watched.add(fd);
    return fd;
  }) as typeof fs.openSync;
  fs.writeSync = ((fd: number, buffer: Uint8Array, ...rest: unknown[]) => {
    if (watched.has(fd) && buffer instanceof Uint8Array && buffer.byteLength > 1) {
      (writeSync as (...a: unknown[]) => number)(fd, buffer, 0, buffer.byteLength >> 1);
      process.kill(process.pid, 'SIGKILL');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
    }
    return (writeSync as (...a: unknown[]) => number)(fd, buffer, ...rest);
  }) as typeof fs.writeSync;
  syncBuiltinESMExports();
}
