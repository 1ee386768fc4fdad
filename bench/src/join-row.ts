import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import { type Measured, measure, median } from './measure.js';
import type { StructuredContext, StructuredRow } from './structured-rows.js';
import { writeNumberedLines } from './structured-logs.js';

/*
 * The join row: a gateway log and a service log of `keys` request ids each, joined by
 * `submit` on two worker processes with `--within 2s`: throughput over both files, and
 * Redis's peak memory over idle (every event is kept in Redis until the run completes).
 * The data is made so that its join has a plain reading: request i is on the left at
 * START + 10 i ms; on the right (unless i is a multiple of 20: left only) at that time
 * plus 250 ms of skew plus (37 i mod 4,000) ms, so it pairs exactly when that offset is
 * at most 2 s; and a twentieth of the right's ids are its own (right only).
 */

const START = Date.parse('2026-12-06T00:00:00Z');
const WITHIN_MS = 2_000;

const offsetOf = (i: number) => 250 + ((37 * i) % 4_000);
const onRight = (i: number) => i % 20 !== 0;

const id = (i: number) => `req-${i.toString(36).padStart(8, '0')}`;

/** The two files, kept in `dataDir` between runs. */
export async function writeJoinData(dataDir: string, keys: number): Promise<{ left: string; right: string }> {
  const left = join(dataDir, `logcluster-bench-join-${keys}-gateway.jsonl`);
  const right = join(dataDir, `logcluster-bench-join-${keys}-service.jsonl`);
  await writeNumberedLines(
    left,
    keys,
    (i) =>
      `{"ts":"${new Date(START + 10 * i).toISOString()}","request_id":"${id(i)}","status":${i % 7 === 0 ? 503 : 200},"path":"/api/orders"}\n`,
  );
  await writeNumberedLines(right, keys, (i) => {
    const key = onRight(i) ? id(i) : `own-${i}`;
    return `{"ts":"${new Date(START + 10 * i + offsetOf(i)).toISOString()}","request_id":"${key}","level":"error","msg":"query failed"}\n`;
  });
  return { left, right };
}

/** The join's figures from the way the data was made. */
export function plainJoin(keys: number): { pairs: number; leftUnmatched: number; rightUnmatched: number } {
  let pairs = 0;
  let leftUnmatched = 0;
  for (let i = 0; i < keys; i++) {
    if (onRight(i) && offsetOf(i) <= WITHIN_MS) pairs++;
    else leftUnmatched++;
  }
  return { pairs, leftUnmatched, rightUnmatched: keys - pairs };
}

export async function joinRow(context: StructuredContext, keys: number): Promise<StructuredRow> {
  const { left, right } = await writeJoinData(context.dataDir, keys);
  const bytes = (await stat(left)).size + (await stat(right)).size;
  const expected = plainJoin(keys);
  const runs: Measured[] = [];
  const peaks: number[] = [];
  for (let round = 0; round < context.rounds; round++) {
    await context.withCluster(2, async (url) => {
      const before = await context.redisMemory(url);
      const args = ['submit', '--json', '--redis', url, '--format', 'json', '--join-key', 'request_id'];
      const result = await measure(context.bin, [...args, '--within', '2s', '--left', left, '--right', right]);
      if (result.code !== 0) throw new Error(`join: exited ${result.code}: ${result.stderr}`);
      const join = (JSON.parse(result.stdout) as RunReport).join!;
      const got = {
        pairs: join.pairs,
        leftUnmatched: join.left.unmatchedEvents,
        rightUnmatched: join.right.unmatchedEvents,
      };
      if (JSON.stringify(got) !== JSON.stringify(expected))
        throw new Error(`join: ${JSON.stringify(got)}, the plain reading says ${JSON.stringify(expected)}`);
      runs.push(result);
      peaks.push((await context.redisMemory(url)).peak - before.used);
    });
  }
  const ms = median(runs.map((run) => run.ms));
  const row: StructuredRow = {
    name: `join: ${keys.toLocaleString('en')} keys a side, --within 2s, submit, 2 worker processes`,
    ms,
    bytes,
    mbps: bytes / 1e6 / (ms / 1000),
    vsGrep: null,
    eventsPerSecond: (2 * keys) / (ms / 1000),
    redisPeakBytes: Math.max(...peaks),
    pairs: expected.pairs,
  };
  process.stderr.write(
    `  ${row.name}: ${ms.toFixed(0)} ms, Redis peak ${(row.redisPeakBytes as number) / 2 ** 20} MiB over idle (${peaks.map((p) => (p / 2 ** 20).toFixed(1)).join(', ')})\n`,
  );
  return row;
}
