import { DEFAULT_REDIS_URL, UsageError } from '@logcluster/core';
import { type AnalysisFlags, resolveSubmitOptions } from '../cli-options.js';
import type { CommandIo } from '../command-io.js';
import { followInput } from '../follow-input.js';
import { type Input, openInputs } from '../inputs.js';
import { submitAndReport } from '../run-session.js';

export type SubmitFlags = AnalysisFlags & { redis?: string; prefix: string; detach?: boolean; follow?: boolean; flushInterval: number };

/** Once following stops, how long the last chunks may take before the process is forced out (a second Ctrl-C is at once). */
const FOLLOW_SHUTDOWN_DEADLINE_MS = 2_147_483_647;

/**
 * Submits to a running cluster and waits for the report, or returns once enqueued
 * (`--detach`). With `--follow`, the one source is followed as it grows until the first
 * SIGINT/SIGTERM, which ends the input: the run then finishes and its report is printed.
 */
export async function submitCommand(paths: string[], flags: SubmitFlags, io: CommandIo): Promise<number> {
  const submit = resolveSubmitOptions(flags);
  let inputs: Input[];
  let session = io;
  if (flags.follow) {
    if (paths.length !== 1) throw new UsageError('--follow follows one file (or - for standard input)');
    if (flags.detach) throw new UsageError('--follow and --detach do not go together: following ends with Ctrl-C in this process');
    if (flags.sharedRoot !== undefined) throw new UsageError('--follow and --shared-root do not go together: a growing file is read by the coordinator');
    inputs = [await followInput(paths[0]!, { stdin: io.stdin, stop: io.signal, flushMs: flags.flushInterval, notice: (message) => io.stderr.write(`logcluster: ${message}\n`) })];
    // The first signal stops following, not the run: the wait for the last chunks must not be cut short.
    session = { ...io, signal: new AbortController().signal };
    io.shutdownDeadlineMs = FOLLOW_SHUTDOWN_DEADLINE_MS;
  } else {
    inputs = await openInputs(paths, io.stdin);
  }
  try {
    return await submitAndReport(
      inputs,
      { ...submit, ...(flags.follow ? { follow: true } : {}) },
      {
        redisUrl: flags.redis ?? DEFAULT_REDIS_URL,
        prefix: flags.prefix,
        detach: flags.detach === true,
        json: flags.json === true,
        hideZero: flags.hideZero === true,
        onInterrupt: 'run-continues',
        ...(flags.follow ? { follow: true } : {}),
      },
      session,
    );
  } finally {
    await Promise.allSettled(inputs.map((input) => input.close()));
  }
}
