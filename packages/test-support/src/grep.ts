import { spawnSync } from 'node:child_process';

export interface GrepCounts {
  lines: number;
  occurrences: number;
}

export interface GrepPattern {
  pattern: string;
  regex?: boolean;
  ignoreCase?: boolean;
  /** -w */
  wholeWord?: boolean;
  /** -x */
  wholeLine?: boolean;
  /** -v */
  invert?: boolean;
}

function flagsOf(spec: GrepPattern): string[] {
  return [
    '-a',
    spec.regex ? '-E' : '-F',
    ...(spec.ignoreCase ? ['-i'] : []),
    ...(spec.wholeWord ? ['-w'] : []),
    ...(spec.wholeLine ? ['-x'] : []),
    ...(spec.invert ? ['-v'] : []),
  ];
}

/**
 * What GNU grep says for a pattern on a file: `grep -c` (matching lines) and
 * `grep -o … | wc -l` (occurrences). `-a` so that binary input is read as text, `-F` for
 * literals, `-E` for regexes, in a UTF-8 locale. Output goes to a file (a pipe here):
 * with output to /dev/null grep stops at the first match.
 */
export function grepCounts(file: string, spec: GrepPattern): GrepCounts {
  const flags = flagsOf(spec);
  return {
    lines: Number(run([...flags, '-c', '-e', spec.pattern, file]).trim()),
    occurrences: countLines(run([...flags, '-o', '-e', spec.pattern, file])),
  };
}

/**
 * `grep -c -e p1 -e p2 …`: the lines that match any of the patterns (with -v, none of
 * them). The flags are the first pattern's: grep has one set for all.
 */
export function grepAnyCount(file: string, specs: readonly GrepPattern[]): number {
  return Number(run([...flagsOf(specs[0]!), '-c', ...specs.flatMap((spec) => ['-e', spec.pattern]), file]).trim());
}

/** `grep -c ''`: lines as grep counts them. */
export function grepLineCount(file: string): number {
  return Number(run(['-a', '-c', '', file]).trim());
}

function run(args: string[]): string {
  const result = spawnSync('grep', args, {
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  // grep exits 1 when nothing matched; that is a count of 0, not an error.
  if (result.status !== 0 && result.status !== 1) throw new Error(`grep ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
