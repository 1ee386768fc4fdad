import {
  DEFAULT_PREFIX,
  DEFAULT_REDIS_URL,
  LogclusterError,
  type RunProgress,
  formatBytes,
  parseDuration,
  redactRedisUrl,
  shellWord,
} from '@logcluster/core';
import { Option } from 'commander';
import { commanderParser } from './option-parsers.js';

/** `--wait-timeout`, as given (for messages) and in ms. */
export interface WaitTimeout {
  text: string;
  ms: number;
}

/**
 * `--wait-timeout <duration>` on `submit` and `report --wait`. A unit is required: a
 * bare `30` could mean seconds as well as milliseconds.
 */
export const waitTimeoutOption = (command: 'submit' | 'report') =>
  new Option(
    '--wait-timeout <duration>',
    command === 'submit'
      ? 'give up waiting for the run after this long from its start (30s, 10m, 1h: a unit is required): exit 1, saying on stderr how far it got; the run goes on in the cluster (one whose input was not all enqueued by then fails)'
      : 'with --wait: give up after this long (30s, 10m, 1h: a unit is required): exit 1, saying on stderr how far the run got',
  ).argParser(
    commanderParser((text): WaitTimeout => ({
      text: text.trim(),
      ms: parseDuration(text, '--wait-timeout', { unitRequired: true }),
    })),
  );

/** What aborts a wait when `--wait-timeout` has passed. Exit 1: the run is not known to be over, and nothing is wrong with the command line. */
export class WaitTimeoutError extends LogclusterError {
  readonly code = 'WAIT_TIMEOUT';
  readonly exitCode = 1;

  constructor(readonly timeout: WaitTimeout) {
    super(`--wait-timeout ${timeout.text} passed`);
  }
}

/** A signal that aborts with a `WaitTimeoutError` once the timeout has passed; `dispose` stops the clock. */
export function waitDeadline(timeout: WaitTimeout): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new WaitTimeoutError(timeout)), timeout.ms);
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}

/**
 * How far a run got, for the message of a wait that gave up: `3 of 10 chunks settled,
 * 12.0 MiB of 40.0 MiB counted, 120000 lines read`. Lines are those the coordinator cut
 * and those workers counted of ranges they read themselves: lines read so far.
 */
export function howFar(progress: RunProgress): string {
  const settled = progress.chunksDone + progress.chunksDeadLettered;
  const enqueueing = progress.allEnqueued || progress.status !== 'running' ? '' : ' (still enqueueing)';
  const dead = progress.chunksDeadLettered > 0 ? `, ${progress.chunksDeadLettered} dead-lettered` : '';
  return (
    `${settled} of ${progress.chunks} chunks settled${enqueueing}${dead}, ` +
    `${formatBytes(progress.bytesSettled)} of ${formatBytes(progress.bytes)} counted, ${progress.lines} ${progress.lines === 1 ? 'line' : 'lines'} read`
  );
}

/** `; no worker is connected under prefix "x"` when none is (-1: could not tell), else nothing. */
export function workerHint(workers: number, prefix: string): string {
  return workers === 0 ? `; no worker is connected under prefix "${prefix}"` : '';
}

/**
 * The stderr lines of a wait that gave up on a run still going: how far it got, and the
 * commands that follow it from here (with `--redis`, password redacted, and `--prefix`
 * when they are not the defaults).
 */
export function stillRunningMessage(
  progress: RunProgress,
  timeout: WaitTimeout,
  workers: number,
  connection: { redisUrl: string; prefix: string },
): string {
  const { runId } = progress;
  const flags = connectionFlags(connection);
  return (
    `logcluster: run ${runId} has not ended within ${timeout.text}: ${howFar(progress)}${workerHint(workers, connection.prefix)}\n` +
    `logcluster: the run goes on in the cluster: follow it with \`logcluster status ${runId}${flags}\` or \`logcluster report ${runId} --wait${flags}\`\n`
  );
}

function connectionFlags({ redisUrl, prefix }: { redisUrl: string; prefix: string }): string {
  const redis = redisUrl === DEFAULT_REDIS_URL ? '' : ` --redis ${shellWord(redactRedisUrl(redisUrl))}`;
  return `${redis}${prefix === DEFAULT_PREFIX ? '' : ` --prefix ${shellWord(prefix)}`}`;
}
