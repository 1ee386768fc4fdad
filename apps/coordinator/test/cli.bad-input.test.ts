import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK_QUEUE, type RunReport } from '@logcluster/core';
import {
  type TestRedis,
  clusterFlags,
  grepCounts,
  grepLineCount,
  runCli,
  startTestRedis,
  startWorker,
  syntheticLog,
  until,
} from '@logcluster/test-support';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let redis: TestRedis;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-bad-input-'));
  redis = await startTestRedis();
});

afterAll(async () => {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

async function analyze(file: string, args: string[] = []): Promise<RunReport> {
  const result = await runCli(['analyze', '--json', ...args, file]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as RunReport;
}

describe('bad input', () => {
  it('an unreadable file: exit 2, naming it, before anything starts', async () => {
    const file = join(dir, 'secret.log');
    await writeFile(file, 'ERROR\n');
    await chmod(file, 0o000);
    // root reads anything: run the CLI as nobody to see what a user sees.
    const asUser =
      process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];
    const result = spawnSync(
      asUser[0] ?? process.execPath,
      [...asUser.slice(1), ...(asUser.length ? [process.execPath] : []), 'bin/logcluster.js', 'analyze', file],
      {
        cwd: join(import.meta.dirname, '..'),
        encoding: 'utf8',
      },
    );
    expect(result.stderr).toMatch(/secret\.log: permission denied/);
    expect(result.status).toBe(2);
  });

  it('an empty file: completed, zero lines, zero chunks', async () => {
    const file = join(dir, 'empty.log');
    await writeFile(file, '');
    const report = await analyze(file);
    expect(report.status).toBe('completed');
    expect(report.totals).toMatchObject({
      bytes: 0,
      lines: 0,
      chunks: 0,
      matches: { ERROR: { lines: 0, occurrences: 0 } },
    });
  });

  it('a binary file: counted like grep -c -a', async () => {
    const file = join(dir, 'core.bin');
    const bytes = Buffer.alloc(3 * 1024 * 1024);
    let state = 7;
    for (let i = 0; i < bytes.length; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      bytes[i] = state >>> 24;
    }
    for (let at = 1000; at < bytes.length - 10; at += 7919) bytes.write('ERROR', at);
    await writeFile(file, bytes);
    const report = await analyze(file, ['--chunk-size', '64KiB']);
    expect(report.totals.lines).toBe(grepLineCount(file));
    expect(report.totals.matches.ERROR).toEqual(grepCounts(file, { pattern: 'ERROR' }));
  });

  it('invalid UTF-8: literals, -i and regexes still agree with grep', async () => {
    const file = join(dir, 'mojibake.log');
    const chunks: Buffer[] = [];
    for (let i = 0; i < 5000; i++) {
      chunks.push(
        Buffer.from(`line ${i} `),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from(i % 3 ? ' ERROR error\n' : ' Error \xe9t\xe9 ERRORERROR\n', 'latin1'),
      );
    }
    await writeFile(file, Buffer.concat(chunks));
    expect((await analyze(file, ['--chunk-size', '16KiB'])).totals.matches.ERROR).toEqual(
      grepCounts(file, { pattern: 'ERROR' }),
    );
    expect((await analyze(file, ['--chunk-size', '16KiB', '-i', '-p', 'error'])).totals.matches.error).toEqual(
      grepCounts(file, { pattern: 'error', ignoreCase: true }),
    );
    expect((await analyze(file, ['--chunk-size', '16KiB', '-E', '-p', '(ERR)+OR'])).totals.matches['(ERR)+OR']).toEqual(
      grepCounts(file, { pattern: '(ERR)+OR', regex: true }),
    );
  });

  it('a 100 MB line without a newline: one chunk of its own, counted exactly', async () => {
    const file = join(dir, 'one-long-line.log');
    const long = Buffer.alloc(100 * 1024 * 1024, 'a');
    for (let at = 12345; at < long.length - 5; at += 1_000_003) long.write('ERROR', at);
    await writeFile(file, Buffer.concat([Buffer.from('ERROR before\nshort\n'), long]));
    const report = await analyze(file);
    expect(report.totals.lines).toBe(grepLineCount(file));
    expect(report.totals.lines).toBe(3);
    expect(report.totals.matches.ERROR).toEqual(grepCounts(file, { pattern: 'ERROR' }));
    expect(report.totals.chunks).toBe(2);
  });

  it('a line longer than --max-line-size: exit 2, naming the line', async () => {
    const file = join(dir, 'too-long.log');
    await writeFile(file, `ok\n${'z'.repeat(3 * 1024 * 1024)}\n`);
    const result = await runCli(['analyze', '--max-line-size', '1MiB', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /too-long\.log: line 2 \(at byte 3\) is longer than the maximum line size of 1\.0 MiB/,
    );
  });

  it('an invalid regex, a missing file or a bad option: exit 2 with nothing enqueued', async () => {
    const good = join(dir, 'good.log');
    await writeFile(good, 'ERROR\n');
    const prefix = 't-nothing-enqueued';
    for (const args of [
      ['-E', '-p', '(unclosed', good],
      [good, join(dir, 'nope.log')],
      ['--chunk-size', '0', good],
      ['--attempts', 'many', good],
      [dir],
    ]) {
      const result = await runCli(['submit', ...clusterFlags(redis.url, prefix), ...args]);
      expect(result.code, args.join(' ')).toBe(2);
    }
    expect(await redis.client().keys(`${prefix}:*`)).toEqual([]);
  });

  it('malformed job data written straight into Redis: dead-lettered, and the worker goes on', async () => {
    const prefix = 't-malformed';
    const worker = await startWorker(redis.url, prefix, 'sturdy');
    const queue = new Queue(CHUNK_QUEUE, { connection: redis.client(), prefix });
    await queue.add('chunk', { hello: 'world' }, { jobId: 'junk-1' });
    await queue.add('chunk', { v: 1, runId: 'r-1-1', bytes: [69, 82, 82, 79, 82] }, { jobId: 'junk-2' });
    const entries = await until('both jobs dead-lettered', async () => {
      const listed = await runCli(['dlq', 'list', ...clusterFlags(redis.url, prefix), '--json']);
      const entries = JSON.parse(listed.stdout) as { id: string; state: string; reason: string }[];
      return entries.length >= 2 && entries;
    });
    await queue.close();
    expect(entries.map((e) => [e.id, e.state])).toEqual([
      ['invalid.junk-1', 'invalid-job'],
      ['invalid.junk-2', 'invalid-job'],
    ]);
    expect(entries[0]!.reason).toMatch(/^INVALID_JOB: invalid chunk job data/);
    // Still alive, and still counting.
    const file = join(dir, 'after-junk.log');
    await writeFile(file, syntheticLog({ lines: 500, seed: 3 }));
    const result = await runCli(['submit', ...clusterFlags(redis.url, prefix), '--json', file]);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as RunReport).totals.matches.ERROR).toEqual(
      grepCounts(file, { pattern: 'ERROR' }),
    );
    expect(worker.child.exitCode).toBeNull();
    await worker.stop();
  });

  it('a wrong Redis password: exit 1 at once, saying so', async () => {
    const guarded = await startTestRedis({ args: ['--requirepass', 's3cret'] });
    try {
      const socket = guarded.url.slice('unix://'.length);
      for (const url of [`unix://${socket}?password=wrong`, guarded.url]) {
        const started = Date.now();
        const result = await runCli(['runs', '--redis', url]);
        expect(result.code, url).toBe(1);
        expect(result.stderr).toMatch(/refused the credentials/);
        expect(result.stderr).not.toContain('wrong');
        expect(Date.now() - started).toBeLessThan(5_000);
      }
      const ok = await runCli(['runs', '--redis', `unix://${socket}?password=s3cret`]);
      expect(ok.code).toBe(0);
    } finally {
      await guarded.stop();
    }
  });
});
