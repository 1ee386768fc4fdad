import { spawnSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChunkRecordSpec, PatternSpec, RunReport } from '@logcluster/core';
import { type Measured, measure, median } from './measure.js';
import type { PassRowData, PassRowResult } from './record-pass-row.js';
import { writeAccessLog, writeDistinctKeys, writeJsonRequests } from './structured-logs.js';

/*
 * The rows of per-key tables and filters (`--by`, `--where`, `--extract`): the record
 * pass on one thread, as a counting thread runs it (the kernel's count, then the pass;
 * each row in a process of its own, see record-pass-row.ts), and end to end through
 * `analyze`; then Redis's memory for a million distinct keys.
 * Every result is checked against a plain reading (grep, or a regex over the lines).
 */

export interface StructuredRow {
  name: string;
  ms: number;
  bytes: number;
  mbps: number;
  vsGrep: number | null;
  [key: string]: unknown;
}

export interface StructuredContext {
  dataDir: string;
  rounds: number;
  bin: string;
  size: number;
  /** Runs `use` with a Redis and `workers` worker processes of its own. */
  withCluster: <T>(workers: number, use: (url: string) => Promise<T>) => Promise<T>;
  /** Redis's used_memory and used_memory_peak, in bytes. */
  redisMemory: (url: string) => Promise<{ used: number; peak: number }>;
}

const ERROR: PatternSpec = { pattern: 'ERROR', regex: false, ignoreCase: false };
const ACCESS_EXTRACT = String.raw`" (?<status>\d{3}) (?<bytes>\d+) `;
const PASS_ROUNDS = 5;
const mb = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

function grepCount(args: string[], file: string, dataDir: string): number {
  const out = join(dataDir, 'logcluster-bench-grep.out');
  const result = spawnSync('sh', ['-c', `grep -c "$@" > "${out}"; cat "${out}"`, 'sh', ...args, file], {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  return Number(result.stdout.trim());
}

function check(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what}: ${got}, the plain reading says ${want}`);
}

/**
 * The pass over every chunk of `file` in a process of its own, a round to warm up and
 * then at least PASS_ROUNDS (the rounds are short, and this machine's figures move by
 * ±10%): the median, and the last round's sums.
 */
function passRow(name: string, file: string, bytes: number, spec: ChunkRecordSpec, rounds: number) {
  const data: PassRowData = { file, spec, patterns: [ERROR], rounds: Math.max(rounds, PASS_ROUNDS) };
  const run = spawnSync(
    process.execPath,
    [new URL('./record-pass-row.js', import.meta.url).pathname, JSON.stringify(data)],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  if (run.status !== 0) throw new Error(`${name}: exited ${run.status}: ${run.stderr}`);
  const result = JSON.parse(run.stdout) as PassRowResult;
  const ms = median(result.times);
  return {
    row: { name, ms, bytes, mbps: mb(bytes, ms), vsGrep: null },
    sums: { ...result, keys: new Map(result.keys) },
  };
}

export async function structuredRows(context: StructuredContext): Promise<StructuredRow[]> {
  const { dataDir, rounds, bin, size } = context;
  const jsonFile = join(dataDir, `logcluster-bench-requests-${size}.jsonl`);
  const accessFile = join(dataDir, `logcluster-bench-requests-${size}.access.log`);
  await writeJsonRequests(jsonFile, size, 42);
  await writeAccessLog(accessFile, size, 42);
  const rows: StructuredRow[] = [];
  const now = Date.now();
  const jsonBytes = (await stat(jsonFile)).size;
  const accessBytes = (await stat(accessFile)).size;

  // The passes first, then the plain readings: those make garbage by the hundred MiB,
  // whose collection would run on the other core while a pass is timed.
  const by = passRow(
    'core: --format json --by service, literal ERROR (one thread)',
    jsonFile,
    jsonBytes,
    { format: { body: 'json' }, by: ['service'], now },
    rounds,
  );
  const extract = passRow(
    'core: --extract status --by status on an access log (one thread)',
    accessFile,
    accessBytes,
    { format: { body: 'text' }, extract: [ACCESS_EXTRACT], by: ['status'], now },
    rounds,
  );
  const where = passRow(
    "core: --format json --where 'duration_ms>500' (one thread)",
    jsonFile,
    jsonBytes,
    { format: { body: 'json' }, where: [{ field: 'duration_ms', op: '>', value: '500' }], now },
    rounds,
  );

  // Plain readings, once.
  const json = await readFile(jsonFile);
  const access = await readFile(accessFile);
  const jsonLines = json.toString('latin1').split('\n').length - 1;
  const jsonErrors = grepCount(['-F', 'ERROR'], jsonFile, dataDir);
  const slow = [...json.toString('latin1').matchAll(/"duration_ms":(\d+)/g)].filter((m) => Number(m[1]) > 500).length;
  const accessLines = access.toString('latin1').split('\n').length - 1;
  const access500 = grepCount(['-F', '" 500 '], accessFile, dataDir);

  check(by.row.name, by.sums.keyed, jsonLines);
  check(`${by.row.name}, ERROR lines`, by.sums.matching, jsonErrors);
  rows.push(by.row);
  check(extract.row.name, extract.sums.keyed, accessLines);
  check(`${extract.row.name}, status 500`, extract.sums.keys.get('["500"]') ?? 0, access500);
  rows.push(extract.row);
  check(where.row.name, where.sums.selected, slow);
  rows.push(where.row);

  // End to end, process start to exit.
  const analyze = async (name: string, args: string[], file: string, verify: (report: RunReport) => void) => {
    const runs: Measured[] = [];
    for (let round = 0; round < rounds; round++) runs.push(await measure(bin, ['analyze', '--json', ...args, file]));
    if (runs[0]!.code !== 0) throw new Error(`${name}: exited ${runs[0]!.code}: ${runs[0]!.stderr}`);
    verify(JSON.parse(runs[0]!.stdout) as RunReport);
    const ms = median(runs.map((run) => run.ms));
    const bytes = (await stat(file)).size;
    rows.push({ name, ms, bytes, mbps: mb(bytes, ms), vsGrep: null });
  };
  const keyedLines = (report: RunReport) =>
    report.groups!.keys.reduce((sum, row) => sum + row.lines, 0) + report.groups!.others.lines;
  await analyze(
    'logcluster analyze --format json --by service -p ERROR',
    ['--format', 'json', '--by', 'service'],
    jsonFile,
    (report) => {
      check('analyze --by service', keyedLines(report), jsonLines);
      check('analyze --by service, ERROR lines', report.totals.matches.ERROR!.lines, jsonErrors);
    },
  );
  await analyze(
    'logcluster analyze --extract … --by status',
    ['--extract', ACCESS_EXTRACT, '--by', 'status'],
    accessFile,
    (report) => {
      check('analyze --by status', keyedLines(report), accessLines);
      check('analyze --by status, 500', report.groups!.keys.find((row) => row.key[0] === '500')?.lines ?? 0, access500);
    },
  );
  await analyze(
    "logcluster analyze --format json --where 'duration_ms>500'",
    ['--format', 'json', '--where', 'duration_ms>500'],
    jsonFile,
    (report) => {
      check('analyze --where', report.totals.selectedLines!, slow);
    },
  );
  return rows;
}

/** Redis's peak memory for a run of a million distinct keys through `submit`, with the default --max-keys and with all of them kept. */
export async function distinctKeyMemory(
  context: StructuredContext,
): Promise<Record<string, { keptBytes: number; peakBytes: number }>> {
  const lines = 1_000_000;
  const file = join(context.dataDir, `logcluster-bench-distinct-${lines}.jsonl`);
  await writeDistinctKeys(file, lines);
  const memory: Record<string, { keptBytes: number; peakBytes: number }> = {};
  for (const maxKeys of [undefined, lines]) {
    const label = maxKeys === undefined ? '--by req (default --max-keys)' : `--by req --max-keys ${maxKeys}`;
    memory[label] = await context.withCluster(2, async (url) => {
      const before = await context.redisMemory(url);
      const result = await measure(context.bin, [
        'submit',
        '--json',
        '--redis',
        url,
        '--format',
        'json',
        '--by',
        'req',
        ...(maxKeys !== undefined ? ['--max-keys', String(maxKeys)] : []),
        file,
      ]);
      if (result.code !== 0) throw new Error(`${label}: exited ${result.code}: ${result.stderr}`);
      const report = JSON.parse(result.stdout) as RunReport;
      check(
        `${label}: lines in keys and others`,
        report.groups!.keys.reduce((s, r) => s + r.lines, 0) + report.groups!.others.lines,
        lines,
      );
      const after = await context.redisMemory(url);
      // What the finished run keeps (its key table among it), and the most Redis held while it ran.
      return { keptBytes: after.used - before.used, peakBytes: after.peak - before.used };
    });
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    process.stderr.write(
      `  Redis memory, 1M distinct keys, ${label}: kept ${mib(memory[label].keptBytes)}, peak ${mib(memory[label].peakBytes)} over idle\n`,
    );
  }
  return memory;
}
