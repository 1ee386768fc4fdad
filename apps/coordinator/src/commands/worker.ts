import { DEFAULT_REDIS_URL, redactRedisUrl } from '@logcluster/core';
import { ChunkWorker, type DeadLetterNotice, resolveWorkerOptions } from '@logcluster/worker';
import { type WorkerFlags, resolveWorkerFlags } from '../cli-options.js';
import type { CommandIo } from '../command-io.js';

export type WorkerCommandFlags = WorkerFlags & { redis?: string; prefix: string };

/** Runs a worker until SIGTERM/SIGINT, then finishes the chunks in progress and exits 0. */
export async function workerCommand(flags: WorkerCommandFlags, io: CommandIo): Promise<number> {
  const options = resolveWorkerOptions({ ...resolveWorkerFlags(flags), redisUrl: flags.redis ?? DEFAULT_REDIS_URL, prefix: flags.prefix });
  const worker = await ChunkWorker.start(options, {
    onError: (message) => log(io, `worker ${options.name}: ${message}`),
    onDeadLetter: (notice) => log(io, `worker ${options.name}: ${describeDeadLetter(notice)}`),
  });
  // Stopping may take the grace period for chunks in progress, and a little more.
  io.shutdownDeadlineMs = Math.max(io.shutdownDeadlineMs, options.shutdownGraceMs + 10_000);
  log(io, `worker ${options.name} started: ${options.threads} threads, concurrency ${options.concurrency}, ` +
    `redis ${redactRedisUrl(options.redisUrl)}, prefix ${options.prefix}` +
    (worker.metricsUrl ? `, metrics ${worker.metricsUrl}/metrics` : ''));
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  log(io, `worker ${options.name} stopping: finishing chunks in progress for up to ${options.shutdownGraceMs} ms (signal again to exit at once)`);
  await worker.close();
  log(io, `worker ${options.name} stopped after counting ${worker.chunksCounted} chunks`);
  return 0;
}

function log(io: CommandIo, message: string): void {
  io.stderr.write(`${new Date().toISOString()} ${message}\n`);
}

/** One line per dead-lettered chunk: its run, where its lines are, and why. */
export function describeDeadLetter({ chunk, reason }: DeadLetterNotice): string {
  if (!chunk) return `dead-lettered a job whose data breaks the contract: ${reason}`;
  const lines = chunk.firstLine !== null && chunk.lineCount !== null ? `lines ${chunk.firstLine}-${chunk.firstLine + chunk.lineCount - 1}` : chunk.lineCount !== null ? `${chunk.lineCount} lines` : 'lines unknown';
  return `dead-lettered chunk ${chunk.source}.${chunk.seq} of run ${chunk.runId}: source ${chunk.source}, ${lines}, bytes ${chunk.byteOffset}-${chunk.byteOffset + chunk.byteLength}: ${reason}`;
}
