import {
  type DeadLetterItem,
  DeadLetterService,
  type ReplayOutcome,
  type RunStatus,
  type RunStore,
  UsageError,
} from '@logcluster/core';
import type { CommandIo } from '../command-io.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { lineRange } from '../report-format.js';
import { table } from '../text-table.js';
import { type StoreFlags, withStore } from '../store-session.js';

export type DlqFlags = StoreFlags & { run?: string; all?: boolean; limit?: number };

/** `dlq list`: dead-lettered chunks, oldest first. */
export async function dlqListCommand(flags: DlqFlags, io: CommandIo): Promise<number> {
  const views = await withDeadLetters(flags, async (service) => {
    const items = await service.list(flags.run);
    return Promise.all(items.slice(0, flags.limit ?? items.length).map((item) => service.describe(item)));
  });
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(views, null, 2)}\n`);
  } else if (views.length === 0) {
    io.stdout.write(`the dead-letter queue under prefix "${flags.prefix}" is empty\n`);
  } else {
    const rows = views.map((view) => [
      view.id,
      view.partition !== null ? `(join partition ${view.partition})` : (view.source ?? '-'),
      view.firstLine === null ? '-' : `${view.firstLine}–${view.lastLine}`,
      String(view.attemptsMade),
      view.failedAt,
      view.state + (view.state === 'dead' && !view.bytesKept ? ' (bytes expired)' : ''),
      truncate(view.reason, 60),
    ]);
    const headers = ['ID', 'SOURCE', 'LINES', 'ATTEMPTS', 'FAILED AT', 'STATE', 'REASON'];
    io.stdout.write(`${table(headers, rows, [false, false, false, true, false, false, false]).join('\n')}\n`);
  }
  return EXIT.completed;
}

/** `dlq show <id>`: one entry, whole: the error with its stack, the job data, where it is now. */
export async function dlqShowCommand(id: string, flags: DlqFlags, io: CommandIo): Promise<number> {
  const view = await withDeadLetters(flags, async (service) => {
    const item = await service.get(id);
    if (!item) throw noEntry(id, flags);
    return { ...(await service.describe(item)), job: item.entry.job };
  });
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    return EXIT.completed;
  }
  const lines = [
    `entry     ${view.id}`,
    `state     ${view.state}${view.bytesKept ? '' : ' (bytes no longer kept: cannot be replayed)'}`,
    `run       ${view.runId ?? '-'}`,
    view.partition !== null
      ? `join      partition ${view.partition}: its reduce failed; the run's join lacks its keys until it is replayed`
      : `source    ${view.source ?? '-'}${view.firstLine === null ? '' : `, lines ${view.firstLine}–${view.lastLine}, bytes ${view.byteOffset}+${view.byteLength}`}`,
    `job       ${view.jobId} (enqueued ${view.enqueuedAt})`,
    `failed    ${view.failedAt} after ${view.attemptsMade} attempt${view.attemptsMade === 1 ? '' : 's'}, on ${view.worker}`,
    `error     ${view.reason}`,
    ...(view.error.stack ? ['', view.error.stack] : []),
    '',
    `job data  ${JSON.stringify(view.job)}`,
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.completed;
}

export type ReplayFlags = DlqFlags & { attempts: number; backoff: number; wait?: boolean };

/**
 * `dlq replay`: enqueues dead-lettered chunks again. The run goes back to `running` and
 * ends `completed` with exact totals once they count; a chunk that fails again is
 * dead-lettered again as a new entry.
 */
export async function dlqReplayCommand(ids: string[], flags: ReplayFlags, io: CommandIo): Promise<number> {
  return withDeadLetters(flags, async (service, store) => {
    const items = await select(service, ids, flags);
    const replayed = await service.replay(items, { attempts: flags.attempts, backoffMs: flags.backoff });
    const outcomes = replayed.map((outcome, i) => ({ id: items[i]!.id, ...described(outcome) }));
    const runs = [...new Set(outcomes.filter((o) => o.outcome === 'replayed').map((o) => o.runId!))];
    let code: number = outcomes.every((o) => o.ok) ? EXIT.completed : EXIT.failure;
    const finals: Record<string, RunStatus> = {};
    if (flags.wait) {
      for (const runId of runs) {
        finals[runId] = await waitWhileRunning(store, runId, io.signal);
        code = Math.max(code, exitCodeFor(finals[runId]));
      }
    }
    if (flags.json) {
      io.stdout.write(`${JSON.stringify({ entries: outcomes, runs: flags.wait ? finals : runs }, null, 2)}\n`);
    } else {
      for (const o of outcomes) io.stdout.write(`${o.id}: ${o.outcome}\n`);
      const count = outcomes.filter((o) => o.outcome === 'replayed').length;
      io.stdout.write(`replayed ${count} of ${outcomes.length} entries`);
      const waited = runs.map((r) => `run ${r} ${finals[r]}`).join(', ') || 'no run to wait for';
      const follow = runs.length ? `; follow with logcluster status ${runs.join(' / ')}\n` : '\n';
      io.stdout.write(flags.wait ? `; ${waited}\n` : follow);
    }
    return code;
  });
}

/** `dlq purge`: drops entries and, for chunks still dead, their bytes. Their runs stay partial. */
export async function dlqPurgeCommand(ids: string[], flags: DlqFlags, io: CommandIo): Promise<number> {
  const purged = await withDeadLetters(flags, async (service) => service.purge(await select(service, ids, flags)));
  io.stdout.write(
    flags.json
      ? `${JSON.stringify({ purged }, null, 2)}\n`
      : `purged ${purged.length} entr${purged.length === 1 ? 'y' : 'ies'}\n`,
  );
  return EXIT.completed;
}

/** Connects for one command and hands it the dead-letter service (and the run store, to wait on runs). */
function withDeadLetters<T>(
  flags: StoreFlags,
  use: (service: DeadLetterService, store: RunStore) => Promise<T>,
): Promise<T> {
  return withStore(flags, ({ redis, store, deadLetters }) =>
    use(new DeadLetterService({ store, deadLetters, connection: redis }), store),
  );
}

/** The entries named, or with `--all` every entry (of `--run`). */
async function select(service: DeadLetterService, ids: string[], flags: DlqFlags): Promise<DeadLetterItem[]> {
  if (ids.length > 0 && flags.all) throw new UsageError('give entry ids or --all, not both');
  if (ids.length === 0 && !flags.all) throw new UsageError('give entry ids, or --all (optionally with --run <runId>)');
  if (flags.all) return service.list(flags.run);
  const items: DeadLetterItem[] = [];
  for (const id of ids) {
    const item = await service.get(id);
    if (!item) throw noEntry(id, flags);
    items.push(item);
  }
  return items;
}

function noEntry(id: string, flags: DlqFlags): UsageError {
  return new UsageError(`no dead-letter entry ${id} under prefix "${flags.prefix}" (see logcluster dlq list)`);
}

/** A replay's outcome as the command reports it: a sentence, whether it is a success, and the run it concerns. */
function described(outcome: ReplayOutcome): { outcome: string; ok: boolean; runId?: string } {
  switch (outcome.kind) {
    case 'replayed':
      return { outcome: 'replayed', ok: true, runId: outcome.runId };
    case 'stale':
      return {
        outcome: 'stale, removed: the chunk was counted since, or dead-lettered again under a newer entry',
        ok: true,
        runId: outcome.runId,
      };
    case 'no-chunk':
      return { outcome: 'not replayed: the job data is malformed, there is no chunk to count (purge it)', ok: false };
    case 'malformed':
      return { outcome: 'not replayed: the job data is malformed (purge it)', ok: false };
    case 'run-missing':
      return { outcome: `not replayed: run ${outcome.runId} no longer exists (purge it)`, ok: false };
    case 'bytes-gone': {
      const lines = lineRange(outcome.chunk.firstLine, outcome.chunk.lineCount);
      return { outcome: `not replayed: its bytes are no longer kept; analyse ${lines} of the source again`, ok: false };
    }
  }
}

async function waitWhileRunning(store: RunStore, runId: string, signal: AbortSignal): Promise<RunStatus> {
  for (;;) {
    signal.throwIfAborted();
    const status = await store.status(runId);
    if (status !== 'running') return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function truncate(text: string, length: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}
