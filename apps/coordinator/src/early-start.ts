import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { CountThreads } from '@logcluster/worker/count-threads';
import { type SpawnedRedis, spawnRedis, stopAtExit } from './redis-spawn.js';

/*
 * What `analyze` will wait for, started before the CLI bundle loads (bin/logcluster.js).
 * Loading the bundle keeps the process's one thread busy for 50-150 ms; meanwhile the
 * other cores are idle, and the run later waits for two things that start on them: its
 * own redis-server (25-35 ms to listen) and a counting thread (50-100 ms to take its
 * first task). Started now, both are ready when the run needs them, and the command
 * takes them over (`EmbeddedRedis.start`, `CountPool`). Anything the command does not
 * take is ended as the process exits. Only plain built-in modules and piscina here: this
 * runs before the bundle, for every command, so it looks at the command line only.
 */

/** The default chunk size (core's DEFAULT_CHUNK_SIZE; a test holds them equal). */
export const ONE_CHUNK = 4 * 1024 * 1024;

export interface EarlyStart {
  redis?: SpawnedRedis;
  threads?: CountThreads;
  /**
   * The SIGINT and SIGTERM that came while the bundle loaded, held until the CLI has
   * handlers of its own (a signal then stops the command as it would later: in order,
   * with its exit code, rather than killing the process under what was started). Called
   * once, it stops holding them.
   */
  signalsHeld?: () => NodeJS.Signals[];
}

/**
 * For an `analyze` that starts its own Redis (no `--redis`, no `REDIS_URL`, no `--help`),
 * its Redis and counting threads, started now; else nothing. What cannot be started here
 * is left out, and fails, said, when the command starts it itself.
 */
export async function startEarly(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<EarlyStart> {
  const args = argv.slice(2);
  if (!startsItsOwnRedis(args, env)) return {};
  const held: NodeJS.Signals[] = [];
  const hold = (signal: NodeJS.Signals) => held.push(signal);
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
  const started: EarlyStart = {
    signalsHeld: () => {
      process.off('SIGINT', hold);
      process.off('SIGTERM', hold);
      return held;
    },
  };
  // The threads take longer to be ready: their module is asked for first, and read while
  // Redis is spawned.
  const threadsModule = import('@logcluster/worker/count-threads').catch(() => null);
  try {
    started.redis = spawnRedis();
    stopAtExit(started.redis);
  } catch {
    // The command says why when it starts one itself.
  }
  const module = await threadsModule;
  try {
    const cores = availableParallelism();
    const threads = threadsGiven(args) ?? cores;
    // More threads than cores is a choice the command checks first (a typo could ask for
    // thousands): those it starts itself.
    if (module && threads <= cores) started.threads = module.startCountThreads(threads, threadsToStart(args, threads));
  } catch {
    // The command starts its own.
  }
  return started;
}

/** Whether the command line is an `analyze` that starts a Redis of its own. */
export function startsItsOwnRedis(args: readonly string[], env: NodeJS.ProcessEnv): boolean {
  // `--debug` is the only option that can come before the command.
  if (args.find((arg) => !arg.startsWith('-')) !== 'analyze' || env.REDIS_URL !== undefined) return false;
  return !args.some((arg) => arg === '--redis' || arg.startsWith('--redis=') || arg === '--help' || arg === '-h');
}

/** `--threads <n>` as given, if the command will take it (as core's `parsePositiveInt` reads it). */
export function threadsGiven(args: readonly string[]): number | undefined {
  let text: string | undefined;
  args.forEach((arg, i) => {
    if (arg === '--threads') text = args[i + 1];
    else if (arg.startsWith('--threads=')) text = arg.slice('--threads='.length);
  });
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  const threads = Number(text);
  return Number.isSafeInteger(threads) && threads >= 1 ? threads : undefined;
}

/**
 * How many of the threads to start now: one when the paths on the command line are
 * plain files that make one chunk at most between them (a thread more would only take
 * a core from the start), else all. Words that name no file (patterns, option values,
 * a mistyped path) are not paths; standard input, a directory or `-r` may be anything,
 * so all. Either way, the pool starts more as tasks find every thread busy.
 */
export function threadsToStart(args: readonly string[], threads: number): number {
  if (args.some((arg) => arg === '-' || arg === '-r' || arg === '--recursive' || arg === '-R')) return threads;
  let bytes = 0;
  for (const arg of args) {
    if (arg.startsWith('-')) continue;
    const found = statSync(arg, { throwIfNoEntry: false });
    if (!found) continue;
    if (!found.isFile()) return threads;
    bytes += found.size;
    if (bytes > ONE_CHUNK) return threads;
  }
  return 1;
}
