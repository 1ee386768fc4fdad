import { type JoinEventPlace, type RunJoinSpec, offsetBounds } from '../contract/join-spec.js';
import { addJoinResults, emptyJoinResult } from '../joins/partition-join.js';
import type { StoredJoin } from './join-recording.js';
import type { JoinEventRef, JoinReport, JoinSideReport } from './report.js';

/*
 * The report's `join`: the partitions' results of the current round summed, their
 * examples' lines made absolute as the rejects' are (the chunk's own first line, or one
 * worked out from the chunks before it).
 */

export function assembleJoin(
  spec: RunJoinSpec,
  stored: StoredJoin,
  sources: readonly string[],
  startOf: (source: number, seq: number) => number | null,
): JoinReport {
  const total = emptyJoinResult(spec.withinMs);
  for (const result of stored.results) addJoinResults(total, result);
  const bounds = offsetBounds(spec.withinMs);
  const place = (event: JoinEventPlace & { time: number | null }): JoinEventRef => {
    const first = event.firstLine ?? startOf(event.source, event.seq);
    return {
      source: sources[event.source] ?? String(event.source),
      line: first === null ? null : first - 1 + event.line,
      time: event.time === null ? null : new Date(event.time).toISOString(),
    };
  };
  const side = (figures: typeof total.left): JoinSideReport => ({
    events: figures.events,
    matchedEvents: figures.matchedEvents,
    unmatchedEvents: figures.events - figures.matchedEvents,
    keys: figures.keys,
    unmatchedKeys: figures.unmatchedKeys,
  });
  const keyOf = (text: string) => JSON.parse(text) as string;
  return {
    key: [spec.left.key, spec.right.key],
    within: spec.within ?? null,
    left: side(total.left),
    right: side(total.right),
    matchedKeys: total.matchedKeys,
    pairs: total.pairs,
    offsets: total.offsets.map((pairs, k) => ({ upToMs: bounds[k] ?? null, pairs })),
    ...(spec.withinMs === undefined ? { untimedPairs: total.untimedPairs } : {}),
    examples: {
      matched: total.examples.matched.map((example) => ({
        key: keyOf(example.key),
        offsetMs: example.offsetMs,
        left: place(example.left),
        right: place(example.right),
      })),
      leftOnly: total.examples.leftOnly.map((example) => ({
        key: keyOf(example.key),
        events: example.events,
        first: place(example.first),
      })),
      rightOnly: total.examples.rightOnly.map((example) => ({
        key: keyOf(example.key),
        events: example.events,
        first: place(example.first),
      })),
    },
    partitions: {
      total: stored.partitions,
      reduced: stored.results.length + stored.dead.length,
      deadLettered: stored.dead.length,
    },
    ...(spec.latenessMs !== undefined
      ? { lateness: spec.lateness ?? `${spec.latenessMs}ms`, late: total.late ?? { left: 0, right: 0 } }
      : {}),
  };
}
