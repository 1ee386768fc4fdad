import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { CountResult, CountTask, TaskClock } from './count-task.js';

/*
 * The counting threads themselves (a piscina pool of the built task), apart from
 * `CountPool`, which hands them work: kept to piscina and Node's built-in modules, so
 * that the `logcluster` command can start them before it loads the CLI bundle
 * (apps/coordinator/src/early-start.ts).
 */

// Worker threads need compiled JavaScript on Node 20: the built task, resolved through
// the package's exports so that it is found from src/ (tests), dist/ and a bundle alike.
const TASK_FILE = fileURLToPath(import.meta.resolve('@logcluster/worker/count-task'));

export type CountThreads = Piscina<CountTask & TaskClock, CountResult>;

/**
 * A pool of up to `threads` counting threads, `now` of them started at once and the rest
 * as tasks come to find every started one busy. Threads stay up between chunks (starting
 * one costs more than a chunk takes); those beyond `now` end after a minute idle.
 */
export function startCountThreads(threads: number, now = threads): CountThreads {
  return new Piscina<CountTask & TaskClock, CountResult>({
    filename: TASK_FILE,
    minThreads: Math.min(now, threads),
    maxThreads: threads,
    idleTimeout: 60_000,
  });
}
