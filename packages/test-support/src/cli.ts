import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built `logcluster` binary, as users run it. */
export const LOGCLUSTER_BIN = fileURLToPath(new URL('../../../apps/coordinator/bin/logcluster.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  stdin?: Buffer | string;
  /** Where it runs (default: here). */
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** Runs `logcluster …` to completion and collects its output. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [LOGCLUSTER_BIN, ...args], {
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    env: { ...cleanEnv(), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (data: Buffer) => stdout.push(data));
  child.stderr.on('data', (data: Buffer) => stderr.push(data));
  child.stdin.on('error', () => {});
  child.stdin.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/** The environment without settings that would point a test at someone else's Redis. */
export function cleanEnv(): Record<string, string | undefined> {
  const env = { ...process.env };
  for (const name of [
    'REDIS_URL',
    'REDIS_PASSWORD_FILE',
    'LOGCLUSTER_PREFIX',
    'LOGCLUSTER_DASHBOARD_USER',
    'LOGCLUSTER_DASHBOARD_PASSWORD',
    'LOGCLUSTER_DASHBOARD_PASSWORD_FILE',
  ])
    delete env[name];
  return env;
}

export interface CliProcess {
  child: ReturnType<typeof spawn>;
  /** Everything written to stderr so far. */
  stderr: () => string;
  /** Resolves once stderr matches `pattern`. */
  waitForStderr: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  /** Sends `signal` and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
  /** Resolves with the exit code (null if killed by a signal) when the process ends. */
  exited: Promise<number | null>;
}

export interface StartCliOptions {
  env?: Record<string, string | undefined>;
  /**
   * A command that runs `node logcluster …` for us and then becomes it (execs it), e.g.
   * `['ip', 'netns', 'exec', '<namespace>']`: signals still go to logcluster itself.
   */
  via?: string[];
}

/** Starts a long-running `logcluster …` (a worker, say) in the background. */
export function startCli(args: string[], options: StartCliOptions = {}): CliProcess {
  const [command, ...rest] = [...(options.via ?? []), process.execPath, LOGCLUSTER_BIN, ...args];
  const child = spawn(command!, rest, { env: { ...cleanEnv(), ...options.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stderr.on('data', (data: Buffer) => {
    stderr += data.toString('utf8');
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stderr: () => stderr,
    waitForStderr: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stderr)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`stderr did not match ${pattern} within ${timeoutMs} ms: ${stderr}`));
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(new Error(`process exited before stderr matched ${pattern}: ${stderr}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      }),
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A running `logcluster submit --follow`: its output so far, its run id once announced, its exit. */
export interface Follower {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Rejects if the process exits before saying which run it follows. */
  runId: Promise<string>;
}

/** Followers started and not yet exited: a test that fails midway leaves them to `killFollowers`. */
const followers = new Set<ChildProcess>();

/** Kills every follower still running (for a test file's afterAll: a failed test does not stop its own). */
export async function killFollowers(): Promise<void> {
  const exits = [...followers].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of followers) child.kill('SIGKILL');
  await Promise.all(exits);
}

/**
 * Starts `logcluster submit --follow --flush-interval 100 --json` of `target` (a file, a
 * glob, or `-`, fed through `child.stdin`; none to take a run up with `--resume` in
 * `extra`) with `flags` (`--redis`, `--prefix`, …) and `extra`; with `openFilesLimit`,
 * under that `ulimit -n`.
 */
export function startFollow(
  flags: string[],
  target: string | null,
  extra: string[] = [],
  { openFilesLimit }: { openFilesLimit?: number } = {},
): Follower {
  const argv = [
    LOGCLUSTER_BIN,
    'submit',
    ...flags,
    '--follow',
    '--flush-interval',
    '100',
    '--json',
    ...extra,
    ...(target === null ? [] : [target]),
  ];
  const quoted = [process.execPath, ...argv].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  const child =
    openFilesLimit === undefined
      ? spawn(process.execPath, argv, { env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn('bash', ['-c', `ulimit -n ${openFilesLimit} && exec ${quoted}`], {
          env: cleanEnv(),
          stdio: ['pipe', 'pipe', 'pipe'],
        });
  followers.add(child);
  child.once('exit', () => followers.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString('utf8')));
  const runId = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString('utf8');
      const found = /run (r-[0-9a-z-]+): (?:taken up again, )?following/.exec(stderr);
      if (found) resolve(found[1]!);
    });
    child.on('exit', () => reject(new Error(`submit --follow exited before announcing its run: ${stderr}`)));
  });
  runId.catch(() => {});
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited, runId };
}
