import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunReport, formatBytes } from '@logcluster/core';
import {
  LOGCLUSTER_BIN,
  type TestRedis,
  cleanEnv,
  grepCounts,
  runCli,
  startTestRedis,
  syntheticLog,
} from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let file: string;
let redis: TestRedis;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-tty-'));
  file = join(dir, 'app.log');
  await writeFile(file, syntheticLog({ lines: 400_000, seed: 7 }));
  redis = await startTestRedis();
});

afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const CLEAR = '\r\u001b[K';

/**
 * Runs a shell command on a pseudo-terminal (script(1)) whose width it sets first with
 * stty, and returns what reached the terminal: stderr only, since the command sends
 * stdout to a file.
 */
function onTerminal(columns: number, command: string): { status: number | null; terminal: string } {
  const result = spawnSync('script', ['-qefc', `stty cols ${columns}; ${command}`, '/dev/null'], {
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, terminal: result.stdout };
}

/** Each drawing of the line: what follows a carriage return and erase-line, up to the next. */
function framesOf(terminal: string): string[] {
  return terminal.split(CLEAR).slice(1, -1);
}

const logcluster = `${process.execPath} ${LOGCLUSTER_BIN}`;
/**
 * The run is made to last seconds, with its bytes through Redis one 64 KiB chunk at a
 * time (read directly, files are counted too fast for that): the line is first drawn
 * 250 ms into the run.
 */
const SLOW = '--no-direct-read --chunk-size 64KiB --max-in-flight 64KiB --threads 1';

describe('progress', () => {
  it('is a bar on stderr when stderr is a terminal: percent of bytes, bytes, rate, ETA, chunks; cleared at the end', async () => {
    const out = join(dir, 'report.json');
    const { status, terminal } = onTerminal(100, `${logcluster} analyze --json ${SLOW} ${file} > ${out}`);
    expect(status).toBe(0);
    const frames = framesOf(terminal);
    expect(frames.length).toBeGreaterThan(0);
    const total = formatBytes(statSync(file).size);
    for (const frame of frames) {
      expect(frame.length).toBeLessThanOrEqual(99);
      expect(frame).toMatch(
        // The percent is right-aligned in 3 columns after two spaces: `]    5%`, `]   45%`, `]  100%`.
        new RegExp(
          `^\\[[=> ]+\\](    \\d|   \\d\\d|  100)%  \\d+(\\.\\d)? [KM]?i?B/${total}( {2}\\d+(\\.\\d)? [KM]?i?B/s)?  ETA (--|\\d+s|\\d+m\\d\\ds)  \\d+/\\d+ chunks$`,
        ),
      );
    }
    // The bar keeps its width as the figures change.
    expect(new Set(frames.map((frame) => frame.indexOf(']'))).size).toBe(1);
    // Cleared at the end: nothing follows the last erase.
    expect(terminal.endsWith(CLEAR)).toBe(true);
    const report = JSON.parse(await readFile(out, 'utf8')) as RunReport;
    expect(report.totals.matches.ERROR).toEqual(grepCounts(file, { pattern: 'ERROR' }));
  });

  it('without a known size (standard input): bytes counted, no percent; parts dropped whole to fit 40 columns', () => {
    const { status, terminal } = onTerminal(40, `${logcluster} analyze ${SLOW} - < ${file} > /dev/null`);
    expect(status).toBe(0);
    const frames = framesOf(terminal);
    expect(frames.length).toBeGreaterThan(0);
    for (const frame of frames) {
      expect(frame.length).toBeLessThanOrEqual(39);
      expect(frame).toMatch(/^\d+(\.\d)? [KM]?i?B( {2}\d+(\.\d)? [KM]?i?B\/s)?( {2}\d+\/\d+ chunks)?$/);
    }
    expect(terminal.endsWith(CLEAR)).toBe(true);
  });

  it('is fitted again when the terminal narrows, and cleared before a message', () => {
    // No worker: the run stays at 0 % until --wait-timeout ends the wait, 1.5 s after
    // the terminal went from 120 columns to 40 (stty changes it; the kernel sends SIGWINCH).
    const { status, terminal } = onTerminal(
      120,
      `(sleep 1.5; stty cols 40 < /dev/tty) & ${logcluster} submit --redis ${redis.url} --chunk-size 1MiB --wait-timeout 3s ${file} > /dev/null`,
    );
    expect(status).toBe(1);
    const frames = framesOf(terminal);
    const wide = frames.filter((frame) => frame.length > 39);
    const narrow = frames.filter((frame) => frame.length <= 39);
    expect(wide.length).toBeGreaterThan(0);
    expect(narrow.length).toBeGreaterThan(0);
    // Wide first, then narrow, never wide again.
    expect(frames.findLastIndex((frame) => frame.length > 39)).toBeLessThan(
      frames.findIndex((frame) => frame.length <= 39),
    );
    for (const frame of wide)
      expect(frame).toMatch(
        new RegExp(
          `^\\[> +\\]    0%  0 B/${formatBytes(statSync(file).size)}(  0 B/s)?  ETA --  0/\\d+ chunks  run r-\\S+$`,
        ),
      );
    for (const frame of narrow) expect(frame).toMatch(/^\[> +\] {4}0% {2}ETA --$/);
    expect(terminal.split(CLEAR).at(-1)).toMatch(/^logcluster: run r-\S+ has not ended within 3s: /);
  });

  it('is not written when stderr is not a terminal', async () => {
    const result = await runCli(['analyze', '--chunk-size', '64KiB', file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});
