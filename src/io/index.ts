// Public API of the file-format layer: tensors records, checkpoints, crash-safe writes and the Hub cache.

export { elementCount, formatShape, type RawDType, type RawTensor } from './raw-tensor.js';
export { writeFileAtomic, writeFolderAtomic, writeJsonAtomic, type FileContent } from './atomic-write.js';
export type { StoredDType } from './dtype-convert.js';
export type { SafetensorsEntry, SafetensorsHeader } from './safetensors-header.js';
export {
  parseSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  serializeSafetensors,
  writeSafetensors,
  type SafetensorsContents,
  type SafetensorsReadOptions,
} from './safetensors.js';
export { readShardIndex, readShardedSafetensors, type ShardIndex } from './safetensors-index.js';
export { parsePytorchBin, readPytorchBin, type PytorchBinReadOptions } from './pytorch-bin.js';
export { WEIGHTS_FILE_NAMES, findWeightsFile, readStateDict, type StateDictReadOptions } from './state-dict.js';
export { hubSettings, type DownloadProgress, type HubOptions, type HubSettings } from './hub-settings.js';
export { pushFolder, type PushOptions, type PushResult } from './hub-push.js';
export {
  DEFAULT_MODEL_FILES,
  isHubId,
  locateModel,
  resolveModelFiles,
  type HubFileRequest,
  type ResolveModelFilesOptions,
} from './hub.js';
export { LOCK_FILE, folderLockOwner, lockFolder, type FolderLock, type FolderLockOptions, type LockOwner } from './folder-lock.js';
export { FILE_LIMITS, checkReadableFile, readFileBounded, readTextBounded, type FileKind } from './bounded-read.js';
export {
  type KerasLayerSpec,
  parseKerasTopology,
  readTfjsLayersModel,
  type TfjsLayersModel,
  tfjsLayersModelFromMemory,
} from './tfjs/layers-model.js';
