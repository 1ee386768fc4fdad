/**
 * The counting kernel alone, for worker threads: no Redis, BullMQ or validation code is
 * loaded with it, so a thread starts fast.
 */
export { type ChunkCounter, createChunkCounter } from './matching/matcher.js';
export type { ChunkCounts, EventCounts, PatternCount } from './matching/counts.js';
export { type EventCounter, EventMarks, createEventCounter } from './matching/event-counts.js';
export type { MultilineSpec } from './contract/multiline-spec.js';
export type { PatternSpec } from './contract/pattern-spec.js';
export { CountingWorkspace } from './matching/counting-workspace.js';
export type { ChunkInsight } from './contract/chunk-findings.js';
export { type InsightFinder, createInsightFinder } from './insight/chunk-insight.js';
export { LineSelection } from './insight/line-selection.js';
export type { ChunkInsightSpec } from './contract/insight-spec.js';
export { DEFAULT_CHUNK_SIZE } from './chunking/chunk-size.js';
export type { ChunkRecordSpec } from './contract/record-spec.js';
export type { ChunkRecordFindings } from './contract/chunk-findings.js';
export { type RecordPass, createRecordPass } from './records/record-pass.js';
export { selectEvents } from './records/record-events.js';
export type { ChunkDistinct, ChunkRejects } from './contract/chunk-findings.js';
export { joinPartition, readJoinPieces } from './joins/partition-join.js';
export { type JoinTickBounds, type JoinTickOutcome, joinTick } from './joins/join-tick.js';
export { type JoinPartitionResult, sidesOf } from './contract/join-spec.js';
