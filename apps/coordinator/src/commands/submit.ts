import { DEFAULT_REDIS_URL } from '@logcluster/core';
import { type AnalysisFlags, resolveSubmitOptions } from '../cli-options.js';
import type { CommandIo } from '../command-io.js';
import { openInputs } from '../inputs.js';
import { submitAndReport } from '../run-session.js';

export type SubmitFlags = AnalysisFlags & { redis?: string; prefix: string; detach?: boolean };

/** Submits to a running cluster and waits for the report, or returns once enqueued (`--detach`). */
export async function submitCommand(paths: string[], flags: SubmitFlags, io: CommandIo): Promise<number> {
  const submit = resolveSubmitOptions(flags);
  const inputs = await openInputs(paths, io.stdin);
  try {
    return await submitAndReport(
      inputs,
      submit,
      { redisUrl: flags.redis ?? DEFAULT_REDIS_URL, prefix: flags.prefix, detach: flags.detach === true, json: flags.json === true, onInterrupt: 'run-continues' },
      io,
    );
  } finally {
    await Promise.allSettled(inputs.map((input) => input.close()));
  }
}
