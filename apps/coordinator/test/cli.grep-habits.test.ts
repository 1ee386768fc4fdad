import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readlink, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { RunReport } from '@logcluster/core';
import {
  LOGCLUSTER_BIN,
  cleanEnv,
  clusterFlags,
  grepAnyCount,
  grepCounts,
  grepLineCount,
  runCli,
  startTestRedis,
  startWorker,
  syntheticLog,
  until,
} from '@logcluster/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a grep user types, run through the real CLI, with GNU grep's own output as the
// reference wherever grep has one.
let dir: string;
let app: string;
let other: string;
let words: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logcluster-grep-habits-'));
  app = join(dir, 'app.log');
  other = join(dir, 'other.log');
  words = join(dir, 'words.log');
  await writeFile(app, syntheticLog({ lines: 20_000, seed: 11 }));
  await writeFile(other, syntheticLog({ lines: 3_000, seed: 12, noFinalNewline: true }));
  await writeFile(
    words,
    [
      'ERROR',
      'ERRORS here',
      'an ERROR_x',
      '-ERROR- and ERROR',
      'ÉERROR ERRORé',
      'ERROR²',
      'error',
      'WARN ERROR',
      'WARN',
      '',
      'ok',
    ].join('\n') + '\n',
  );
  // A tree for -r: logs at two depths, a compressed one, other names, a hidden directory,
  // a symbolic link to a file and one to a directory, and a FIFO (grep -r skips FIFOs).
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'api', 'old'), { recursive: true });
  await mkdir(join(tree, 'web'), { recursive: true });
  await mkdir(join(tree, '.cache'), { recursive: true });
  await writeFile(join(tree, 'api', 'api.log'), syntheticLog({ lines: 2_000, seed: 21 }));
  await writeFile(join(tree, 'api', 'old', 'api.1.log'), syntheticLog({ lines: 1_500, seed: 22 }));
  await writeFile(join(tree, 'api', 'old', 'api.2.log.gz'), gzipSync(syntheticLog({ lines: 500, seed: 23 })));
  await writeFile(join(dir, 'gz.plain'), syntheticLog({ lines: 500, seed: 23 }));
  await writeFile(join(tree, 'web', 'access.txt'), syntheticLog({ lines: 700, seed: 24 }));
  await writeFile(join(tree, 'web', 'notes.md'), 'an ERROR in the notes\n');
  await writeFile(join(tree, '.cache', 'c.log'), 'ERROR cached\n');
  await symlink(join(tree, 'api', 'api.log'), join(tree, 'web', 'link.log'));
  await symlink(join(tree, 'api'), join(tree, 'web', 'api-link'));
  spawnSync('mkfifo', [join(tree, 'web', 'pipe.log')]);
  // FIFOs of the tests, not beside the other logs: a glob matches *.log there, and a FIFO without a writer blocks its reader.
  await mkdir(join(dir, 'fifos'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Output lines in sorted order: grep -r takes directories in their own order, logcluster by name. */
const sorted = (text: string) => text.split('\n').filter(Boolean).sort();

/** GNU grep's output, as a string, run in `cwd`. */
function grep(args: string[], cwd = dir, input?: Buffer): string {
  const result = spawnSync('grep', ['-a', ...args], {
    cwd,
    input,
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
    encoding: 'utf8',
  });
  if (result.status !== 0 && result.status !== 1) throw new Error(`grep ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** `logcluster analyze …`, with a small chunk size so that several chunks and workers take part. */
function analyze(args: string[], options: { cwd?: string; stdin?: Buffer } = {}) {
  return runCli(['analyze', '--chunk-size', '16KiB', ...args], options);
}

async function json(args: string[]): Promise<RunReport> {
  const result = await analyze(['--json', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as RunReport;
}

/** Whether process `pid` has `path` open (Linux: its descriptors in /proc). */
async function holdsOpen(pid: number, path: string): Promise<boolean> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
  return targets.includes(await realpath(path));
}

describe('inputs that cannot seek', () => {
  it('reads a pipe given as /dev/stdin, a FIFO and <(command) as a stream, as - is', async () => {
    const data = syntheticLog({ lines: 9_000, seed: 31 });
    const expected = grepCounts(app, { pattern: 'ERROR' });
    await writeFile(join(dir, 'stdin.copy'), data);
    const fromStdin = grepCounts(join(dir, 'stdin.copy'), { pattern: 'ERROR' });
    // Standard input a socket, as Node.js gives it to a child: Linux cannot open that through /dev/stdin.
    const viaSocket = await analyze(['--json', '/dev/stdin'], { stdin: data });
    expect(viaSocket.code, viaSocket.stderr).toBe(0);
    expect((JSON.parse(viaSocket.stdout) as RunReport).totals.matches.ERROR).toEqual(fromStdin);
    for (const direct of [[], ['--no-direct-read']]) {
      // Standard input a pipe, as a shell gives it.
      const viaPipe = spawnSync(
        'bash',
        [
          '-c',
          `cat "${join(dir, 'stdin.copy')}" | "${process.execPath}" "${LOGCLUSTER_BIN}" analyze --json ${direct.join(' ')} --chunk-size 16KiB /dev/stdin`,
        ],
        {
          env: cleanEnv(),
          encoding: 'utf8',
        },
      );
      expect(viaPipe.status, viaPipe.stderr).toBe(0);
      const report = JSON.parse(viaPipe.stdout) as RunReport;
      expect(report.totals.matches.ERROR).toEqual(fromStdin);
      expect(report.sources[0]!.name).toBe('/dev/stdin');

      // Process substitution, plain and compressed: bash hands over /dev/fd/N, a pipe.
      const substituted = spawnSync(
        'bash',
        [
          '-c',
          `"${process.execPath}" "${LOGCLUSTER_BIN}" analyze --json ${direct.join(' ')} --chunk-size 16KiB <(cat "${app}") <(gzip -c "${app}")`,
        ],
        {
          env: cleanEnv(),
          encoding: 'utf8',
        },
      );
      expect(substituted.status, substituted.stderr).toBe(0);
      const both = JSON.parse(substituted.stdout) as RunReport;
      expect(both.sources.map((source) => source.matches.ERROR)).toEqual([expected, expected]);
      expect(both.sources.map((source) => source.lines)).toEqual([grepLineCount(app), grepLineCount(app)]);
    }

    const fifo = join(dir, 'fifos', 'fifo.log');
    spawnSync('mkfifo', [fifo]);
    const writer = spawn('bash', ['-c', `cat "${app}" > "${fifo}"`]);
    const written = new Promise((resolve) => writer.on('close', resolve));
    const fromFifo = await json([fifo]);
    expect(fromFifo.totals.matches.ERROR).toEqual(expected);
    expect(await written).toBe(0);
  });

  it('reads FIFOs one after the other, as their writers write them, and stops at once while one waits for its writer', async () => {
    // The second writer starts only once the first FIFO is read through: opening both
    // first would wait for ever on the second's writer, the first's blocked on a full pipe.
    const [first, second] = [join(dir, 'fifos', 'first'), join(dir, 'fifos', 'second')];
    spawnSync('mkfifo', [first, second]);
    const writers = spawn('bash', ['-c', `cat "${app}" > "${first}" && cat "${app}" > "${second}"`]);
    const written = new Promise((resolve) => writers.on('close', resolve));
    const both = await analyze(['-c', first, second]);
    expect(both.code, both.stderr).toBe(0);
    const count = grepCounts(app, { pattern: 'ERROR' }).lines;
    expect(both.stdout).toBe(`${first}:${count}\n${second}:${count}\n`);
    expect(await written).toBe(0);

    // No writer ever comes: SIGTERM ends the wait (no thread is held in open()).
    const lonely = join(dir, 'fifos', 'lonely');
    spawnSync('mkfifo', [lonely]);
    const waiting = spawn(process.execPath, [LOGCLUSTER_BIN, 'analyze', lonely], {
      env: cleanEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => waiting.on('exit', (code) => resolve(code)));
    await until('analyze to open the FIFO and wait for its writer', () => holdsOpen(waiting.pid!, lonely));
    const stoppedAt = Date.now();
    waiting.kill('SIGTERM');
    expect(await exited).toBe(130);
    // Generous: the process must not hang until the 10 s shutdown deadline, or for ever.
    expect(Date.now() - stoppedAt).toBeLessThan(8_000);
  });
});

describe('through submit, to a cluster', () => {
  it('takes the same inputs and flags: <(command), -r, -c, -w, -v', async () => {
    const redis = await startTestRedis();
    const worker = await startWorker(redis.url, 'habits', 'w1');
    try {
      const flags = clusterFlags(redis.url, 'habits').join(' ');
      const substituted = spawnSync(
        'bash',
        [
          '-c',
          `"${process.execPath}" "${LOGCLUSTER_BIN}" submit ${flags} -c -w -e ERROR <(cat "${app}") <(gzip -c "${other}")`,
        ],
        { env: cleanEnv(), encoding: 'utf8' },
      );
      expect(substituted.status, substituted.stderr).toBe(0);
      const [fromApp, fromOther] = substituted.stdout.trim().split('\n');
      expect(fromApp).toMatch(
        new RegExp(`^/dev/fd/\\d+:${grepCounts(app, { pattern: 'ERROR', wholeWord: true }).lines}$`),
      );
      expect(fromOther).toMatch(
        new RegExp(`^/dev/fd/\\d+:${grepCounts(other, { pattern: 'ERROR', wholeWord: true }).lines}$`),
      );

      const tree = join(dir, 'tree');
      const recursive = await runCli([
        'submit',
        ...clusterFlags(redis.url, 'habits'),
        '-r',
        '-c',
        '-v',
        '--include=*.log',
        '-e',
        'ERROR',
        '-e',
        'WARN',
        tree,
      ]);
      expect(recursive.code, recursive.stderr).toBe(0);
      const theirs = grep(['-r', '-c', '-v', '--include=*.log', '-e', 'ERROR', '-e', 'WARN', tree])
        .split('\n')
        .filter((line) => line && !line.includes('.gz:'));
      expect(
        recursive.stdout
          .split('\n')
          .filter((line) => line && !line.includes('.gz:'))
          .sort(),
      ).toEqual(theirs.sort());
    } finally {
      await worker.stop();
      await redis.stop();
    }
  });
});

describe("grep's flags", () => {
  it('-e and -p add patterns in the order given, -F is the default, and -E with -F is refused', async () => {
    const report = await json(['-e', 'ERROR', '-p', 'WARN', '-e', 'timed out', '-F', app]);
    expect(report.patterns.map((spec) => spec.pattern)).toEqual(['ERROR', 'WARN', 'timed out']);
    for (const pattern of ['ERROR', 'WARN', 'timed out'])
      expect(report.totals.matches[pattern]).toEqual(grepCounts(app, { pattern }));
    // Several patterns: a line counts once in `any` if it matches any of them, as in grep -c.
    expect(report.totals.any).toEqual({
      lines: grepAnyCount(app, [{ pattern: 'ERROR' }, { pattern: 'WARN' }, { pattern: 'timed out' }]),
    });
    expect(report.sources[0]!.any).toEqual(report.totals.any);
    // One pattern: no `any`.
    expect((await json(['-e', 'ERROR', app])).totals.any).toBeUndefined();

    // The human report adds a row for them, and says which lines -v counts.
    const human = await analyze(['-e', 'ERROR', '-e', 'WARN', app]);
    expect(human.stdout).toMatch(
      new RegExp(`^ +\\(any of them\\) +${grepAnyCount(app, [{ pattern: 'ERROR' }, { pattern: 'WARN' }])} +–$`, 'm'),
    );
    const inverted = await analyze(['-v', '-e', 'ERROR', '-e', 'WARN', app]);
    expect(inverted.stdout).toMatch(/^SOURCE +LINES +PATTERN +NON-MATCHING LINES +OCCURRENCES$/m);
    expect(inverted.stdout).toMatch(
      new RegExp(
        `^ +\\(none of them\\) +${grepAnyCount(app, [
          { pattern: 'ERROR', invert: true },
          { pattern: 'WARN', invert: true },
        ])} +–$`,
        'm',
      ),
    );

    const both = await analyze(['-E', '-F', '-e', 'x', app]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/'-E, --regex' cannot be used with option '-F, --fixed-strings'/);
  });

  it('-w, -x, -v and -i count as grep does, alone and together, for literals and regexes', async () => {
    const cases: { flags: string[]; patterns: string[]; regex?: boolean }[] = [
      { flags: ['-w'], patterns: ['ERROR'] },
      { flags: ['-w', '-i'], patterns: ['error'] },
      { flags: ['-x'], patterns: ['ERROR'] },
      { flags: ['-x', '-i'], patterns: ['error', 'ok'] },
      { flags: ['-v'], patterns: ['ERROR'] },
      { flags: ['-v', '-w'], patterns: ['ERROR', 'WARN'] },
      { flags: ['-w', '-E'], patterns: ['[A-Z]+', 'ERR[A-Z]+'], regex: true },
      { flags: ['-x', '-E'], patterns: ['(WARN )?ERROR'], regex: true },
      { flags: ['-v', '-E', '-i'], patterns: ['^e', 'n$'], regex: true },
    ];
    for (const { flags, patterns, regex } of cases) {
      const report = await json([...flags, ...patterns.flatMap((pattern) => ['-e', pattern]), words, app]);
      const options = {
        regex: regex === true,
        ignoreCase: flags.includes('-i'),
        wholeWord: flags.includes('-w'),
        wholeLine: flags.includes('-x'),
        invert: flags.includes('-v'),
      };
      for (const [s, file] of [words, app].entries()) {
        for (const pattern of patterns) {
          expect(report.sources[s]!.matches[pattern], `${flags.join(' ')} ${pattern} ${file}`).toEqual(
            grepCounts(file, { pattern, ...options }),
          );
        }
        if (patterns.length > 1) {
          expect(report.sources[s]!.any, `${flags.join(' ')} any ${file}`).toEqual({
            lines: grepAnyCount(
              file,
              patterns.map((pattern) => ({ pattern, ...options })),
            ),
          });
        }
      }
      expect(report.patterns[0]).toEqual({
        pattern: patterns[0],
        regex: regex === true,
        ignoreCase: flags.includes('-i'),
        ...(flags.includes('-w') ? { wholeWord: true } : {}),
        ...(flags.includes('-x') ? { wholeLine: true } : {}),
        ...(flags.includes('-v') ? { invert: true } : {}),
      });
    }
  });

  it('-c prints what grep -c prints: the count alone for one input, name:count for several, (standard input) for -', async () => {
    const one = await analyze(['-c', '-e', 'ERROR', app]);
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(grep(['-c', '-e', 'ERROR', app]));
    const stdin = await analyze(['-c', '-v', '-w', '-e', 'ERROR', '-e', 'WARN', app, other, '-'], {
      stdin: syntheticLog({ lines: 500, seed: 3 }),
    });
    expect(stdin.stdout).toBe(
      grep(
        ['-c', '-v', '-w', '-e', 'ERROR', '-e', 'WARN', app, other, '-'],
        dir,
        syntheticLog({ lines: 500, seed: 3 }),
      ),
    );
    expect(stdin.stderr).toBe('');
    const regex = await analyze(['-c', '-i', '-E', '-e', 'time[sd]? out', other]);
    expect(regex.stdout).toBe(grep(['-c', '-i', '-E', '-e', 'time[sd]? out', other]));
    for (const other of [['--json'], ['--format', 'csv']]) {
      const refused = await analyze(['-c', ...other, app]);
      expect(refused.code, other.join(' ')).toBe(2);
      expect(refused.stdout).toBe('');
    }
  });

  it('-r searches directories as grep -r does, with --include, --exclude and --exclude-dir', async () => {
    const tree = join(dir, 'tree');
    const cases: string[][] = [
      ['-r', 'tree'],
      ['-r', 'tree/'],
      ['-r', '--include=*.log', 'tree'],
      ['-r', '--include=*.log', '--exclude=api.1*', 'tree'],
      ['-r', '--exclude=api.1*', '--include=*.log', 'tree'],
      ['-r', '--exclude=*.md', '--exclude-dir=old', 'tree'],
      ['-R', '--include=*.log', 'tree'],
      ['-r', 'tree/api/api.log'],
      ['-r', '--exclude=*.log', 'tree/api/api.log', 'tree/web/notes.md'],
    ];
    for (const args of cases) {
      const options = args
        .filter((arg) => arg.startsWith('-') && arg !== '-r' && arg !== '-R')
        .flatMap((arg) => {
          const [name, value] = arg.split('=');
          return [name!, value!];
        });
      const ours = await analyze(
        ['-c', args[0]!, ...options, ...args.filter((arg) => !arg.startsWith('-'))].map((arg) =>
          arg.startsWith('tree') ? join(dir, arg) : arg,
        ),
      );
      expect(ours.code, `${args.join(' ')}: ${ours.stderr}`).toBe(0);
      // grep decompresses nothing: its count for the .gz file is of the compressed bytes.
      const theirs = grep([
        '-c',
        '-e',
        'ERROR',
        '-D',
        'skip',
        ...args.map((arg) => (arg.startsWith('tree') ? join(dir, arg) : arg)),
      ]);
      const gz = (line: string) => line.includes('.gz:');
      expect(
        sorted(ours.stdout).filter((line) => !gz(line)),
        args.join(' '),
      ).toEqual(sorted(theirs).filter((line) => !gz(line)));
      expect(sorted(ours.stdout).filter(gz), args.join(' ')).toEqual(
        sorted(theirs)
          .filter(gz)
          .map((line) => line.replace(/:\d+$/, `:${grepCounts(join(dir, 'gz.plain'), { pattern: 'ERROR' }).lines}`)),
      );
    }
    // grep names what it finds below dir// as below dir/; a command-line dir/ is no match for --exclude-dir=dir.
    const slashes = await analyze(['-r', '-c', '--exclude-dir=api', 'api//'], { cwd: tree });
    expect(sorted(slashes.stdout)).toEqual(
      sorted(
        grep(['-r', '-c', '--exclude-dir=api', 'ERROR', 'api//'], tree).replace(
          /^(api\/old\/api\.2\.log\.gz:)\d+$/gm,
          `$1${grepCounts(join(dir, 'gz.plain'), { pattern: 'ERROR' }).lines}`,
        ),
      ),
    );
    // No path: the working directory, which --exclude-dir does not leave out (skipping .git this way is common).
    const dotless = await analyze(['-r', '-c', '--exclude-dir=.*', '--include=*.log'], { cwd: tree });
    expect(dotless.code, dotless.stderr).toBe(0);
    expect(sorted(dotless.stdout).filter((line) => !line.includes('.gz:'))).toEqual(
      sorted(grep(['-r', '-c', '--exclude-dir=.*', '--include=*.log', 'ERROR'], tree)).filter(
        (line) => !line.includes('.gz:'),
      ),
    );
    // No path: the working directory, its files named without ./
    const here = await analyze(['-r', '-c', '--include=*.log'], { cwd: tree });
    expect(here.code, here.stderr).toBe(0);
    expect(sorted(here.stdout).filter((line) => !line.includes('.gz:'))).toEqual(
      sorted(grep(['-r', '-c', '-D', 'skip', '--include=*.log', 'ERROR'], tree)).filter(
        (line) => !line.includes('.gz:'),
      ),
    );
    // A directory without -r is refused, saying -r searches it.
    const refused = await analyze([tree]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is a directory \(-r searches directories\)/);
  });

  it('-R counts a directory met again through a link once, and -r leaves out what it cannot read, as grep does', async () => {
    const loops = join(dir, 'loops');
    await mkdir(join(loops, 'd', 'sub'), { recursive: true });
    await writeFile(join(loops, 'd', 'a.log'), 'ERROR a\n');
    await writeFile(join(loops, 'd', 'sub', 'b.log'), 'ERROR b\nERROR c\n');
    await symlink('..', join(loops, 'd', 'sub', 'up'));
    await symlink('../..', join(loops, 'd', 'sub', 'upper'));
    const looped = await analyze(['-R', '-c', 'd'], { cwd: loops });
    expect(looped.stdout).toBe(grep(['-R', '-c', 'ERROR', 'd'], loops));
    // Both links lead back into d: through up at once, through upper one level higher.
    expect(looped.stderr).toBe(
      'logcluster: warning: d/sub/up: recursive directory loop; left out\nlogcluster: warning: d/sub/upper/d: recursive directory loop; left out\n',
    );
    // A loop is only a warning to grep: it exits 0.
    expect(looped.code).toBe(0);
  });

  it.skipIf(process.getuid?.() !== 0 || spawnSync('runuser', ['--help']).status !== 0)(
    '-r leaves out a directory and a file it may not read, says so, and exits 2 as grep does',
    async () => {
      const locked = join(dir, 'locked');
      await mkdir(join(locked, 'closed'), { recursive: true });
      await writeFile(join(locked, 'open.log'), 'ERROR open\n');
      await writeFile(join(locked, 'secret.log'), 'ERROR secret\n');
      await writeFile(join(locked, 'closed', 'inner.log'), 'ERROR inner\n');
      const chmod = (mode: string, ...paths: string[]) => spawnSync('chmod', [mode, ...paths]);
      chmod('755', dir, locked);
      chmod('000', join(locked, 'closed'), join(locked, 'secret.log'));
      try {
        // As nobody, for whom the permissions hold (root reads everything).
        const asNobody = (command: string[]) =>
          spawnSync('runuser', ['-u', 'nobody', '--', ...command], {
            cwd: locked,
            env: { ...cleanEnv(), LC_ALL: 'C.UTF-8' },
            encoding: 'utf8',
          });
        const ours = asNobody([process.execPath, LOGCLUSTER_BIN, 'analyze', '-r', '-c', '.']);
        const theirs = asNobody(['grep', '-r', '-c', 'ERROR', '.']);
        expect(theirs.status).toBe(2);
        expect(ours.status, ours.stderr).toBe(2);
        expect(ours.stdout).toBe(theirs.stdout);
        expect(ours.stderr).toBe(
          'logcluster: warning: ./closed: cannot read the directory: permission denied; left out\n' +
            'logcluster: warning: ./secret.log: cannot be read: permission denied; left out\n',
        );
      } finally {
        chmod('755', join(locked, 'closed'));
        chmod('644', join(locked, 'secret.log'));
        chmod('700', dir);
      }
    },
  );

  it('expands globs the shell did not, and says when one matches nothing', async () => {
    const report = await json([join(dir, 'tree', 'api', '**', '*.log*')]);
    expect(report.sources.map((source) => source.name)).toEqual(
      ['api.log', 'old/api.1.log', 'old/api.2.log.gz'].map((name) => join(dir, 'tree', 'api', name)),
    );
    const quoted = await analyze(['-c', join(dir, '*.log')]);
    expect(quoted.stdout).toBe(grep(['-c', '-e', 'ERROR', app, other, words]));
    // As bash with globstar: a last ** names every file and directory below, at any depth
    // (with -r, a directory's files are then searched again, as grep -r searches each path given).
    const everything = await analyze(['-c', '-r', '**'], { cwd: join(dir, 'tree', 'api') });
    expect(sorted(everything.stdout)).toEqual(
      sorted(
        grep(
          ['-c', '-r', '-e', 'ERROR', 'api.log', 'old', 'old/api.1.log', 'old/api.2.log.gz'],
          join(dir, 'tree', 'api'),
        ).replace(
          /^(old\/api\.2\.log\.gz:)\d+$/gm,
          `$1${grepCounts(join(dir, 'gz.plain'), { pattern: 'ERROR' }).lines}`,
        ),
      ),
    );
    // A glob ending in / names directories only.
    const directories = await analyze(['-c', '-r', '*/'], { cwd: join(dir, 'tree') });
    expect(
      directories.stdout
        .split('\n')
        .filter(Boolean)
        .every((line) => line.startsWith('api/') || line.startsWith('web/')),
    ).toBe(true);
    const none = await analyze([join(dir, '*.nothing')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/\*\.nothing: no file matches this pattern/);
  });

  it('says when a literal holds regex syntax, hints at what JavaScript reads otherwise, and echoes patterns as typed', async () => {
    const literal = await analyze(['-c', '-e', 'ERROR.*timed', app]);
    expect(literal.code).toBe(0);
    expect(literal.stdout).toBe(grep(['-c', '-F', '-e', 'ERROR.*timed', app]));
    expect(literal.stderr).toBe(
      "logcluster: warning: pattern 'ERROR.*timed' is counted as literal text, '.*' included (grep would read it as a regular expression); add -E to count it as one, or -F to say text is meant\n",
    );
    expect((await analyze(['-F', '-c', '-e', 'ERROR.*timed', app])).stderr).toBe('');
    expect((await analyze(['-E', '-c', '-e', 'ERROR.*timed', app])).stderr).toBe('');

    const bracket = await analyze(['-E', '-e', '\\[[^]]*\\]', app]);
    expect(bracket.code).toBe(2);
    expect(bracket.stderr).toContain("invalid regular expression '\\[[^]]*\\]'");
    expect(bracket.stderr).toContain('in JavaScript [^] is any character');
    expect(bracket.stderr).not.toContain('\\-');
    expect((await analyze(['-E', '-e', '[^\\]]+\\]', '-c', app])).stdout).toBe(grep(['-c', '-E', '-e', '[^]]+]', app]));

    const positional = await analyze(['-c', 'ERROR', app]);
    expect(positional.code).toBe(2);
    expect(positional.stderr).toMatch(/ERROR: no such file; patterns come with -e or -p/);
  });
});
