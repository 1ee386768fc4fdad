import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunProgress } from '@logcluster/core';
import { type TestRedis, clusterFlags, runCli, startTestRedis } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PREFIX = 't-runs';
let dir: string;
let redis: TestRedis;
let files: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-runs-'));
  files = ['a.log', 'b.log', 'c d.log', 'e.log', 'f.log'].map((name) => join(dir, name));
  for (const file of files) await writeFile(file, 'ERROR one\nWARN two\n');
  redis = await startTestRedis();
});

afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Submits without a worker: the run stays running, which is all `runs` needs. */
async function detached(args: string[]): Promise<string> {
  const result = await runCli(['submit', ...clusterFlags(redis.url, PREFIX), '--detach', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout.trim();
}

describe('logcluster runs', () => {
  it("shows each run's patterns and its first three sources, then how many more", async () => {
    const many = await detached(['-p', 'ERROR', '-p', 'timed out', ...files]);
    const one = await detached(['-i', '-p', 'warn', files[0]!]);

    const result = await runCli(['runs', ...clusterFlags(redis.url, PREFIX)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RUN +STATUS +STARTED +DURATION +CHUNKS +PATTERNS +SOURCES$/);
    // Newest first.
    expect(lines[1]).toMatch(new RegExp(`^${one} +running +\\S+ +.+ +0/1 +warn \\(-i\\) +${files[0]}$`));
    expect(lines[2]).toMatch(
      new RegExp(
        `^${many} +running +\\S+ +.+ +0/5 +ERROR, "timed out" +${files[0]}, ${files[1]}, "${files[2]}" \\+2 more$`,
      ),
    );
    expect(lines).toHaveLength(3);
  });

  it('--json gives every run its patterns and all its sources', async () => {
    const result = await runCli(['runs', ...clusterFlags(redis.url, PREFIX), '--json']);
    expect(result.code).toBe(0);
    const runs = JSON.parse(result.stdout) as RunProgress[];
    expect(runs.map((run) => run.patterns)).toEqual([
      [{ pattern: 'warn', regex: false, ignoreCase: true }],
      [
        { pattern: 'ERROR', regex: false, ignoreCase: false },
        { pattern: 'timed out', regex: false, ignoreCase: false },
      ],
    ]);
    expect(runs.map((run) => run.sources)).toEqual([[files[0]], files]);

    const status = await runCli(['status', ...clusterFlags(redis.url, PREFIX), '--json', runs[1]!.runId]);
    expect((JSON.parse(status.stdout) as RunProgress).patterns).toEqual(runs[1]!.patterns);
  });
});
