import { markStartup } from '@logcluster/core';
import { main } from './cli.js';
import { type CommandIo, DEFAULT_SHUTDOWN_DEADLINE_MS } from './command-io.js';
import { EXIT } from './exit-codes.js';
import type { EarlyStart } from './early-start.js';

/**
 * Process wiring for the `logcluster` binary. The first SIGINT/SIGTERM asks the command
 * to stop gracefully (through its AbortSignal); a second one exits at once. `started`:
 * what bin/logcluster.js started before it loaded the bundle (analyze's Redis and threads).
 */
export async function run(started: EarlyStart = {}): Promise<void> {
  markStartup('the CLI bundle loaded');
  const controller = new AbortController();
  const io: CommandIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    signal: controller.signal,
    shutdownDeadlineMs: DEFAULT_SHUTDOWN_DEADLINE_MS,
    ...(started.redis ? { earlyRedis: started.redis } : {}),
    ...(started.threads ? { earlyThreads: started.threads } : {}),
  };
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      controller.abort(new Error(`received ${signal}`));
      // If stopping hangs (a Redis that went away, say), do not hang with it.
      setTimeout(() => {
        process.stderr.write(
          `logcluster: did not stop within ${io.shutdownDeadlineMs / 1000} s of ${signal}; exiting\n`,
        );
        process.exit(EXIT.failure);
      }, io.shutdownDeadlineMs).unref();
      return;
    }
    process.stderr.write(`logcluster: ${signal} again, exiting now\n`);
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  for (const signal of started.signalsHeld?.() ?? []) onSignal(signal);
  // A reader that went away (`logcluster … | head`) is not an error of ours: stop writing.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }

  // A bug of ours that escapes every handler: one clear line and the stack for the report,
  // and a failure exit, rather than Node's dump of the bundled source around it.
  const internalError = (err: unknown) => {
    process.stderr.write(
      `logcluster: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(EXIT.failure);
  };
  process.on('uncaughtException', internalError);
  process.on('unhandledRejection', internalError);

  // If the event loop ever drained while the command still waited on something, Node
  // would exit 0 as if all went well: make that a visible failure instead.
  let finished = false;
  process.on('beforeExit', () => {
    if (finished) return;
    process.stderr.write('logcluster: internal error: the command stopped before it finished\n');
    process.exit(EXIT.failure);
  });
  const code = await main(process.argv, io);
  markStartup('the command done, what it opened closed');
  finished = true;
  // Everything the command opened is closed by now. What may linger is not ours (the
  // Redis parser shrinks its buffer pool on a timer for seconds after a large reply), so
  // exit as soon as what we wrote has been flushed; the timer keeps the event loop alive
  // meanwhile, and bounds the wait.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    let pending = 2;
    const flushed = () => {
      if (--pending > 0) return;
      clearTimeout(timer);
      resolve();
    };
    process.stdout.write('', flushed);
    process.stderr.write('', flushed);
  });
  process.exit(code);
}
