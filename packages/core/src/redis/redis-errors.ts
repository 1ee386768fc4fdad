/*
 * Reading Redis errors. Redis replies with an error whose first word is its code
 * (`NOSCRIPT`, `WRONGPASS`, …): that word is the protocol's, stable, and the only part of
 * a reply's text we look at. ioredis reports a lost connection with plain errors; those
 * few messages are listed here, in one place.
 */

/** The Redis error code of a reply error (`NOSCRIPT`, `WRONGPASS`, …), or null. */
export function redisErrorCode(err: unknown): string | null {
  if (!(err instanceof Error) || err.name !== 'ReplyError') return null;
  return /^([A-Z]+)\b/.exec(err.message)?.[1] ?? null;
}

/**
 * Whether Redis refused a write because it is at its `maxmemory` (with the policy
 * `noeviction`, as logcluster needs): the write may succeed once memory is freed. A
 * transaction is refused as a whole (`EXECABORT`); ioredis lists why in `previousErrors`.
 */
export function isOutOfMemory(err: unknown): boolean {
  const code = redisErrorCode(err);
  if (code === 'EXECABORT') {
    const previous = (err as { previousErrors?: unknown }).previousErrors;
    return Array.isArray(previous) && previous.some(isOutOfMemory);
  }
  return code === 'OOM';
}

const CONNECTION_LOST = [
  /Connection is closed/,
  /Command aborted due to connection close/,
  /ECONNRESET/,
  /EPIPE/,
  /ECONNREFUSED/,
  /ENOENT/,
  /socket hang up/,
];

/**
 * Whether a command failed because the connection went away (a Redis restart, say)
 * rather than because Redis refused it: the command may be sent again once reconnected.
 */
export function isConnectionLost(err: unknown): boolean {
  if (!(err instanceof Error) || err.name === 'ReplyError') return false;
  return CONNECTION_LOST.some((pattern) => pattern.test(err.message));
}

/**
 * The results of a MULTI, or the first error among them: ioredis reports each command's
 * error alongside, not by rejecting.
 */
export function checkTransaction(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('a Redis transaction was aborted');
  for (const [error] of results) if (error) throw error;
  return results.map(([, result]) => result);
}
