/**
 * Every Redis key logcluster writes besides BullMQ's own, in one place. All of them start
 * with the prefix, so several clusters can share one Redis.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** Hash: a named followed stream (`submit --follow --name`) → the run that follows it. */
  streams(): string {
    return `${this.prefix}:streams`;
  }

  /** Sorted set of run ids by start time. */
  runs(): string {
    return `${this.prefix}:runs`;
  }

  /** Hash: a run's definition and lifecycle (`status`, `startedAt`, …). */
  run(runId: string): string {
    return `${this.prefix}:run:${runId}`;
  }

  /**
   * Hash: sources a followed run found after it started (files that came to match its
   * globs): source number → name, beside the definition's `sources`.
   */
  sources(runId: string): string {
    return `${this.prefix}:run:${runId}:sources`;
  }

  /**
   * Hash: a followed run's checkpoints, source number → `<next chunk> <JSON>`
   * (runs/source-checkpoint.ts), written with the chunks they follow.
   */
  positions(runId: string): string {
    return `${this.prefix}:run:${runId}:positions`;
  }

  /** String: the lease of the coordinator following the run, so that two never follow it at once. */
  followLease(runId: string): string {
    return `${this.prefix}:run:${runId}:lease`;
  }

  /** Hash of counters: what was enqueued, counted and dead-lettered, per source and pattern. */
  counts(runId: string): string {
    return `${this.prefix}:run:${runId}:counts`;
  }

  /** Hash: chunk id → `queued` | `done` | `dead` | `replaying`; the guard that makes counting idempotent. */
  chunkStates(runId: string): string {
    return `${this.prefix}:run:${runId}:chunks`;
  }

  /** Hash: chunk id → JSON of a dead-lettered chunk's range and reason. */
  deadLetters(runId: string): string {
    return `${this.prefix}:run:${runId}:dead`;
  }

  /** Hash: chunk id → how many times the chunk was dead-lettered (its dead-letter generation). */
  deadGenerations(runId: string): string {
    return `${this.prefix}:run:${runId}:generations`;
  }

  /** Hash: chunk id → lines the worker counted; kept for chunks read from shared storage, whose lines nobody counted before. */
  chunkLines(runId: string): string {
    return `${this.prefix}:run:${runId}:lines`;
  }

  /** Hash: chunk id → JSON of what its worker found beyond counts (windows, message templates), for runs that ask. */
  insight(runId: string): string {
    return `${this.prefix}:run:${runId}:insight`;
  }

  /**
   * Hash: a run's per-key table (`--by`): key (the JSON text of its values) → its counters
   * packed as `lines p0lines p0occurrences p1lines …` (space-separated). At most the run's
   * `maxKeys` fields (lua/includes/mergeGroups.lua says why every row is exact).
   */
  groups(runId: string): string {
    return `${this.prefix}:run:${runId}:groups`;
  }

  /** HyperLogLog of the keys that went to the `others` row (the table was full when they were first seen). */
  groupsOthers(runId: string): string {
    return `${this.prefix}:run:${runId}:groups:others`;
  }

  /**
   * The distinct values of `--count-distinct` field `field` (its index in the spec) among
   * a run's selected lines, each a SET while small and a HyperLogLog once past its bound:
   * `total` (all lines), `others` (the lines of keys in the `others` row), `counts` (a
   * hash: `t`, `o` and each key of the table → its count, `~` before an estimate), and
   * `perKey`, the prefix that a key's JSON text completes (the scripts build those names).
   */
  distinct(runId: string, field: number): { total: string; others: string; counts: string; perKey: string } {
    const base = `${this.prefix}:run:${runId}:distinct:${field}`;
    return { total: `${base}:t`, others: `${base}:o`, counts: `${base}:n`, perKey: `${base}:k:` };
  }

  /** Hash, in a join: partition → `round \t` its reduce's result (lua/recordJoinPartition-3.lua). */
  joinResults(runId: string): string {
    return `${this.prefix}:run:${runId}:join`;
  }

  /** In a join: the prefix that a partition's number completes, naming its LIST of pieces (one per chunk with events there). */
  joinPieces(runId: string): string {
    return `${this.prefix}:run:${runId}:join:`;
  }

  /**
   * Hash, in a followed join: chunk `<source>.<seq>` → `sides:time`, its newest time, as
   * recorded (recordResults-10.lua); `m:<source>` the same of the source's settled chunks,
   * folded into it by lua/startJoinTick-3.lua: the sides' watermarks; `s:<source>` its
   * sides, written by the coordinator before its first chunk.
   */
  joinMarks(runId: string): string {
    return `${this.prefix}:run:${runId}:join:marks`;
  }

  /**
   * Hash, in a followed join: partition → `tick \t open pieces \t` what its closed keys
   * gave (JSON, JoinTickState), as lua/applyJoinTick-3.lua last wrote it.
   */
  joinClosed(runId: string): string {
    return `${this.prefix}:run:${runId}:join:closed`;
  }

  /** Stream, in a followed join: left events that passed their tolerance unmatched, for the coordinator to log. */
  joinUnmatched(runId: string): string {
    return `${this.prefix}:run:${runId}:join:unmatched`;
  }

  /**
   * Hash: a run's crossings (`--notify-over`): key (its JSON text, as in `groups`) → JSON
   * of when and where its lines passed the threshold (lua/includes/keyCrossings.lua).
   */
  crossings(runId: string): string {
    return `${this.prefix}:run:${runId}:crossings`;
  }

  /** String: crossings recorded by every run under the prefix, for `logcluster_key_crossings_total`. */
  crossingCount(): string {
    return `${this.prefix}:crossings:count`;
  }

  /** Hash: `<run>|<pattern>|<window start>` of every spike recorded, so that each is counted once. */
  spikesSeen(): string {
    return `${this.prefix}:spikes:seen`;
  }

  /** Hash: pattern → spikes recorded, for `logcluster_spikes_total`. */
  spikeCounts(): string {
    return `${this.prefix}:spikes:counts`;
  }

  /** Pub/sub channel announcing that a chunk of the run was settled. */
  runEvents(runId: string): string {
    return `${this.prefix}:run:${runId}:events`;
  }

  /**
   * String: the bytes of chunks `first`…`last` of a source end to end, stored in one
   * piece (a job's chunks); deleted once all of them are counted, kept for the
   * dead-letter retention while any of them is dead-lettered. A lone chunk's pack is
   * named by its own id.
   */
  chunkPack(runId: string, source: number, first: number, last: number): string {
    return `${this.prefix}:chunk:${runId}:${source}.${first}${last === first ? '' : `-${last}`}`;
  }
}
