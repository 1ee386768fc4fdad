import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import { type Measured, measure, median } from './measure.js';

/*
 * The start-up row (issue 23): `analyze` of a 1 MB log, process start to exit, against
 * `node -e 0` (what any Node.js tool pays; and without NODE_EXTRA_CA_CERTS, which the
 * `logcluster` launcher keeps from Node's start) and `logcluster --version` (the CLI
 * bundle loaded, nothing run), alternated in the same rounds; and where the analysis's time goes,
 * from the marks the process prints with LOGCLUSTER_TRACE_STARTUP=1 (medians per mark).
 * Its ERROR lines are checked against the way the file was made.
 */

const LINES = 12_000;
const ROUNDS = 15;

export interface StartupRow {
  name: string;
  ms: number;
  nodeMs: number;
  /** `node -e 0` with no NODE_EXTRA_CA_CERTS, which the launcher keeps from Node's start. */
  bareNodeMs: number;
  versionMs: number;
  /** analyze's median over bare node's (no NODE_EXTRA_CA_CERTS: the launcher spares analyze that file). */
  vsNode: number;
  /** Median ms since process start at each mark of the analysis. */
  marks: Record<string, number>;
}

export async function startupRow(dataDir: string, bin: string): Promise<StartupRow> {
  const file = join(dataDir, 'logcluster-bench-startup-1mb.log');
  let text = '';
  let errors = 0;
  for (let i = 0; i < LINES; i++) {
    const error = i % 33 === 0;
    if (error) errors++;
    text += `2026-12-06T10:00:${String(i % 60).padStart(2, '0')}.000Z ${error ? 'ERROR' : 'INFO'} api request ${i} took ${i % 997} ms\n`;
  }
  await writeFile(file, text);
  const runs = {
    node: [] as Measured[],
    bareNode: [] as Measured[],
    version: [] as Measured[],
    analyze: [] as Measured[],
  };
  const env = { ...process.env, LOGCLUSTER_TRACE_STARTUP: '1' };
  const bare = { ...process.env };
  delete bare.NODE_EXTRA_CA_CERTS;
  for (let round = 0; round < ROUNDS; round++) {
    runs.node.push(await measure(process.execPath, ['-e', '0']));
    runs.bareNode.push(await measure(process.execPath, ['-e', '0'], { env: bare }));
    runs.version.push(await measure(bin, ['--version']));
    const analyzed = await measure(bin, ['analyze', '--json', file], { env });
    if (analyzed.code !== 0) throw new Error(`start-up: analyze exited ${analyzed.code}: ${analyzed.stderr}`);
    const found = (JSON.parse(analyzed.stdout) as RunReport).totals.matches.ERROR!.lines;
    if (found !== errors) throw new Error(`start-up: analyze found ${found} ERROR lines, the file has ${errors}`);
    runs.analyze.push(analyzed);
  }
  const marks: Record<string, number[]> = {};
  for (const run of runs.analyze)
    for (const [, ms, label] of run.stderr.matchAll(/^logcluster: startup: +([\d.]+) ms {2}(.+)$/gm))
      (marks[label!] ??= []).push(Number(ms));
  const ms = median(runs.analyze.map((run) => run.ms));
  const nodeMs = median(runs.node.map((run) => run.ms));
  const bareNodeMs = median(runs.bareNode.map((run) => run.ms));
  return {
    name: 'start-up: analyze of a 1 MB log (process start to exit)',
    ms,
    nodeMs,
    bareNodeMs,
    versionMs: median(runs.version.map((run) => run.ms)),
    vsNode: ms / bareNodeMs,
    marks: Object.fromEntries(Object.entries(marks).map(([label, all]) => [label, median(all)])),
  };
}
