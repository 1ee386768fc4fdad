import { spawnSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunReport } from '@logcluster/core';
import { measure, median } from './measure.js';

/** A row measured against its peers on the same input. */
export interface PeerRow {
  [key: string]: unknown;
  name: string;
  ms: number;
  bytes: number;
  mbps: number;
  vsGrep: null;
  /** grep -c ERROR on the same input, MB/s: the row's "× grep" is against it. */
  grepMbps: number;
  /** Throughput relative to rg -c ERROR on the same input, when ripgrep is installed. */
  vsRg?: number;
  matchingLines: number;
}

/**
 * `logcluster analyze --json` of `file` against GNU grep and ripgrep (when installed)
 * counting `ERROR` in it, process start to exit, alternated round by round (grep, rg,
 * analyze, grep, …) so that the machine's drift touches all three alike; each a median
 * of `rounds`. grep and rg write to a file (GNU grep stops at the first match when its
 * output is /dev/null). analyze's count must equal grep's, and rg's too.
 */
export async function peerRows(
  context: { bin: string; dataDir: string; rounds: number },
  file: string,
  label: string,
): Promise<PeerRow[]> {
  const bytes = (await stat(file)).size;
  const out = join(context.dataDir, 'logcluster-bench-peer.out');
  const env = { ...process.env, LC_ALL: 'C.UTF-8' };
  type Contender = { name: string; run: () => ReturnType<typeof measure>; lines: () => Promise<number> };
  const tool = (command: string): Contender => ({
    name: `${label}: ${command} -c ERROR`,
    run: () => measure('sh', ['-c', `${command} -c ERROR "$1" > "$2"`, 'sh', file, out], { env }),
    lines: async () => Number((await readFile(out, 'utf8')).trim()),
  });
  const contenders: Contender[] = [tool('grep')];
  if (spawnSync('sh', ['-c', 'command -v rg']).status === 0) contenders.push(tool('rg'));
  let analyzeOutput = '';
  contenders.push({
    name: `${label}: logcluster analyze`,
    run: async () => {
      const result = await measure(context.bin, ['analyze', '--json', file]);
      if (result.code !== 0) throw new Error(`logcluster analyze exited ${result.code}: ${result.stderr}`);
      analyzeOutput = result.stdout;
      return result;
    },
    lines: () => Promise.resolve((JSON.parse(analyzeOutput) as RunReport).totals.matches.ERROR!.lines),
  });
  const times = contenders.map(() => [] as number[]);
  const lines = contenders.map(() => -1);
  for (let round = 0; round < context.rounds; round++) {
    for (const [i, contender] of contenders.entries()) {
      const result = await contender.run();
      if (result.code !== 0) throw new Error(`${contender.name} failed (${result.code}): ${result.stderr}`);
      times[i]!.push(result.ms);
      lines[i] = await contender.lines();
    }
  }
  if (lines.some((count) => count !== lines[0]))
    throw new Error(`${label}: ERROR lines differ: ${contenders.map((c, i) => `${c.name} ${lines[i]}`).join(', ')}`);
  const ms = times.map(median);
  const mbps = ms.map((t) => bytes / 1e6 / (t / 1000));
  const rg = contenders.findIndex((c) => c.name.endsWith('rg -c ERROR'));
  return contenders.map((contender, i) => ({
    name: contender.name,
    ms: ms[i]!,
    bytes,
    mbps: mbps[i]!,
    vsGrep: null,
    grepMbps: mbps[0]!,
    ...(rg >= 0 ? { vsRg: mbps[i]! / mbps[rg]! } : {}),
    matchingLines: lines[i]!,
  }));
}
