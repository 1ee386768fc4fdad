export { ChunkWorker, type WorkerEvents } from './chunk-worker.js';
export { CountPool } from './count-pool.js';
export { type ChunkJobResult, MAX_ABANDONED_STARTS } from './chunk-processor.js';
export { FAULT_POINTS, type FaultPoint } from './fault-points.js';
export type { DeadLetterNotice } from './dead-lettering.js';
export { type ChunkOutcome, WorkerMetrics } from './worker-metrics.js';
export { type JoinDeadLetterNotice, enqueueJoinRound, enqueueJoinTick } from './join-reducer.js';
