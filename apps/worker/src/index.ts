export { ChunkWorker, type ChunkJobResult } from './chunk-worker.js';
export { type WorkerOptions, DEFAULT_TASK_TIMEOUT_MS, resolveWorkerOptions } from './worker-options.js';
