export * from './errors.js';
export { releaseAll } from './release.js';
export { markStartup } from './startup-trace.js';
export { parseSize, parsePositiveInt, parseDuration, formatBytes } from './units.js';
export { type Chunk, type ChunkerOptions, DEFAULT_MAX_LINE_SIZE, chunkStream } from './chunking/chunker.js';
export { NEWLINE } from './char-codes.js';
export { countLines, countNewlines } from './matching/newlines.js';
export { DEFAULT_CHUNK_SIZE } from './chunking/chunk-size.js';
export type { PatternSpec } from './contract/pattern-spec.js';
export { compilePatternRegex, regexSyntaxIn, validatePatterns } from './matching/pattern.js';
export { shellWord } from './shell-word.js';
export { type ChunkCounts, type EventCounts, type PatternCount, addPatternCounts } from './matching/counts.js';
export { type EventCounter, EventMarks, createEventCounter } from './matching/event-counts.js';
export { type EventStartTest, eventStartTest } from './matching/event-starts.js';
export { type MultilineSpec, multilineSpecOf } from './contract/multiline-spec.js';
export { type ChunkCounter, createChunkCounter } from './matching/matcher.js';
export {
  type ChunkBatchJobData,
  type ChunkJobData,
  type ChunkPack,
  type ChunkRef,
  type FileChunkJob,
  MAX_CHUNKS_PER_JOB,
  RUN_ID_PATTERN,
  type StoredChunkJob,
  batchJobData,
  batchJobId,
  checkPackable,
  chunkId,
  chunkJobId,
  isFileChunk,
  isReplayJobId,
  packOf,
  packed,
  parseChunkBatch,
  parseChunkJob,
  replayJobId,
} from './contract/job.js';
export {
  CHUNK_QUEUE,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  DEFAULT_PREFIX,
  chunkJobOptions,
} from './contract/queues.js';
export { openChunkQueue } from './redis/chunk-queue.js';
export { RedisKeys } from './redis/keys.js';
export { isConnectionLost, isOutOfMemory, redisErrorCode } from './redis/redis-errors.js';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_URL,
  type ConnectRedisOptions,
  type RedisClient,
  type RedisHost,
  type RedisTarget,
  checkRedis,
  closeRedis,
  connectRedis,
  connectWithPrefix,
  effectivePrefix,
  nodeForKey,
  redactRedisUrl,
  redisOptionsFromUrl,
  redisTargetFromUrl,
  withRedisPassword,
} from './redis/connection.js';
export { type SentinelStanding, sentinelStanding } from './redis/sentinel-master.js';
export {
  type ChunkBytes,
  type ChunkBytesItem,
  type ChunkBytesRead,
  RedisChunkBytes,
} from './chunk-bytes/chunk-bytes.js';
export { type OpenChunkBytesOptions, RespChunkBytes, openChunkBytes } from './chunk-bytes/resp-chunk-bytes.js';
export { type RespEndpoint, RespReplyError } from './chunk-bytes/resp-connection.js';
export type {
  CrossingReport,
  JoinEventRef,
  JoinReport,
  JoinSideReport,
  DeadLetteredRange,
  MatchCounts,
  RunProgress,
  RunReport,
  RunStatus,
  SourceReport,
} from './runs/report.js';
export type { RunDefinition } from './runs/run-definition.js';
export {
  type ChunkInsightSpec,
  DEFAULT_SPIKE_RULE,
  type RunInsightSpec,
  type SpikeRule,
  chunkInsightSpec,
} from './contract/insight-spec.js';
export type { ChunkInsight } from './contract/chunk-findings.js';
export {
  type InsightReport,
  type SpikeReport,
  type TopMessage,
  type WindowBucket,
  type WindowKey,
  type WindowsReport,
  type YearAssumed,
  WINDOW_TOP_KEYS,
  assembleInsight,
  findSpikes,
} from './insight/insight-report.js';
export { TIME_FORMAT_FIELDS } from './insight/time-format.js';
export { createTimestampParser, formatWindowSize } from './insight/timestamps.js';
export { messageTemplate } from './insight/message-template.js';
export type {
  ChunkPlacement,
  ChunkState,
  DeadLetterRecord,
  RecordOutcome,
  RecordResult,
  ReplayReadiness,
  StoredChunkRef,
} from './runs/chunk-records.js';
export {
  DEFAULT_DEAD_LETTER_RETENTION_MS,
  DEFAULT_RUN_RETENTION_MS,
  RUN_ENDED_EVENTS,
  RunStore,
  newRunId,
} from './runs/run-store.js';
export type { PruneOptions, PruneSummary } from './runs/run-pruning.js';
export type { FileCheckpoint, SourceCheckpoint } from './runs/source-checkpoint.js';
export { patternField } from './runs/count-fields.js';
export {
  DEAD_LETTER_QUEUE,
  type DeadChunkRef,
  type DeadLetterEntry,
  type DeadLetterError,
  deadLetterId,
  parseDeadLetterEntry,
} from './dead-letter/dead-letter-entry.js';
export { type DeadLetterItem, DeadLetterQueue } from './dead-letter/dead-letter-queue.js';
export {
  DeadLetterService,
  type DeadLetterServiceParts,
  type ReplayOutcome,
  type RetrySettings,
} from './dead-letter/dead-letter-service.js';
export type { DeadLetterState, DeadLetterView } from './dead-letter/dead-letter-view.js';
export { checkPrefix } from './config/shared-options.js';
export type { OptionNames } from './config/option-names.js';
export { WORKER_DEFAULTS, type WorkerOptions, resolveWorkerOptions } from './config/worker-options.js';
export {
  MAX_LINE_SIZE_LIMIT,
  SUBMIT_DEFAULTS,
  type SubmitOptions,
  resolveSubmitOptions,
} from './config/submit-options.js';
export { SERVE_DEFAULTS } from './config/serve-options.js';
export { type Listening, listenHttp } from './http-listen.js';
export { type MetricsServer, type MetricsServerOptions, startMetricsServer } from './metrics/metrics-server.js';
export {
  type BodyFormat,
  type ChunkRecordSpec,
  DEFAULT_MAX_KEYS,
  EXACT_DISTINCT_PER_KEY,
  EXACT_DISTINCT_TOTAL,
  type Envelope,
  MAX_KEY_BYTES,
  type RecordFormat,
  type RunRecordSpec,
  type WhereClause,
  type WhereOp,
  chunkRecordSpec,
} from './contract/record-spec.js';
export type { ChunkDistinct, ChunkRecordFindings, ChunkRejects } from './contract/chunk-findings.js';
export { formatName, parseRecordFormat } from './records/record-format.js';
export { parseWhere } from './records/where-clause.js';
export { parseIsoTime, parseTimeBound } from './records/time-bound.js';
export { checkExtract, checkSchema } from './records/record-checks.js';
export { MAX_DISTINCT_VALUE_BYTES, type RecordPass, createRecordPass } from './records/record-pass.js';
export { LineSelection } from './insight/line-selection.js';
export { FIELDS_OF_ENVELOPE } from './records/envelopes.js';
export {
  JOIN_JOB,
  type ChunkJoinSpec,
  type JoinJobData,
  type JoinPartitionResult,
  type JoinSide,
  type RunJoinSpec,
  LEFT,
  RIGHT,
  joinJobId,
  parseJoinJob,
  sidesOf,
} from './contract/join-spec.js';
export type { JoinRetry } from './runs/run-store.js';
export type { JoinRound, PartitionStanding } from './runs/join-recording.js';
export {
  type ClosedPartition,
  type CurrentTick,
  type JoinTickRecord,
  type JoinTickState,
  NOTHING_CLOSED,
  tickBounds,
} from './runs/join-ticks.js';
export type { JoinTickBounds, JoinTickOutcome, UnmatchedLeftEvent } from './joins/join-tick.js';
export { addJoinResults, emptyJoinResult } from './joins/partition-join.js';
