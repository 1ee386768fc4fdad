import { redactRedisUrl, resolveWorkerOptions } from '@logcluster/core';
import { ChunkWorker, type DeadLetterNotice } from '@logcluster/worker';
import { type WorkerFlags, workerOptionsFrom } from '../cli-options.js';
import type { CommandIo } from '../command-io.js';
import { serviceLog } from '../service-log.js';

export type WorkerCommandFlags = WorkerFlags & { redis?: string; prefix: string };

/** Runs a worker until SIGTERM/SIGINT, then finishes the chunks in progress and exits 0. */
export async function workerCommand(flags: WorkerCommandFlags, io: CommandIo): Promise<number> {
  const options = resolveWorkerOptions({ ...workerOptionsFrom(flags), redisUrl: flags.redis, prefix: flags.prefix });
  const log = serviceLog('worker', io, { worker: options.name });
  const worker = await ChunkWorker.start(options, {
    onError: (message) => log.error(`worker ${options.name}: ${message}`),
    onDeadLetter: (notice) =>
      log.warn(deadLetterFields(notice), `worker ${options.name}: ${describeDeadLetter(notice)}`),
    onJoinDeadLetter: ({ runId, partition, reason }) =>
      log.warn(
        { runId, partition, reason },
        `worker ${options.name}: dead-lettered partition ${partition} of the join of run ${runId}: ${reason}`,
      ),
  });
  // Stopping may take the grace period for chunks in progress, and a little more.
  io.shutdownDeadlineMs = Math.max(io.shutdownDeadlineMs, options.shutdownGraceMs + 10_000);
  // The prefix in use: on a Redis Cluster, the one given wrapped in a hash tag.
  const { prefix } = worker.options;
  log.info(
    {
      threads: options.threads,
      concurrency: options.concurrency,
      redis: redactRedisUrl(options.redisUrl),
      prefix,
      metrics: worker.metricsUrl ? `${worker.metricsUrl}/metrics` : null,
    },
    `worker ${options.name} started: ${options.threads} threads, concurrency ${options.concurrency}, ` +
      `redis ${redactRedisUrl(options.redisUrl)}, prefix ${prefix}` +
      (worker.metricsUrl ? `, metrics ${worker.metricsUrl}/metrics` : ''),
  );

  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  log.info(
    `worker ${options.name} stopping: finishing chunks in progress for up to ${options.shutdownGraceMs} ms (signal again to exit at once)`,
  );
  await worker.close();
  log.info(
    { chunksCounted: worker.chunksCounted },
    `worker ${options.name} stopped after counting ${worker.chunksCounted} chunks`,
  );
  return 0;
}

/** A dead-lettered chunk as log fields: its run, where its lines and bytes are, and why. */
export function deadLetterFields({ chunk, reason }: DeadLetterNotice): Record<string, unknown> {
  if (!chunk) return { event: 'dead-lettered', reason };
  const lastLine = chunk.firstLine !== null && chunk.lineCount !== null ? chunk.firstLine + chunk.lineCount - 1 : null;
  return {
    event: 'dead-lettered',
    runId: chunk.runId,
    source: chunk.source,
    seq: chunk.seq,
    firstLine: chunk.firstLine,
    lastLine,
    lineCount: chunk.lineCount,
    byteOffset: chunk.byteOffset,
    byteLength: chunk.byteLength,
    reason,
  };
}

/** One line per dead-lettered chunk: its run, where its lines are, and why. */
export function describeDeadLetter({ chunk, reason }: DeadLetterNotice): string {
  if (!chunk) return `dead-lettered a job whose data breaks the contract: ${reason}`;
  const lines =
    chunk.firstLine !== null && chunk.lineCount !== null
      ? `lines ${chunk.firstLine}-${chunk.firstLine + chunk.lineCount - 1}`
      : chunk.lineCount !== null
        ? `${chunk.lineCount} lines`
        : 'lines unknown';
  return `dead-lettered chunk ${chunk.source}.${chunk.seq} of run ${chunk.runId}: source ${chunk.source}, ${lines}, bytes ${chunk.byteOffset}-${chunk.byteOffset + chunk.byteLength}: ${reason}`;
}
