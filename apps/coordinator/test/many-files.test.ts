import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK_QUEUE, InputError, MAX_CHUNKS_PER_JOB, type RunReport } from '@logcluster/core';
import { type TestRedis, clusterFlags, runCli, startTestRedis, startWorker } from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectReportOfTree, startUnderLimit, writeFileTree } from './many-files-tree.js';
import { openInputs } from '../src/inputs.js';

/*
 * Runs of many files: each file is opened while it is read, not all at once, so that a
 * run of more files than the process may have open works; and small files that workers
 * read themselves travel several to a job.
 */

const FILES = 3_000;
/** The open-file limit the runs get: far fewer than the files. */
const OPEN_FILES_LIMIT = 256;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-many-'));
  // In 30 directories of 100, so that -r walks a tree.
  writeFileTree(dir, FILES / 100, 100);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `logcluster <args>` with at most `OPEN_FILES_LIMIT` files open (ulimit -n). */
function runLimited(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return startUnderLimit(args, { cwd: dir, limit: OPEN_FILES_LIMIT }).done;
}

describe(`a run of ${FILES} files with at most ${OPEN_FILES_LIMIT} open files`, () => {
  it('counts every file exactly, each as a source of its own', async () => {
    const { code, stdout, stderr } = await runLimited(['analyze', '-r', '--json', 'logs']);
    expect(code, stderr).toBe(0);
    expectReportOfTree(JSON.parse(stdout) as RunReport, FILES);
  });

  it('prints a table of the top sources and the rest in one row', async () => {
    const { code, stdout, stderr } = await runLimited(['analyze', '-r', 'logs']);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^\(2980 more sources\) +\d+ +ERROR +\d+ +\d+$/m);
    expect(stdout).toContain('(the 20 sources with the most matching lines; --json and --format csv list all 3000)');
    // Those with 4 ERROR lines (i % 5 === 4) and the most lines (i % 4 === 3) come first.
    const listed = [...stdout.matchAll(/^logs\/d\d+\/f(\d+)\.log +(\d+) +ERROR +(\d+)/gm)];
    expect(listed).toHaveLength(20);
    for (const [, i] of listed) expect([Number(i) % 5, Number(i) % 4]).toEqual([4, 3]);
  });
});

describe('small files that workers read themselves', () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await startTestRedis();
  });

  afterAll(async () => {
    await redis.stop();
  });

  it(`travel up to ${MAX_CHUNKS_PER_JOB} to a job, over file boundaries, and are counted exactly`, async () => {
    const prefix = 't-many-files';
    const worker = await startWorker(redis.url, prefix, 'many-1', ['--shared-root', dir]);
    try {
      const result = await runCli(
        ['submit', ...clusterFlags(redis.url, prefix), '--shared-root', dir, '-r', '--json', 'logs'],
        { cwd: dir },
      );
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as RunReport;
      expect(report.sources).toHaveLength(FILES);
      const errors = report.sources.reduce(
        (sum, source) => sum + (Number(/f(\d+)\.log$/.exec(source.name)![1]) % 5),
        0,
      );
      expect(report.totals.matches.ERROR).toEqual({ lines: errors, occurrences: errors });
    } finally {
      await worker.stop();
    }
    // The jobs BullMQ was given, from its event stream: one per 64 files, not one per file.
    const client = redis.client();
    const events = await client.xrange(`${prefix}:${CHUNK_QUEUE}:events`, '-', '+');
    const added: string[] = [];
    for (const [, fields] of events) {
      const event = new Map<string, string>();
      for (let k = 0; k + 1 < fields.length; k += 2) event.set(fields[k]!, fields[k + 1]!);
      if (event.get('event') === 'added') added.push(event.get('jobId')!);
    }
    expect(added).toHaveLength(Math.ceil(FILES / MAX_CHUNKS_PER_JOB));
    // Their ids name the first and last chunk, each with its source.
    expect(added[0]).toMatch(/^r-[\w-]+\.0\.0-63\.0$/);
  });
});

describe('a file checked at the start and read later', () => {
  it('is read when it grew in between, and refused, saying so, when it was truncated or replaced', async () => {
    const file = join(dir, 'changing.log');
    await writeFile(file, 'ERROR one\n');
    const [grown] = await openInputs([file]);
    await writeFile(file, 'ERROR one\nERROR two\n');
    expect((await readAll(grown!)).toString()).toBe('ERROR one\nERROR two\n');

    const [truncated] = await openInputs([file]);
    await writeFile(file, 'ERROR\n');
    await expect(readAll(truncated!)).rejects.toThrow(InputError);
    await expect(readAll(truncated!)).rejects.toThrow(`${file}: truncated from 20 to 6 bytes since the run started`);

    const [replaced] = await openInputs([file]);
    await writeFile(`${file}.new`, 'ERROR one\nERROR 2!\n');
    await rename(`${file}.new`, file);
    await expect(readAll(replaced!)).rejects.toThrow(`${file}: replaced by another file since the run started`);
    expect(await replaced!.readRange(0, 5).catch((err: unknown) => err)).toBeInstanceOf(InputError);
  });
});

async function readAll(input: { read: () => AsyncIterable<Buffer> }): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of input.read()) parts.push(part);
  return Buffer.concat(parts);
}
