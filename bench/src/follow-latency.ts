import { spawn } from 'node:child_process';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { closeRedis, connectRedis, patternField } from '@logcluster/core';

export interface FollowLatency {
  /** Files followed at once (one: the file; more: a glob over them). */
  files: number;
  /** Over all files. */
  linesPerSecond: number;
  seconds: number;
  lines: number;
  /** Milliseconds from a batch's write to the moment its last line was counted. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  batches: number;
  /** The coordinator's CPU time over the writes' wall time (1 = one core busy). */
  coordinatorCpu: number;
}

/** How often the writer appends, ms: the rate is reached in batches this far apart. */
const BATCH_EVERY_MS = 10;
/** How often the counted lines are read from Redis, ms: latencies are this coarse. */
const POLL_EVERY_MS = 5;

/**
 * `submit --follow` on `files` files (one: the file; more: a glob over them) that each
 * grow at `linesPerSecond` for `seconds`: each batch of lines (written to every file) is
 * timed from its write to the moment the run's counters include its last line (every
 * line holds INFO, so the pattern's line count is the lines counted so far). The
 * coordinator's CPU time is read from /proc.
 */
export async function measureFollowLatency(
  bin: string,
  redisUrl: string,
  dir: string,
  linesPerSecond: number,
  seconds: number,
  files = 1,
): Promise<FollowLatency> {
  const paths = Array.from({ length: files }, (_, i) =>
    join(dir, files === 1 ? 'follow-bench.log' : `follow-bench-${String(i).padStart(3, '0')}.log`),
  );
  for (const path of paths) await writeFile(path, '');
  const target = files === 1 ? paths[0]! : join(dir, 'follow-bench-*.log');
  // The workers' prefix: the default one.
  const prefix = 'logcluster';
  const child = spawn(bin, ['submit', '--follow', '--json', '--redis', redisUrl, '-p', 'INFO', target], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const runId = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
      const found = /run (r-[0-9a-z-]+): following/.exec(stderr);
      if (found) resolve(found[1]!);
    });
    child.on('exit', () => reject(new Error(`submit --follow exited: ${stderr}`)));
  });
  const redis = await connectRedis(redisUrl, { connectionName: 'bench-follow' });
  const countsKey = `${prefix}:run:${runId}:counts`;
  const written: { at: number; total: number }[] = [];
  const latencies: number[] = [];
  let counted = 0;
  let next = 0;
  let writing = true;
  let total = 0;
  let writtenUntil = Number.POSITIVE_INFINITY;
  const poller = (async () => {
    while (writing || next < written.length) {
      if (performance.now() - writtenUntil > 60_000)
        throw new Error(
          `follow: ${written.length - next} batches not counted 60 s after the last write (${counted} of ${total} lines)`,
        );
      // Every line matches: the pattern's lines over all sources are the lines counted.
      const perSource = await redis.hmget(countsKey, ...paths.map((_, source) => patternField(source, 0, 'lines')));
      counted = perSource.reduce((sum, lines) => sum + Number(lines ?? 0), 0);
      const now = performance.now();
      while (next < written.length && written[next]!.total <= counted) latencies.push(now - written[next++]!.at);
      await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
    }
  })();
  const perBatch = Math.max(1, Math.round((linesPerSecond * BATCH_EVERY_MS) / 1000));
  const cpuBefore = await cpuSeconds(child.pid!);
  const start = performance.now();
  for (let batch = 0; performance.now() - start < seconds * 1000; batch++) {
    // Keep to the schedule: a late batch is written at once, not skipped.
    const due = start + batch * BATCH_EVERY_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    let text = '';
    for (let i = 0; i < perBatch; i++)
      text += `2026-11-27T10:00:00.000Z INFO request ${total + i} served in ${(total + i) % 997} ms\n`;
    await Promise.all(paths.map((path) => appendFile(path, text)));
    total += perBatch * files;
    written.push({ at: performance.now(), total });
  }
  const elapsed = (performance.now() - start) / 1000;
  const coordinatorCpu = ((await cpuSeconds(child.pid!)) - cpuBefore) / elapsed;
  writtenUntil = performance.now();
  writing = false;
  await poller;
  child.kill('SIGINT');
  await new Promise((resolve) => child.on('exit', resolve));
  await closeRedis(redis);
  for (const path of paths) await rm(path, { force: true });
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    files,
    linesPerSecond: total / elapsed,
    seconds: elapsed,
    lines: total,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted[sorted.length - 1]!,
    batches: sorted.length,
    coordinatorCpu,
  };
}

/** CPU time (user and system) a process has used, from /proc/<pid>/stat (clock ticks of 1/100 s). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime: fields 14 and 15 of the whole line, 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
