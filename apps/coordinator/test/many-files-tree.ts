import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import { LOGCLUSTER_BIN, cleanEnv } from '@logcluster/test-support';
import { expect } from 'vitest';

/** What the many-files tests' file i holds: i % 5 ERROR lines among 3 + i % 4 others. */
export function content(i: number): string {
  const lines: string[] = [];
  for (let n = 0; n < i % 5; n++) lines.push(`2026-12-06 ERROR request ${i}.${n} failed`);
  for (let n = 0; n < 3 + (i % 4); n++) lines.push(`2026-12-06 INFO request ${i}.${n} ok`);
  return `${lines.join('\n')}\n`;
}

/**
 * Writes `directories` × `perDirectory` files under `<root>/logs`, so that -r walks a tree:
 * `logs/d<d>/f<i>.log` holding `content(i)`, the numbers padded to one width. Synchronous:
 * 100,000 files are made in seconds, where a promise per file took 18 s on a busy machine.
 */
export function writeFileTree(root: string, directories: number, perDirectory: number): void {
  const dWidth = String(directories - 1).length;
  const fWidth = String(directories * perDirectory - 1).length;
  for (let d = 0; d < directories; d++) {
    const directory = join(root, 'logs', `d${String(d).padStart(dWidth, '0')}`);
    mkdirSync(directory, { recursive: true });
    for (let k = 0; k < perDirectory; k++) {
      const i = d * perDirectory + k;
      writeFileSync(join(directory, `f${String(i).padStart(fWidth, '0')}.log`), content(i));
    }
  }
}

/** `logcluster <args>` in `cwd` with at most `limit` files open (ulimit -n); its pid (bash execs into it) and its end. */
export function startUnderLimit(
  args: string[],
  { cwd, limit }: { cwd: string; limit: number },
): { pid: number; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const quoted = [process.execPath, LOGCLUSTER_BIN, ...args].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('bash', ['-c', `ulimit -n ${limit} && exec ${quoted}`], {
    cwd,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => stdout.push(data));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString('utf8')));
  return {
    pid: child.pid!,
    done: new Promise((resolve) =>
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr })),
    ),
  };
}

/** Checks `analyze -r --json` of the tree: a completed run, every file a source with its exact counts, totals their sums. */
export function expectReportOfTree(report: RunReport, files: number): void {
  expect(report.status).toBe('completed');
  expect(report.sources).toHaveLength(files);
  let lines = 0;
  let errors = 0;
  for (const source of report.sources) {
    const i = Number(/f(\d+)\.log$/.exec(source.name)![1]);
    const expected = { lines: content(i).split('\n').length - 1, errors: { lines: i % 5, occurrences: i % 5 } };
    // Compared only when they differ: 100,000 expects would take longer than the run.
    const found = { lines: source.lines, errors: source.matches.ERROR };
    if (found.lines !== expected.lines || found.errors?.lines !== i % 5 || found.errors.occurrences !== i % 5)
      expect({ name: source.name, ...found }).toEqual({ name: source.name, ...expected });
    lines += expected.lines;
    errors += i % 5;
  }
  expect(report.totals.lines).toBe(lines);
  expect(report.totals.matches.ERROR).toEqual({ lines: errors, occurrences: errors });
}
