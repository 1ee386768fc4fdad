/**
 * Errors with stable codes. Callers branch on `code` (or the class), never on message
 * text; `exitCode` is what the CLI exits with when the error reaches it.
 */
export type ExitCode = 1 | 2;

export abstract class LogclusterError extends Error {
  abstract readonly code: string;
  /** 2: usage or input error; 1: any other failure. */
  abstract readonly exitCode: ExitCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad option, flag combination or argument. */
export class UsageError extends LogclusterError {
  readonly code = 'USAGE';
  readonly exitCode = 2;
}

/**
 * An option of a component (worker, submission) with a value it cannot take, found when
 * the component's options are resolved; the message names the option as it was given.
 */
export class InvalidOptionError extends LogclusterError {
  readonly code = 'INVALID_OPTION';
  readonly exitCode = 2;
}

/** An input that cannot be analysed: missing, a directory, unreadable, corrupt. */
export class InputError extends LogclusterError {
  readonly code = 'INPUT';
  readonly exitCode = 2;
}

/** A pattern that does not compile, or is not allowed. */
export class InvalidPatternError extends LogclusterError {
  readonly code = 'INVALID_PATTERN';
  readonly exitCode = 2;
}

/** A line longer than the configured maximum line size. */
export class LineTooLongError extends LogclusterError {
  readonly code = 'LINE_TOO_LONG';
  readonly exitCode = 2;
}

/** Redis could not be reached in time (or the connection never became ready). */
export class RedisUnavailableError extends LogclusterError {
  readonly code = 'REDIS_UNAVAILABLE';
  readonly exitCode = 1;
}

/** Redis refused our credentials. */
export class RedisAuthError extends LogclusterError {
  readonly code = 'REDIS_AUTH';
  readonly exitCode = 1;
}

/** `redis-server` is needed for an embedded Redis and is not installed. */
/** Redis is at its `maxmemory` and nothing frees memory: no worker drains the run, or other data fills it. */
export class RedisFullError extends LogclusterError {
  readonly code = 'REDIS_FULL';
  readonly exitCode = 1;
}

export class RedisServerMissingError extends LogclusterError {
  readonly code = 'REDIS_SERVER_MISSING';
  readonly exitCode = 1;
}

/**
 * A Redis script answered a code its caller does not know: the script and the code that
 * runs it disagree. Never read as any outcome: an unknown answer is not a known one.
 */
export class UnexpectedScriptReplyError extends LogclusterError {
  readonly code = 'UNEXPECTED_SCRIPT_REPLY';
  readonly exitCode = 1;

  constructor(
    readonly script: string,
    readonly reply: unknown,
  ) {
    super(`the Redis script ${script} answered ${JSON.stringify(reply)}, which is none of its codes`);
  }
}

/** Job data read back from Redis that does not satisfy the job contract. */
export class InvalidJobError extends LogclusterError {
  readonly code = 'INVALID_JOB';
  readonly exitCode = 1;
}

/** A chunk's bytes are gone from Redis although the chunk was never counted. */
export class ChunkMissingError extends LogclusterError {
  readonly code = 'CHUNK_MISSING';
  readonly exitCode = 1;
}

/** A worker's counts disagree with what the coordinator measured for the chunk. */
export class ChunkIntegrityError extends LogclusterError {
  readonly code = 'CHUNK_INTEGRITY';
  readonly exitCode = 1;
}

/** A chunk on shared storage that this worker may not read (outside --shared-root, or no root). */
export class SharedPathError extends LogclusterError {
  readonly code = 'SHARED_PATH';
  readonly exitCode = 2;
}

/** A chunk whose processing killed its worker again and again: it is not tried any more. */
export class ChunkPoisonError extends LogclusterError {
  readonly code = 'CHUNK_POISON';
  readonly exitCode = 1;
}

/** A counting task ran past `--task-timeout`; its thread was replaced. */
export class TaskTimeoutError extends LogclusterError {
  readonly code = 'TASK_TIMEOUT';
  readonly exitCode = 1;
}

/** No run with the given id under this prefix. */
export class RunNotFoundError extends LogclusterError {
  readonly code = 'RUN_NOT_FOUND';
  readonly exitCode = 2;
}

/** A dead-lettered chunk that cannot be replayed (counted since, or its bytes expired). */
export class ReplayError extends LogclusterError {
  readonly code = 'REPLAY';
  readonly exitCode = 1;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
