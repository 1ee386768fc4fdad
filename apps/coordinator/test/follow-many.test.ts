import { appendFile, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import { clusterFlags, reportOf, startFollow, until } from '@logcluster/test-support';
import { describe, expect, it } from 'vitest';
import { followCluster } from './follow-cluster.js';

/*
 * `submit --follow` of a glob over 1,000 files at once, under an open-file limit far
 * below that (and --max-open-files below it): files written to, new files picked up as
 * they appear, files rotated by rename (the glob matches the rotated names too, which
 * must not be read twice) and deleted; the report's totals and every source's equal what
 * was written.
 */

const PREFIX = 't-follow-many';
const FILES = 1_000;
const cluster = followCluster(PREFIX, 'follow-many');

/** What was written, per source name (a rotated file's lines count under the path it was followed by). */
class Written {
  readonly lines = new Map<string, number>();
  readonly errors = new Map<string, number>();
  private serial = 0;

  /** `n` lines for the source `name`, every third an ERROR. */
  text(name: string, n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) {
      const error = this.serial++ % 3 === 0;
      out += `2026-12-06T10:00:00Z ${error ? 'ERROR' : 'INFO'} ${name} line ${i}\n`;
      if (error) this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
    }
    this.lines.set(name, (this.lines.get(name) ?? 0) + n);
    return out;
  }

  get total(): number {
    return [...this.lines.values()].reduce((a, b) => a + b, 0);
  }
}

/** A new directory under the test's. */
async function subdir(name: string): Promise<string> {
  const path = join(cluster.dir, name);
  await mkdir(path);
  return path;
}

/**
 * Follows `${dir}/*` (`extra` flags, `openFilesLimit` as ulimit -n) through appends, new
 * files, rotations by rename and, with `deletes`, deleted files; checks the report
 * against what was written, and gives how long the new files took to be counted.
 */
async function followScenario(
  dir: string,
  extra: string[],
  openFilesLimit: number,
  deletes: boolean,
): Promise<{ pickedUpMs: number }> {
  const fileName = (i: number) => join(dir, `svc-${String(i).padStart(4, '0')}.log`);
  const written = new Written();
  for (let i = 0; i < FILES; i++) await writeFile(fileName(i), written.text(fileName(i), 2));
  const follower = startFollow(
    clusterFlags(cluster.redis.url, PREFIX),
    `${dir}/*`,
    ['--flush-interval', '50', ...extra],
    {
      openFilesLimit,
    },
  );
  const runId = await follower.runId;
  const counted = async (what: string): Promise<RunReport> => {
    const total = written.total;
    let now = 0;
    return until(
      () => `${what}: ${total} lines counted (${now} so far)\n${follower.stderr()}`,
      async () => {
        const { report } = await reportOf(cluster.redis.url, PREFIX, runId);
        now = report.totals.lines;
        return now === total && report.totals.chunksDone === report.totals.chunks && report;
      },
      { timeoutMs: 60_000, everyMs: 200 },
    );
  };
  await counted('the files as they were');

  // Appends to a third of them.
  for (let i = 0; i < FILES; i += 3) await appendFile(fileName(i), written.text(fileName(i), 3));
  await counted('the appends');

  // New files: each is a source of its own.
  const appeared = Date.now();
  const fresh = Array.from({ length: 20 }, (_, k) => join(dir, `new-${k}.log`));
  for (const path of fresh) await writeFile(path, written.text(path, 5));
  const report = await counted('the new files');
  const pickedUpMs = Date.now() - appeared;
  expect(report.sources.map((source) => source.name)).toEqual(expect.arrayContaining(fresh));
  // Within a second or so (a look every 250 ms, a flush within 50 ms, polls of 200 ms here); generous for a loaded machine.
  expect(pickedUpMs).toBeLessThan(5_000);

  // Rotation by rename: the renamed file gets a last line, a new file takes the name.
  // `*` matches `svc-0001.log.1` too: it is the same file, not a new source.
  for (let i = 1; i < 50; i += 5) {
    const path = fileName(i);
    await rename(path, `${path}.1`);
    await appendFile(`${path}.1`, written.text(path, 1));
    await writeFile(path, written.text(path, 4));
  }
  await counted('the rotated files');

  if (deletes) {
    // Deleted right after a last line: finished once gone, every line counted.
    for (let i = 2; i < 50; i += 5) {
      await appendFile(fileName(i), written.text(fileName(i), 2));
      await unlink(fileName(i));
    }
    await counted('the deleted files');
    await until(
      'the deleted files finished',
      () => (follower.stderr().match(/is gone; its file was read to its end/g) ?? []).length >= 10,
      { timeoutMs: 30_000 },
    );
  }

  follower.child.kill('SIGINT');
  expect(await follower.exited, follower.stderr()).toBe(0);
  const final = JSON.parse(follower.stdout()) as RunReport;
  expect(final.status).toBe('completed');
  expect(final.totals.lines).toBe(written.total);
  const errors = [...written.errors.values()].reduce((a, b) => a + b, 0);
  expect(final.totals.matches.ERROR).toEqual({ lines: errors, occurrences: errors });
  // Every source once, with what was written under its name; no rotated copy counted again.
  const bySource = new Map(final.sources.map((source) => [source.name, source]));
  expect(final.sources).toHaveLength(FILES + fresh.length);
  for (const [name, lines] of written.lines) {
    expect(bySource.get(name)?.lines, name).toBe(lines);
    expect(bySource.get(name)?.matches.ERROR?.lines, name).toBe(written.errors.get(name) ?? 0);
  }
  expect(follower.stderr()).not.toMatch(/EMFILE|too many open files|is not read/i);
  return { pickedUpMs };
}

describe('submit --follow of a glob over 1,000 files', () => {
  it('holds every file open when it may: new, rotated and deleted files, exact per source', async () => {
    const { pickedUpMs } = await followScenario(await subdir('open'), ['--max-open-files', '1100'], 1_400, true);
    console.log(`follow of ${FILES} files: 20 new files counted ${pickedUpMs} ms after they were written`);
  }, 240_000);

  it('takes turns under --max-open-files 100 and ulimit -n 256: appends, new and rotated files, exact per source', async () => {
    const { pickedUpMs } = await followScenario(await subdir('capped'), ['--max-open-files', '100'], 256, false);
    console.log(
      `follow of ${FILES} files, 100 open at most: 20 new files counted ${pickedUpMs} ms after they were written`,
    );
  }, 240_000);
});
