import type { RedisKeys } from '../redis/keys.js';
import type { RunStoreContext } from './run-store-context.js';

/** Runs looked at per round trip while pruning. */
const PAGE = 500;

/** The statuses of a run that has ended; a running run is never pruned. */
const ENDED: ReadonlySet<string> = new Set(['completed', 'partial', 'failed']);

export interface PruneOptions {
  /**
   * Drop runs that ended at least this long ago. Without it, runs whose retention has
   * passed: their own (`--run-retention` when they started), or `fallbackRetentionMs`
   * for a run started without one (by an earlier version).
   */
  olderThanMs?: number;
  fallbackRetentionMs: number;
  /** Only say what would be dropped. */
  dryRun?: boolean;
  /** Compacts a completed run kept that is not compacted yet (RunStore.compact): the workers' sweep does. */
  compact?: (runId: string) => Promise<boolean>;
  now?: number;
}

export interface PruneSummary {
  /** The runs dropped (or, with `dryRun`, that would be), oldest first. */
  pruned: string[];
  /** Runs the index still named whose records had expired already: their index entries are dropped. */
  expired: number;
  /** Completed runs compacted to their report on the way (with `compact`). */
  compacted: number;
}

/**
 * Every key of a run that its scripts may write, its per-key distinct sets included (one
 * per key of its table and --count-distinct field): lua/includes/runRetention.lua gives
 * the same keys their time to live.
 */
export async function runKeyNames({ redis, keys }: RunStoreContext, runId: string): Promise<string[]> {
  const fixed = [
    keys.run(runId),
    keys.counts(runId),
    keys.chunkStates(runId),
    keys.deadLetters(runId),
    keys.deadGenerations(runId),
    keys.chunkLines(runId),
    keys.insight(runId),
    keys.groups(runId),
    keys.groupsOthers(runId),
    keys.crossings(runId),
    keys.sources(runId),
    keys.positions(runId),
    keys.joinResults(runId),
    keys.joinMarks(runId),
    keys.joinClosed(runId),
    keys.joinUnmatched(runId),
  ];
  const [distinctFields, joinPartitions] = await redis.hmget(keys.run(runId), 'distinctFields', 'joinPartitions');
  const join = Array.from({ length: Number(joinPartitions ?? '0') }, (_, p) => `${keys.joinPieces(runId)}${p}`);
  const fields = Number(distinctFields ?? '0');
  if (fields === 0) return [...fixed.slice(1), ...join, fixed[0]!];
  const tableKeys = await redis.hkeys(keys.groups(runId));
  const distinct = Array.from({ length: fields }, (_, f) => {
    const names = keys.distinct(runId, f);
    return [names.total, names.others, names.counts, ...tableKeys.map((key) => `${names.perKey}${key}`)];
  });
  return [...fixed.slice(1), ...join, ...distinct.flat(), fixed[0]!];
}

/**
 * Drops the records of runs that ended long enough ago (see `PruneOptions`), and the
 * index entries of runs whose records expired on their own. The run hash goes last, so a
 * prune cut short leaves a run that the next one finds again.
 */
export async function pruneRuns(context: RunStoreContext, options: PruneOptions): Promise<PruneSummary> {
  const { redis, keys } = context;
  const now = options.now ?? Date.now();
  const ids = await redis.zrange(keys.runs(), 0, -1);
  const summary: PruneSummary = { pruned: [], expired: 0, compacted: 0 };
  const toCompact: string[] = [];
  for (let at = 0; at < ids.length; at += PAGE) {
    const page = ids.slice(at, at + PAGE);
    const pipeline = redis.pipeline();
    for (const id of page)
      pipeline.hmget(keys.run(id), 'status', 'finishedAt', 'retentionMs').hexists(keys.run(id), 'report');
    const replies = (await pipeline.exec()) ?? [];
    const gone: string[] = [];
    for (const [i, id] of page.entries()) {
      const [err, reply] = replies[2 * i] ?? [null, null];
      if (err) throw err;
      const compacted = replies[2 * i + 1]?.[1] === 1;
      const [status = null, finishedAt = null, retentionMs = null] = reply as (string | null)[];
      if (status === null) {
        gone.push(id);
      } else if (ENDED.has(status) && finishedAt !== null) {
        const keepFor =
          options.olderThanMs ?? (retentionMs !== null ? Number(retentionMs) : options.fallbackRetentionMs);
        if (Number(finishedAt) + keepFor <= now) summary.pruned.push(id);
        else if (status === 'completed' && !compacted) toCompact.push(id);
      }
    }
    summary.expired += gone.length;
    if (!options.dryRun && gone.length > 0) await redis.zrem(keys.runs(), ...gone);
  }
  if (options.dryRun) return summary;
  for (const runId of summary.pruned) await dropRun(context, runId);
  for (const runId of options.compact ? toCompact : []) if (await options.compact!(runId)) summary.compacted++;
  return summary;
}

/** Deletes every key of a run, then its index entry. */
async function dropRun(context: RunStoreContext, runId: string): Promise<void> {
  const names = await runKeyNames(context, runId);
  for (let at = 0; at < names.length; at += PAGE) await context.redis.del(...names.slice(at, at + PAGE));
  await context.redis.zrem(context.keys.runs(), runId);
}

/** The ids of the index that name a run still in Redis, of those given; the others are dropped from the index. */
export async function presentRuns(
  { redis, keys }: { redis: RunStoreContext['redis']; keys: RedisKeys },
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.exists(keys.run(id));
  const replies = (await pipeline.exec()) ?? [];
  const gone = ids.filter((_, i) => replies[i]?.[1] === 0);
  if (gone.length > 0) await redis.zrem(keys.runs(), ...gone);
  return ids.filter((_, i) => replies[i]?.[1] !== 0);
}
