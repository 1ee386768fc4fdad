import { type CommandIo, unlessAborted } from '../command-io.js';
import { type StoreFlags, withStore } from '../store-session.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { formatDuration, formatProgress, formatReport, table } from '../report-format.js';

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
export async function reportCommand(runId: string, flags: StoreFlags & { wait?: boolean; hideZero?: boolean }, io: CommandIo): Promise<number> {
  const report = await withStore(flags, async ({ store }) => {
    while (flags.wait && (await unlessAborted(store.status(runId), io.signal)) === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return store.report(runId);
  });
  io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, { hideZero: flags.hideZero === true })}\n`);
  if (report.status === 'running') {
    io.stderr.write(`logcluster: run ${runId} is still running: these totals are not final (--wait waits for the end)\n`);
    return EXIT.failure;
  }
  return exitCodeFor(report.status);
}

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
      run.sources.join(' '),
    ]);
    io.stdout.write(`${table(['RUN', 'STATUS', 'STARTED', 'DURATION', 'CHUNKS', 'SOURCES'], rows, [false, false, false, true, true, false]).join('\n')}\n`);
  }
  return 0;
}
