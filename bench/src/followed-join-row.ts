import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunReport, connectRedis } from '@logcluster/core';
import { plainJoin, writeJoinData } from './join-row.js';
import type { StructuredContext, StructuredRow } from './structured-rows.js';

/*
 * The followed join row: the join row's data (`keys` request ids a side) written into
 * two files a slice at a time while `submit --follow` follows them on two worker
 * processes. Keys are joined and dropped as the sides' watermarks pass them, so the
 * join's state in Redis (its partitions' lists, marks and closed results) stays at the
 * recent events, where a run that reads its sides to the end keeps every event until it
 * completes. Measured: the join state's largest size (sampled after each slice, MEMORY
 * USAGE of its keys), Redis's peak over idle, and the time to the report, whose figures
 * must equal the plain reading.
 */

const SLICES = 100;
/** A slice every this many ms: the writes take 15 s, slower than the pipeline reads 2M lines, so that it keeps up. */
const SLICE_EVERY_MS = 150;

export async function followedJoinRow(context: StructuredContext, keys: number): Promise<StructuredRow> {
  const data = await writeJoinData(context.dataDir, keys);
  const bytes = (await stat(data.left)).size + (await stat(data.right)).size;
  const expected = plainJoin(keys);
  const dir = await mkdtemp(join(context.dataDir, 'logcluster-bench-followed-join-'));
  try {
    return await context.withCluster(2, async (url) => {
      const left = join(dir, 'gateway.jsonl');
      const right = join(dir, 'service.jsonl');
      await writeFile(left, '');
      await writeFile(right, '');
      const before = await context.redisMemory(url);
      const started = performance.now();
      const child = spawn(
        context.bin,
        [
          ...['submit', '--follow', '--flush-interval', '100', '--json', '--redis', url, '--format', 'json'],
          ...['--join-key', 'request_id', '--within', '2s', '--left', left, '--right', right],
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const runId = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const found = /run (r-[0-9a-z-]+): following/.exec(stderr);
          if (found) resolve(found[1]!);
        });
        void exited.then((code) => reject(new Error(`followed join: exited ${code}: ${stderr}`)));
      });
      const client = await connectRedis(url, { connectionName: 'bench' });
      let statePeak = 0;
      /** The join state's largest size in each quarter of the slices: flat if it does not grow with the run. */
      const quarters = [0, 0, 0, 0];
      try {
        const joinState = async () => {
          let total = 0;
          for (const key of await client.keys(`logcluster:run:${runId}:join*`))
            total += Number((await client.memory('USAGE', key)) ?? 0);
          return total;
        };
        const sources = [await open(data.left), await open(data.right)];
        const sizes = [(await stat(data.left)).size, (await stat(data.right)).size];
        const offsets = [0, 0];
        for (let slice = 1; slice <= SLICES; slice++) {
          const due = started + slice * SLICE_EVERY_MS;
          if (performance.now() < due) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
          for (const [side, target] of [left, right].entries()) {
            // Up to the slice's share of the file, to the end of its line.
            const end = slice === SLICES ? sizes[side]! : Math.floor((sizes[side]! * slice) / SLICES);
            const length = end - offsets[side]!;
            const buffer = Buffer.alloc(length + 512);
            const { bytesRead } = await sources[side]!.read(buffer, 0, buffer.length, offsets[side]);
            const cut = slice === SLICES ? bytesRead : buffer.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
            await appendFile(target, buffer.subarray(0, cut));
            offsets[side]! += cut;
          }
          const state = await joinState();
          statePeak = Math.max(statePeak, state);
          const quarter = Math.min(3, Math.floor(((slice - 1) * 4) / SLICES));
          quarters[quarter] = Math.max(quarters[quarter]!, state);
        }
        await Promise.all(sources.map((file) => file.close()));
        // The followed run has read it all once the settled bytes are all of it.
        for (;;) {
          const settled = Number((await client.hget(`logcluster:run:${runId}:counts`, 'settledBytes')) ?? 0);
          statePeak = Math.max(statePeak, await joinState());
          if (settled >= bytes) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      } finally {
        client.disconnect();
      }
      child.kill('SIGINT');
      const code = await exited;
      const ms = performance.now() - started;
      if (code !== 0) throw new Error(`followed join: exited ${code}: ${stderr}`);
      const report = (JSON.parse(stdout) as RunReport).join!;
      const got = {
        pairs: report.pairs,
        leftUnmatched: report.left.unmatchedEvents,
        rightUnmatched: report.right.unmatchedEvents,
      };
      if (JSON.stringify(got) !== JSON.stringify(expected))
        throw new Error(`followed join: ${JSON.stringify(got)}, the plain reading says ${JSON.stringify(expected)}`);
      const peak = (await context.redisMemory(url)).peak - before.used;
      const row: StructuredRow = {
        name: `followed join: ${keys.toLocaleString('en')} keys a side written in ${SLICES} slices over ${(SLICES * SLICE_EVERY_MS) / 1000} s, --within 2s, submit --follow, 2 worker processes`,
        ms,
        bytes,
        mbps: bytes / 1e6 / (ms / 1000),
        vsGrep: null,
        joinStatePeakBytes: statePeak,
        joinStatePeakByQuarter: quarters,
        redisPeakBytes: peak,
        late: report.late,
        pairs: expected.pairs,
      };
      process.stderr.write(
        `  ${row.name}: ${ms.toFixed(0)} ms, join state at most ${(statePeak / 2 ** 20).toFixed(1)} MiB (by quarter of the writes: ${quarters.map((q) => (q / 2 ** 20).toFixed(1)).join(', ')} MiB), Redis peak ${(peak / 2 ** 20).toFixed(1)} MiB over idle\n`,
      );
      return row;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
