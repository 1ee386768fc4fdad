import { DEFAULT_REDIS_URL, SUBMIT_DEFAULTS, UsageError, formatWindowSize } from '@logcluster/core';
import { connectedWorkers } from '../chunk-workers.js';
import { type CommandIo, unlessAborted } from '../command-io.js';
import { type StoreFlags, withStore } from '../store-session.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import type { FormatChoice } from '../format-option.js';
import { describePatterns, formatDuration, formatProgress, someOf } from '../report-format.js';
import { table } from '../text-table.js';
import { printReport, reportOutput } from '../report-output.js';
import { type WaitTimeout, stillRunningMessage } from '../wait-timeout.js';

/** `status <runId>`: where a run is. */
export async function statusCommand(runId: string, flags: StoreFlags, io: CommandIo): Promise<number> {
  const progress = await withStore(flags, ({ store }) => store.progress(runId));
  io.stdout.write(flags.json ? `${JSON.stringify(progress, null, 2)}\n` : `${formatProgress(progress)}\n`);
  return 0;
}

/**
 * `report <runId>`: the run's report; exits as the run did (0, 1 or 3). A run still
 * going has no final figures: its live report exits 1 unless `--wait` waits for the end.
 */
export async function reportCommand(
  runId: string,
  flags: StoreFlags & { wait?: boolean; waitTimeout?: WaitTimeout; format?: FormatChoice; hideZero?: boolean },
  io: CommandIo,
): Promise<number> {
  const output = reportOutput(flags);
  if (flags.waitTimeout !== undefined && !flags.wait) throw new UsageError('--wait-timeout needs --wait');
  const giveUpAt = flags.waitTimeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + flags.waitTimeout.ms;
  const report = await withStore(flags, async ({ redis, store }) => {
    while (flags.wait && (await unlessAborted(store.status(runId), io.signal)) === 'running') {
      const left = giveUpAt - Date.now();
      if (left <= 0) {
        const [progress, workers] = await Promise.all([
          store.progress(runId),
          connectedWorkers(redis, store.keys.prefix),
        ]);
        io.stderr.write(
          stillRunningMessage(progress, flags.waitTimeout!, workers, {
            redisUrl: flags.redis ?? DEFAULT_REDIS_URL,
            prefix: flags.prefix,
          }),
        );
        return null;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, left)));
    }
    return store.report(runId);
  });
  if (report === null) return EXIT.failure;
  printReport(report, output, io, { hideZero: flags.hideZero === true });
  if (report.status === 'running') {
    io.stderr.write(
      `logcluster: run ${runId} is still running: these totals are not final (--wait waits for the end)\n`,
    );
    return EXIT.failure;
  }
  return exitCodeFor(report.status);
}

/** Sources `runs` names per run: a run of a thousand files stays one line (`runs --json` has them all). */
const SOURCES_SHOWN = 3;

/** `runs`: recent runs, newest first. */
export async function runsCommand(flags: StoreFlags & { limit: number }, io: CommandIo): Promise<number> {
  const runs = await withStore(flags, async ({ store }) => {
    const ids = await store.recentRunIds(flags.limit);
    return Promise.all(ids.map((id) => store.progress(id)));
  });
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
  } else if (runs.length === 0) {
    io.stdout.write(`no runs under prefix "${flags.prefix}"\n`);
  } else {
    const rows = runs.map((run) => [
      run.runId,
      run.status,
      run.startedAt,
      formatDuration(run.durationMs),
      `${run.chunksDone + run.chunksDeadLettered}/${run.chunks}`,
      describePatterns(run.patterns),
      someOf(run.sources, SOURCES_SHOWN),
    ]);
    io.stdout.write(
      `${table(['RUN', 'STATUS', 'STARTED', 'DURATION', 'CHUNKS', 'PATTERNS', 'SOURCES'], rows, [false, false, false, true, true, false, false]).join('\n')}\n`,
    );
  }
  return 0;
}

export type PruneFlags = StoreFlags & { olderThan?: number; dryRun?: boolean };

/**
 * `runs prune`: drops the records of runs that ended before `--older-than` ago, or without
 * it those past their own retention (which Redis would expire anyway), and the index
 * entries of runs already expired. A running run is never dropped.
 */
export async function runsPruneCommand(flags: PruneFlags, io: CommandIo): Promise<number> {
  const summary = await withStore(flags, ({ store }) =>
    store.prune({
      ...(flags.olderThan !== undefined ? { olderThanMs: flags.olderThan } : {}),
      fallbackRetentionMs: SUBMIT_DEFAULTS.runRetentionMs,
      dryRun: flags.dryRun === true,
    }),
  );
  if (flags.json) {
    io.stdout.write(`${JSON.stringify({ ...summary, dryRun: flags.dryRun === true }, null, 2)}\n`);
    return 0;
  }
  const which =
    flags.olderThan !== undefined
      ? `that ended at least ${formatWindowSize(flags.olderThan)} ago`
      : 'past their retention';
  const verb = flags.dryRun ? 'would drop' : 'dropped';
  const runs = (n: number) => `${n} run${n === 1 ? '' : 's'}`;
  io.stdout.write(`${verb} ${runs(summary.pruned.length)} ${which}${summary.pruned.length > 0 ? ':' : ''}\n`);
  for (const id of summary.pruned) io.stdout.write(`  ${id}\n`);
  if (summary.expired > 0)
    io.stdout.write(
      `${runs(summary.expired)} in the index had expired already${flags.dryRun ? '' : ': dropped from it'}\n`,
    );
  return 0;
}
