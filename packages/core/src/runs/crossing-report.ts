import type { StoredDeadRange } from '../contract/dead-range.js';
import { checkTransaction } from '../redis/redis-errors.js';
import { chunkStarts } from './chunk-starts.js';
import type { CrossingReport } from './report.js';
import { type RunDefinition, withAddedSources } from './run-definition.js';
import type { RunStoreContext } from './run-store-context.js';

/*
 * The crossings of `--notify-over`, from the run's crossings hash (key → what
 * lua/includes/keyCrossings.lua stored), with each line made absolute as the rejects'
 * examples are: the chunk's own first line, or one worked out from the chunks before it.
 */

/** What the crossings hash holds per key. */
interface StoredCrossing {
  count: number;
  at: number;
  source: number;
  seq: number;
  firstLine: number | null;
  line: number | null;
}

/** `crossings`, sorted by `at` then key (its JSON text, by code unit: the same order everywhere). */
export function assembleCrossings(
  stored: Record<string, string>,
  sources: readonly string[],
  startOf: (source: number, seq: number) => number | null,
): CrossingReport[] {
  return Object.entries(stored)
    .map(([text, json]) => ({ text, crossing: JSON.parse(json) as StoredCrossing }))
    .sort((a, b) => a.crossing.at - b.crossing.at || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
    .map(({ text, crossing: { count, at, source, seq, firstLine, line } }) => {
      const first = firstLine ?? (line === null ? null : startOf(source, seq));
      return {
        key: JSON.parse(text) as (string | null)[],
        count,
        at: new Date(at).toISOString(),
        source: sources[source] ?? String(source),
        line: first === null || line === null ? null : first - 1 + line,
      };
    });
}

/** Whether any crossing needs the chunks before it to place its line. */
export function needsChunkStarts(stored: Record<string, string>): boolean {
  return Object.values(stored).some((json) => (JSON.parse(json) as StoredCrossing).firstLine === null);
}

/**
 * A run's crossings alone (what a followed run announces as they come), without reading
 * the rest of its report; [] for a run without any (or no such run).
 */
export async function readCrossings({ redis, keys }: RunStoreContext, runId: string): Promise<CrossingReport[]> {
  const [stored, definition, added] = checkTransaction(
    await redis
      .multi()
      .hgetall(keys.crossings(runId))
      .hget(keys.run(runId), 'definition')
      .hgetall(keys.sources(runId))
      .exec(),
  ) as [Record<string, string>, string | null, Record<string, string>];
  if (Object.keys(stored).length === 0 || definition === null) return [];
  const { sources } = withAddedSources(JSON.parse(definition) as RunDefinition, added);
  if (!needsChunkStarts(stored)) return assembleCrossings(stored, sources, () => null);
  const [lines, dead] = checkTransaction(
    await redis.multi().hgetall(keys.chunkLines(runId)).hgetall(keys.deadLetters(runId)).exec(),
  ) as [Record<string, string>, Record<string, string>];
  const deadLines = new Map(
    Object.values(dead).map((json) => {
      const range = JSON.parse(json) as StoredDeadRange;
      return [`${range.source}.${range.seq}`, range.lineCount] as const;
    }),
  );
  const startOf = chunkStarts(lines, (source, seq) => deadLines.get(`${source}.${seq}`) ?? null);
  return assembleCrossings(stored, sources, startOf);
}
