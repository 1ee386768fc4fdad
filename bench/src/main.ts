/*
 * npm run bench — logcluster against GNU grep, side by side on the same machine and the
 * same file, several rounds each, reporting medians and ratios to grep (absolute times
 * drift on shared machines; ratios from one run do not). Options:
 *   --size 1GiB         input size (default 1 GiB)
 *   --rounds 3          rounds per measurement (median reported)
 *   --memory 1GiB,4GiB  sizes for the memory measurement, each run --rounds times, the highest
 *                       peak reported ("" to skip)
 *   --scaling 1,2,4     worker processes for the scaling measurement ("" to skip)
 *   --follow 50000,10   submit --follow on a file growing at 50,000 lines/s for 10 s: latency from
 *                       a line's write to its count, p50/p99 ("" to skip)
 *   --follow-many 100,5000,10
 *                       the same over 100 files (a glob) each growing at 5,000 lines/s for 10 s,
 *                       and the coordinator's CPU ("" to skip)
 *   --structured 256MiB size of the JSON and access logs of the per-key rows (--by, --where,
 *                       --extract), and Redis's memory for 1M distinct keys ("" to skip)
 *   --join 1000000      keys a side of the join row (two JSON logs joined by request id
 *                       within 2 s): throughput and Redis's peak memory ("" to skip)
 *   --startup on        the start-up row: analyze of a 1 MB log against node -e 0 and --version,
 *                       and where its time goes (LOGCLUSTER_TRACE_STARTUP marks) ("" to skip)
 *   --followed-join 1000000  keys a side of the followed join row (the same logs written a
 *                       slice at a time under submit --follow): the join state's largest size
 *                       in Redis, Redis's peak, time to the report ("" to skip)
 *   --data-dir <dir>    where the generated logs are kept between runs (default: tmpdir)
 *   --out <file>        the results as JSON (default: bench-results/bench-<time>.json)
 */
import { spawnSync } from 'node:child_process';
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedRedis } from '@logcluster/coordinator';
import { type PatternSpec, type RunReport, createChunkCounter, formatBytes, parseSize } from '@logcluster/core';
import { CountingWorkspace } from '@logcluster/core/counting';
import { type FollowLatency, measureFollowLatency } from './follow-latency.js';
import { type Measured, measure, median } from './measure.js';
import { redisMemory, usedMemoryPeak } from './redis-memory.js';
import { distinctKeyMemory, structuredRows } from './structured-rows.js';
import { writeSyntheticLog } from './synthetic-logs.js';
import { followedJoinRow } from './followed-join-row.js';
import { joinRow } from './join-row.js';
import { type StartupRow, startupRow } from './startup-row.js';
import { chunksOf, countInPlace } from './kernel-rows.js';
import { peerRows } from './peer-rows.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The `logcluster` command as users run it: the launcher (it runs bin/logcluster.js with Node). */
const BIN = join(ROOT, 'apps/coordinator/bin/logcluster');

interface Options {
  size: number;
  rounds: number;
  memorySizes: number[];
  scaling: number[];
  follow: [linesPerSecond: number, seconds: number] | null;
  followMany: [files: number, linesPerSecond: number, seconds: number] | null;
  structured: number | null;
  joinKeys: number | null;
  followedJoinKeys: number | null;
  startup: boolean;
  /** Sizes of the file where ERROR is rare (3 % of lines) and of the large file, compared with grep and rg. */
  rare: number | null;
  large: number | null;
  dataDir: string;
  out: string;
}

interface Row {
  name: string;
  /** Median wall time, ms. */
  ms: number;
  bytes: number;
  /** Throughput in MB/s (10^6 bytes). */
  mbps: number;
  /** Throughput relative to grep -c ERROR in this run (on the same input: `grepMbps` when set). */
  vsGrep: number | null;
  grepMbps?: number;
  /** Throughput relative to rg -c ERROR on the same input. */
  vsRg?: number;
  note?: string;
  [key: string]: unknown;
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string, fallback: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1]! : fallback;
  };
  const list = (text: string) => text.split(',').filter(Boolean);
  return {
    size: parseSize(value('--size', '1GiB'), '--size'),
    rounds: Number(value('--rounds', '3')),
    memorySizes: list(value('--memory', '1GiB,4GiB')).map((text) => parseSize(text, '--memory')),
    scaling: list(value('--scaling', '1,2,4')).map(Number),
    follow:
      value('--follow', '50000,10') === ''
        ? null
        : (list(value('--follow', '50000,10')).map(Number) as [number, number]),
    followMany:
      value('--follow-many', '100,5000,10') === ''
        ? null
        : (list(value('--follow-many', '100,5000,10')).map(Number) as [number, number, number]),
    structured:
      value('--structured', '256MiB') === '' ? null : parseSize(value('--structured', '256MiB'), '--structured'),
    joinKeys: value('--join', '1000000') === '' ? null : Number(value('--join', '1000000')),
    startup: value('--startup', 'on') !== '',
    rare: value('--rare', '1GiB') === '' ? null : parseSize(value('--rare', '1GiB'), '--rare'),
    large: value('--large', '4GiB') === '' ? null : parseSize(value('--large', '4GiB'), '--large'),
    followedJoinKeys: value('--followed-join', '1000000') === '' ? null : Number(value('--followed-join', '1000000')),
    dataDir: value('--data-dir', tmpdir()),
    out: value('--out', join(ROOT, 'bench-results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)),
  };
}

const mb = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

async function dataFile(options: Options, size: number, rareErrors = false): Promise<string> {
  const path = join(options.dataDir, `logcluster-bench-${rareErrors ? 'rare-' : ''}${size}-seed42.log`);
  process.stderr.write(`preparing ${formatBytes(size)} of synthetic logs in ${path}\n`);
  await writeSyntheticLog(path, size, 42, rareErrors);
  // Read it once so that every contender starts from the page cache.
  const handle = await open(path, 'r');
  const buffer = Buffer.allocUnsafe(16 << 20);
  while ((await handle.read(buffer, 0, buffer.length, null)).bytesRead > 0);
  await handle.close();
  return path;
}

async function rounds(options: Options, run: () => Promise<Measured>): Promise<{ ms: number; runs: Measured[] }> {
  const runs: Measured[] = [];
  for (let i = 0; i < options.rounds; i++) {
    const result = await run();
    if (result.code !== 0 && result.code !== 1)
      throw new Error(`benchmark command failed (${result.code}): ${result.stderr}`);
    runs.push(result);
  }
  return { ms: median(runs.map((r) => r.ms)), runs };
}

/** grep writes to a file: with output to /dev/null GNU grep stops at the first match. */
async function grepRow(options: Options, file: string, name: string, command: string): Promise<Row> {
  const out = join(options.dataDir, 'logcluster-bench-grep.out');
  const { ms } = await rounds(options, () =>
    measure('sh', ['-c', `${command} -c ERROR "$1" > "$2"`, 'sh', file, out], {
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
    }),
  );
  const size = (await stat(file)).size;
  return {
    name,
    ms,
    bytes: size,
    mbps: mb(size, ms),
    vsGrep: null,
    matchingLines: Number((await readFile(out, 'utf8')).trim()),
  };
}

/**
 * The counting kernel alone, on this thread, over the file cut into 4 MiB chunks in
 * memory, as a counting thread runs it: each chunk placed in the thread's WebAssembly
 * workspace (where a thread reads it from a file; here a copy, timed too), then its lines
 * and the pattern counted with SIMD (a literal in the same read as the lines). One row
 * times the kernel alone, each chunk placed untimed (`countInPlace`); one more counts
 * the literal in JavaScript (indexOf), the path for bytes outside a workspace.
 */
async function coreRows(options: Options, file: string): Promise<Row[]> {
  const data = await readFile(file);
  const chunks = chunksOf(data);
  const literalError: PatternSpec = { pattern: 'ERROR', regex: false, ignoreCase: false };
  const workspace = new CountingWorkspace();
  const cases: [string, PatternSpec, CountingWorkspace | undefined][] = [
    ['core: literal ERROR', literalError, workspace],
    ['core: -i error', { pattern: 'error', regex: false, ignoreCase: true }, workspace],
    [
      'core: regex timed out after [0-9]+ ms',
      { pattern: 'timed out after [0-9]+ ms', regex: true, ignoreCase: false },
      workspace,
    ],
    [
      'core: regex \\b[0-9]{5,}\\b (no literal)',
      { pattern: '\\b[0-9]{5,}\\b', regex: true, ignoreCase: false },
      workspace,
    ],
    ['core: literal ERROR in JavaScript (indexOf, no kernel)', literalError, undefined],
  ];
  const rows: Row[] = [];
  for (const [name, spec, kernel] of cases) {
    const count = createChunkCounter([spec], kernel);
    const times: number[] = [];
    let matches = 0;
    for (let round = 0; round < options.rounds; round++) {
      const started = process.hrtime.bigint();
      matches = 0;
      // Placed in the workspace, the chunk's lines and pattern are counted by the kernel.
      for (const chunk of chunks) matches += count(kernel ? kernel.place(chunk) : chunk).matches[0]!.lines;
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const ms = median(times);
    rows.push({ name, ms, bytes: data.length, mbps: mb(data.length, ms), vsGrep: null, matchingLines: matches });
  }
  const inPlace = countInPlace(chunks, literalError, options.rounds);
  rows.splice(1, 0, {
    name: 'core: literal ERROR and the lines, kernel alone (chunk in place: no read, no start)',
    ms: inPlace.ms,
    bytes: data.length,
    mbps: mb(data.length, inPlace.ms),
    vsGrep: null,
    matchingLines: inPlace.lines,
  });
  return rows;
}

/**
 * `workers` worker processes on a Redis of their own: the private one `analyze` starts,
 * fresh for each measurement, so that its memory peak is this measurement's.
 */
async function withCluster<T>(workers: number, extra: string[], use: (redis: EmbeddedRedis) => Promise<T>): Promise<T> {
  const redis = await EmbeddedRedis.start();
  const { spawn } = await import('node:child_process');
  const threads = Math.max(1, Math.floor(availableParallelism() / workers));
  const processes = Array.from({ length: workers }, (_, i) =>
    spawn(BIN, ['worker', '--redis', redis.url, '--name', `bench-${i}`, '--threads', String(threads), ...extra], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  await Promise.all(
    processes.map(
      (child) =>
        new Promise<void>((resolve) =>
          child.stderr.on('data', (data: Buffer) => data.toString().includes('started') && resolve()),
        ),
    ),
  );
  try {
    return await use(redis);
  } finally {
    await Promise.all(
      processes.map((child) => new Promise((resolve) => (child.on('exit', resolve), child.kill('SIGTERM')))),
    );
    await redis.stop();
  }
}

function report(result: Measured): RunReport {
  if (result.code !== 0) throw new Error(`logcluster exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as RunReport;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  await mkdir(options.dataDir, { recursive: true });
  const file = await dataFile(options, options.size);
  const size = (await stat(file)).size;
  const rows: Row[] = [];
  const add = (row: Row) => {
    rows.push(row);
    process.stderr.write(`  ${row.name}: ${row.mbps.toFixed(0)} MB/s (${row.ms.toFixed(0)} ms)\n`);
  };

  const grep = await grepRow(options, file, 'grep -c ERROR', 'grep');
  add(grep);
  if (spawnSync('sh', ['-c', 'command -v rg']).status === 0) add(await grepRow(options, file, 'rg -c ERROR', 'rg'));
  for (const row of await coreRows(options, file)) {
    if (row.name.startsWith('core: literal ERROR') && row.matchingLines !== grep.matchingLines)
      throw new Error(`${row.name}: ${String(row.matchingLines)} lines, grep says ${String(grep.matchingLines)}`);
    add(row);
  }

  // End to end, process start to exit, and exact: each result is checked against grep.
  const checkCounts = (r: RunReport, label: string) => {
    if (r.totals.matches.ERROR!.lines !== grep.matchingLines)
      throw new Error(
        `${label}: ${r.totals.matches.ERROR!.lines} ERROR lines, grep says ${String(grep.matchingLines)}`,
      );
  };
  const analyze = await rounds(options, () => measure(BIN, ['analyze', '--json', file]));
  checkCounts(report(analyze.runs[0]!), 'analyze');
  add({
    name: 'logcluster analyze (end to end)',
    ms: analyze.ms,
    bytes: size,
    mbps: mb(size, analyze.ms),
    vsGrep: null,
    peakRssBytes: median(analyze.runs.map((r) => r.peakRssBytes)),
  });

  // Against grep and ripgrep on inputs of their own, alternated: a log where ERROR is rare,
  // and a large one.
  const peers = { bin: BIN, dataDir: options.dataDir, rounds: options.rounds };
  if (options.rare !== null) {
    const rare = await dataFile(options, options.rare, true);
    const rows = await peerRows(peers, rare, `rare ERROR (${formatBytes(options.rare)})`);
    for (const row of rows) add(row);
    const inPlace = countInPlace(
      chunksOf(await readFile(rare)),
      { pattern: 'ERROR', regex: false, ignoreCase: false },
      options.rounds,
    );
    const [grepRare] = rows;
    const rgRare = rows.find((row) => row.name.endsWith('rg -c ERROR'));
    if (inPlace.lines !== grepRare!.matchingLines)
      throw new Error(`the kernel found ${inPlace.lines} ERROR lines in the rare log, grep ${grepRare!.matchingLines}`);
    const mbps = mb(grepRare!.bytes, inPlace.ms);
    add({
      name: `rare ERROR (${formatBytes(options.rare)}): core, literal and the lines, kernel alone (no read, no start)`,
      ms: inPlace.ms,
      bytes: grepRare!.bytes,
      mbps,
      vsGrep: null,
      grepMbps: grepRare!.mbps,
      ...(rgRare ? { vsRg: mbps / rgRare.mbps } : {}),
      matchingLines: inPlace.lines,
    });
  }
  if (options.large !== null)
    for (const row of await peerRows(peers, await dataFile(options, options.large), formatBytes(options.large)))
      add(row);

  const submitRow = async (name: string, workers: number, submitArgs: string[], workerArgs: string[]) =>
    withCluster(workers, workerArgs, async (redis) => {
      const runs = await rounds(options, () =>
        measure(BIN, ['submit', '--json', '--redis', redis.url, ...submitArgs, file]),
      );
      const r = report(runs.runs[0]!);
      checkCounts(r, name);
      return {
        name,
        ms: runs.ms,
        bytes: size,
        mbps: mb(size, runs.ms),
        vsGrep: null,
        chunks: r.totals.chunks,
        chunksPerSecond: r.totals.chunks / (runs.ms / 1000),
        workers: r.workers,
      };
    });
  add(await submitRow('logcluster submit, 2 worker processes', 2, [], []));
  add(
    await submitRow(
      'logcluster submit --shared-root, 2 worker processes',
      2,
      ['--shared-root', options.dataDir],
      ['--shared-root', options.dataDir],
    ),
  );
  add(await submitRow('logcluster submit, 64 KiB chunks, 2 worker processes', 2, ['--chunk-size', '64KiB'], []));

  for (const workers of options.scaling) {
    add(await submitRow(`scaling: submit, ${workers} worker process${workers === 1 ? '' : 'es'}`, workers, [], []));
    add(
      await submitRow(
        `scaling: submit --shared-root, ${workers} worker process${workers === 1 ? '' : 'es'}`,
        workers,
        ['--shared-root', options.dataDir],
        ['--shared-root', options.dataDir],
      ),
    );
  }

  // The structured and join rows run each measurement with a Redis and workers of its own.
  const clusterContext = {
    dataDir: options.dataDir,
    rounds: options.rounds,
    bin: BIN,
    size: options.structured ?? 0,
    withCluster: <T>(workers: number, use: (url: string) => Promise<T>) =>
      withCluster(workers, [], (redis) => use(redis.url)),
    redisMemory,
  };
  let distinctKeys: Awaited<ReturnType<typeof distinctKeyMemory>> | null = null;
  if (options.structured !== null) {
    const context = clusterContext;
    for (const row of await structuredRows(context)) add(row);
    distinctKeys = await distinctKeyMemory(context);
  }

  if (options.joinKeys !== null) add(await joinRow(clusterContext, options.joinKeys));
  if (options.followedJoinKeys !== null) add(await followedJoinRow(clusterContext, options.followedJoinKeys));

  let startup: StartupRow | null = null;
  if (options.startup) {
    startup = await startupRow(options.dataDir, BIN);
    process.stderr.write(
      `  ${startup.name}: ${startup.ms.toFixed(0)} ms (node -e 0 without NODE_EXTRA_CA_CERTS: ${startup.bareNodeMs.toFixed(0)} ms)\n`,
    );
  }

  let follow: FollowLatency | null = null;
  if (options.follow) {
    const [rate, seconds] = options.follow;
    follow = await withCluster(1, [], (redis) => measureFollowLatency(BIN, redis.url, options.dataDir, rate, seconds));
    process.stderr.write(`  follow: ${JSON.stringify(follow)}\n`);
  }
  let followMany: FollowLatency | null = null;
  if (options.followMany) {
    const [files, rate, seconds] = options.followMany;
    followMany = await withCluster(1, [], (redis) =>
      measureFollowLatency(BIN, redis.url, options.dataDir, rate, seconds, files),
    );
    process.stderr.write(`  follow many: ${JSON.stringify(followMany)}\n`);
  }

  // A peak is the worst moment of a run, which moves from run to run (Redis's, with how
  // far the workers fall behind): the highest of several runs, each with a Redis of its own.
  type Peaks = { coordinatorPeakRssBytes: number; redisUsedMemoryPeakBytes: number };
  const memory: Record<string, Peaks & { runs: Peaks[] }> = {};
  for (const memorySize of options.memorySizes) {
    const input = await dataFile(options, memorySize);
    const runs: Peaks[] = [];
    for (let round = 0; round < options.rounds; round++) {
      await withCluster(2, [], async (redis) => {
        const result = await measure(BIN, ['submit', '--json', '--redis', redis.url, input]);
        report(result);
        runs.push({
          coordinatorPeakRssBytes: result.peakRssBytes,
          redisUsedMemoryPeakBytes: await usedMemoryPeak(redis.url),
        });
      });
    }
    const highest = (key: keyof Peaks) => Math.max(...runs.map((run) => run[key]));
    memory[formatBytes(memorySize)] = {
      coordinatorPeakRssBytes: highest('coordinatorPeakRssBytes'),
      redisUsedMemoryPeakBytes: highest('redisUsedMemoryPeakBytes'),
      runs,
    };
    process.stderr.write(`  memory at ${formatBytes(memorySize)}: ${JSON.stringify(runs)}\n`);
  }

  for (const row of rows) row.vsGrep = row.mbps / (row.grepMbps ?? grep.mbps);
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memory: totalmem(),
    node: process.version,
    grep: spawnSync('grep', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0],
  };
  const results = {
    date: new Date().toISOString(),
    machine,
    input: { file, bytes: size, seed: 42 },
    rounds: options.rounds,
    rows,
    memory,
    distinctKeys,
    startup,
    follow,
    followMany,
  };
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify(results, null, 2)}\n`);

  const width = Math.max(...rows.map((row) => row.name.length));
  const lines = [
    `${'measurement'.padEnd(width)}  ${'time'.padStart(9)}  ${'MB/s'.padStart(7)}  ${'× grep'.padStart(7)}  extra`,
  ];
  for (const row of rows) {
    const extra = row.vsRg
      ? `${row.vsRg.toFixed(2)} × rg on the same input`
      : row.chunksPerSecond
        ? `${Math.round(row.chunksPerSecond as number)} chunks/s`
        : row.joinStatePeakBytes
          ? `join state at most ${formatBytes(row.joinStatePeakBytes as number)}, Redis peak ${formatBytes(row.redisPeakBytes as number)} over idle`
          : row.redisPeakBytes
            ? `${Math.round(row.eventsPerSecond as number)} events/s, Redis peak ${formatBytes(row.redisPeakBytes as number)} over idle`
            : '';
    lines.push(
      `${row.name.padEnd(width)}  ${`${row.ms.toFixed(0)} ms`.padStart(9)}  ${row.mbps.toFixed(0).padStart(7)}  ${row.vsGrep!.toFixed(2).padStart(7)}  ${extra}`,
    );
  }
  const range = (m: (typeof memory)[string], key: keyof Peaks) => m.runs.map((run) => formatBytes(run[key])).join(', ');
  for (const [label, m] of Object.entries(memory)) {
    lines.push(
      `memory at ${label}, highest of ${m.runs.length}: coordinator peak RSS ${formatBytes(m.coordinatorPeakRssBytes)} (${range(m, 'coordinatorPeakRssBytes')}), ` +
        `Redis used_memory_peak ${formatBytes(m.redisUsedMemoryPeakBytes)} (${range(m, 'redisUsedMemoryPeakBytes')})`,
    );
  }
  for (const [label, figures] of Object.entries(distinctKeys ?? {})) {
    lines.push(
      `Redis memory, 1M distinct keys, ${label}: the finished run keeps ${formatBytes(figures.keptBytes)}, peak ${formatBytes(figures.peakBytes)} over idle`,
    );
  }
  if (startup)
    lines.push(
      `${startup.name}: ${startup.ms.toFixed(0)} ms, ${startup.vsNode.toFixed(2)}× node -e 0 without NODE_EXTRA_CA_CERTS (${startup.bareNodeMs.toFixed(0)} ms; with it ${startup.nodeMs.toFixed(0)} ms), logcluster --version ${startup.versionMs.toFixed(0)} ms; ` +
        Object.entries(startup.marks)
          .map(([label, ms]) => `${label} ${ms.toFixed(0)}`)
          .join(', '),
    );
  for (const f of [follow, followMany]) {
    if (!f) continue;
    lines.push(
      `follow${f.files > 1 ? ` of ${f.files} files` : ''}: ${Math.round(f.linesPerSecond)} lines/s for ${f.seconds.toFixed(1)} s, a line counted within p50 ${f.p50Ms.toFixed(0)} ms, ` +
        `p99 ${f.p99Ms.toFixed(0)} ms, max ${f.maxMs.toFixed(0)} ms of its write (${f.batches} batches); coordinator CPU ${(f.coordinatorCpu * 100).toFixed(0)} % of a core`,
    );
  }
  lines.push(`results: ${options.out}`);
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

await main();
