import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectReportOfTree, startUnderLimit, writeFileTree } from './many-files-tree.js';

/*
 * The figure: 100,000 small files in one run, under an open-file limit far below
 * that, without running out of memory: exact per file, with the coordinator's peak RSS
 * (VmHWM, read from /proc while it runs) under a bound (measured: 756 MiB).
 */

const DIRECTORIES = 1_000;
const PER_DIRECTORY = 100;
const FILES = DIRECTORIES * PER_DIRECTORY;
const OPEN_FILES_LIMIT = 1_024;
/** A third above what was measured (756 MiB), and under the 1.1 GB that the same run took before. */
const PEAK_RSS_BOUND = 1024 * 1024 * 1024;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-100k-'));
  writeFileTree(dir, DIRECTORIES, PER_DIRECTORY);
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`a run of ${FILES.toLocaleString('en')} files`, () => {
  it(`under ulimit -n ${OPEN_FILES_LIMIT}: exact per file, and the coordinator's peak RSS under ${PEAK_RSS_BOUND / 1024 / 1024} MiB`, async () => {
    const run = startUnderLimit(['analyze', '-r', '--json', 'logs'], { cwd: dir, limit: OPEN_FILES_LIMIT });
    // The process's own high-water mark, read until it exits (bash execs into node: same pid).
    let peakKb = 0;
    const look = setInterval(() => {
      readFile(`/proc/${run.pid}/status`, 'utf8')
        .then((status) => {
          peakKb = Math.max(peakKb, Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0));
        })
        .catch(() => {});
    }, 100);
    const { code, stdout, stderr } = await run.done;
    clearInterval(look);
    expect(code, stderr).toBe(0);
    expectReportOfTree(JSON.parse(stdout) as RunReport, FILES);
    console.log(`${FILES} files: peak RSS ${Math.round(peakKb / 1024)} MiB`);
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb * 1024).toBeLessThan(PEAK_RSS_BOUND);
  }, 300_000);
});
